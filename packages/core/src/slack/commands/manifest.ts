// The Slack app manifest for a Homeostat deployment: one slash command and interactivity, both at the
// endpoint's function URL, and the bot scopes Homeostat uses — no more. Pure.

/** What each bot scope is for: the command, posting results, and the identity look-ups of the rules. */
export const BOT_SCOPES = {
  commands: "the /homeostat slash command",
  "chat:write": "results and incident threads in the channel",
  "usergroups:read": "members of the user groups slack.commands.rules name",
  "users:read": "the requester's name in the audit",
} as const;

export interface ManifestOptions {
  /** The endpoint (https): the stack's slackEndpoint output. */
  url: string;
  name?: string;
  command?: string;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** The manifest as Slack's "Create New App → From a manifest" takes it (JSON). */
export function slackAppManifest(options: ManifestOptions): Record<string, unknown> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new ManifestError(`--url must be the endpoint's URL (https://…); got '${options.url}'`);
  }
  if (url.protocol !== "https:") {
    throw new ManifestError(`Slack sends requests only to https URLs; got ${url.protocol}//${url.host}`);
  }
  const name = options.name ?? "Homeostat";
  return {
    display_information: {
      name,
      description: "Kubernetes verbs for EKS from Slack, guarded and audited",
    },
    features: {
      bot_user: { display_name: name.toLowerCase(), always_online: false },
      slash_commands: [
        {
          command: options.command ?? "/homeostat",
          url: url.href,
          description: "Scale, restart, roll back, cordon, drain; status and history",
          usage_hint: "scale shop/checkout +2 | status shop/checkout | help",
          should_escape: false,
        },
      ],
    },
    oauth_config: { scopes: { bot: Object.keys(BOT_SCOPES) } },
    settings: {
      interactivity: { is_enabled: true, request_url: url.href },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}
