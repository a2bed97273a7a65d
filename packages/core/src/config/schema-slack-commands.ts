// Who may run which commands from Slack: `slack.commands.rules` in homeostat.config.ts. Deny by
// default; each rule grants Slack users and/or user groups, optionally only in some channels, verbs on
// some namespaces of some clusters. Only the read verbs may be opened to everyone (`users: "*"`).
import * as z from "zod";
import { VERB_NAMES } from "../domain/verbs/index.ts";
import { durationSchema, globList } from "./schema-values.ts";

/** The verbs that only read: the ones a rule may open to the whole workspace. */
export const READ_ONLY_VERBS = ["status", "history"] as const;

const slackId = (pattern: RegExp, description: string) =>
  z.string().regex(pattern, { error: `a Slack ${description}` });

const userId = slackId(
  /^[UW][A-Z0-9]{2,}$/,
  "member id like U012AB3CD (the profile's ⋮ menu → Copy member ID)",
);
const groupId = slackId(/^S[A-Z0-9]{2,}$/, "user group id like S012AB3CD");
const channelId = slackId(/^[CG][A-Z0-9]{2,}$/, "channel id like C012AB3CD (channel details, at the bottom)");

export const slackCommandRuleSchema = z
  .strictObject({
    /** Named in every refusal and audit record that this rule decided. */
    name: z.string().min(1),
    /** Member ids, or "*" for everyone in the workspace (read-only verbs only). */
    users: z.union([z.literal("*"), z.array(userId).min(1)]).optional(),
    /** User group ids (`S…`): their members, looked up through the Web API and cached. */
    groups: z.array(groupId).min(1).optional(),
    /** Only from these channels (any channel when absent). */
    channels: z.array(channelId).min(1).optional(),
    verbs: z.array(z.enum(VERB_NAMES)).min(1),
    /** Namespace globs workload commands may touch (all when absent); node verbs have none. */
    namespaces: globList.optional(),
    /** Clusters of the config (all when absent). */
    clusters: z.array(z.string().min(1)).min(1).optional(),
    /**
     * The changes this rule allows wait for a second person: the run posts the planned action with
     * its dry run and Approve / Deny buttons, and runs it when someone allowed approves.
     */
    approval: z.boolean().optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.users === undefined && rule.groups === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["users"],
        message: `rule "${rule.name}" grants no one: name users (member ids, or "*" for everyone) or groups`,
      });
    }
    const readOnly = new Set<string>(READ_ONLY_VERBS);
    const writes = rule.verbs.filter((verb) => !readOnly.has(verb));
    if (rule.users === "*" && writes.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["verbs"],
        message: `rule "${rule.name}" opens ${writes.join(", ")} to everyone (users: "*"); only ${READ_ONLY_VERBS.join(" and ")} may be opened that widely: name the users or groups`,
      });
    }
  });

export const slackCommandsSchema = z
  .strictObject({
    rules: z.array(slackCommandRuleSchema).default([]),
    /** How long an approval asked for in Slack waits (default 30 minutes); then the message says expired. */
    approvalExpiry: durationSchema.default(1800),
    /** An approver must not be the requester (on by default; off only for a one-person team). */
    twoPersonRule: z.boolean().default(true),
  })
  .superRefine((commands, ctx) => {
    const seen = new Set<string>();
    commands.rules.forEach((rule, index) => {
      if (seen.has(rule.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["rules", index, "name"],
          message: `duplicate rule name "${rule.name}"`,
        });
      }
      seen.add(rule.name);
    });
  });

export type SlackCommandRule = z.output<typeof slackCommandRuleSchema>;
export type SlackCommandsConfig = z.output<typeof slackCommandsSchema>;
