// Who a Slack user is: the members of the user groups the rules name (usergroups.users.list, scope
// usergroups:read) and a user's name for the audit (users.info, scope users:read), through
// @slack/web-api, cached per container: a warm endpoint asks Slack at most once per group per TTL.
import { WebClient } from "@slack/web-api";

export interface SlackDirectory {
  /** Which of `groups` the user is a member of. */
  groupsOf(user: string, groups: readonly string[]): Promise<Set<string>>;
  /** The user's name, when Slack says (else undefined: the id alone goes in the audit). */
  nameOf(user: string): Promise<string | undefined>;
}

export interface WebApiDirectoryOptions {
  token: string;
  /** Default Slack's; tests point it at the stand-in (`<url>/api/`). */
  slackApiUrl?: string;
  ttlMs?: number;
  now?: () => number;
}

const DEFAULT_TTL_MS = 5 * 60_000;

export function webApiDirectory(options: WebApiDirectoryOptions): SlackDirectory {
  // WebClient retries 429s after Retry-After itself: no second retry loop here
  const web = new WebClient(options.token, {
    ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
  });
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  const members = new Map<string, { users: Promise<Set<string>>; until: number }>();
  const names = new Map<string, { name: Promise<string | undefined>; until: number }>();

  const membersOf = (group: string): Promise<Set<string>> => {
    const cached = members.get(group);
    if (cached && cached.until > now()) return cached.users;
    const users = web.usergroups.users
      .list({ usergroup: group })
      .then((answer) => new Set(answer.users ?? []));
    members.set(group, { users, until: now() + ttl });
    // a failed look-up is not kept: the next request asks again
    users.catch(() => members.delete(group));
    return users;
  };

  return {
    async groupsOf(user, groups) {
      const found = await Promise.all(
        groups.map(async (group) => ((await membersOf(group)).has(user) ? [group] : [])),
      );
      return new Set(found.flat());
    },
    async nameOf(user) {
      const cached = names.get(user);
      if (cached && cached.until > now()) return await cached.name;
      const name = web.users
        .info({ user })
        .then((answer) => answer.user?.name)
        .catch(() => undefined);
      names.set(user, { name, until: now() + ttl });
      return await name;
    },
  };
}
