// Where Slack notifications go and how much they say: `slack` in homeostat.config.ts.
import * as z from "zod";
import { slackCommandsSchema } from "./schema-slack-commands.ts";

/** How much gets a message of its own (see slack/incident.ts `worthOf`). */
export const slackVerbosities = ["actions", "decisions", "everything"] as const;
export type SlackVerbosity = (typeof slackVerbosities)[number];

/** A channel id (C…, G…) or a name (#ops, ops-alerts), as chat.postMessage takes it. */
export const slackChannelSchema = z.string().regex(/^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,})$/, {
  error: (issue) =>
    `expected a Slack channel id like C0123ABCD or a name like #ops-alerts, got ${JSON.stringify(issue.input)}`,
});

const globs = z.array(z.string().min(1)).min(1);

export const slackRouteSchema = z
  .strictObject({
    channel: slackChannelSchema,
    /** Policy names or globs (`*` any run, `?` one character). */
    policies: globs.optional(),
    /** Cluster keys or globs. */
    clusters: globs.optional(),
  })
  .refine((route) => route.policies !== undefined || route.clusters !== undefined, {
    error: "a route names policies, clusters or both: which results go to its channel",
  });

export const slackConfigSchema = z.strictObject({
  /** Where results go unless a route says otherwise. */
  channel: slackChannelSchema,
  /**
   * The first route whose policies and clusters (each when given) match a result's sends it to its
   * channel. An incident's thread stays in the channel its first result went to.
   */
  routes: z.array(slackRouteSchema).default([]),
  verbosity: z.enum(slackVerbosities).default("decisions"),
  /** Who may run which /homeostat commands (schema-slack-commands.ts). */
  commands: slackCommandsSchema.optional(),
});

export type SlackConfig = z.output<typeof slackConfigSchema>;
export type SlackRoute = z.output<typeof slackRouteSchema>;
