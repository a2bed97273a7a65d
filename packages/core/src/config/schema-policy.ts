// One policy: what it is for (match), what it does (action) and how it is guarded, checked together.
import * as z from "zod";
import { type PolicyAction, policyActionSchema } from "./schema-action.ts";
import { policyGuardSchema } from "./schema-guard.ts";
import { type PolicyMatch, policyMatchSchema } from "./schema-match.ts";

export const policySchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
      error: (issue) =>
        `expected a policy name of letters, digits, . _ - (at most 64), got ${JSON.stringify(issue.input)}`,
    }),
    description: z.string().optional(),
    /** Absent: the default cluster. */
    cluster: z.string().optional(),
    match: policyMatchSchema,
    action: policyActionSchema.optional(),
    guard: policyGuardSchema.default({}),
  })
  .superRefine((policy, ctx) => {
    const match = policy.match as PolicyMatch;
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if ("schedule" in match) return checkScheduleActions(match.schedule, policy.action, issue);
    if ("command" in match) {
      if (policy.action) {
        issue(["action"], "a command policy takes its verb and target from the command: drop action");
      }
      return;
    }
    if (!policy.action) return issue(["action"], "this policy needs an action ({ verb, target, ... })");
    checkActionFitsMatch(policy.action, match, issue);
  });

type Issue = (path: PropertyKey[], message: string) => void;

/** Every schedule entry has an action: its own, or the policy's. */
function checkScheduleActions(
  schedule: Extract<PolicyMatch, { schedule: unknown }>["schedule"],
  action: PolicyAction | undefined,
  issue: Issue,
): void {
  schedule.entries.forEach((entry, index) => {
    if (!entry.action && !action) {
      issue(
        ["match", "schedule", "entries", index, "action"],
        `schedule entry "${entry.name}" needs an action (or give the policy one)`,
      );
    }
  });
}

/** The targets that come from a trigger need that trigger; instance events act on their node. */
function checkActionFitsMatch(action: PolicyAction, match: PolicyMatch, issue: Issue): void {
  const target = action.target;
  const onNode = action.verb === "cordon" || action.verb === "uncordon" || action.verb === "drain";
  if (target === "trigger-node" && !("instance" in match)) {
    issue(["action", "target"], '"trigger-node" needs an instance match');
  }
  if (target === "trigger-workload" && !("rolloutStalled" in match)) {
    issue(["action", "target"], '"trigger-workload" needs a rolloutStalled match');
  }
  if (typeof target === "object" && !("alarm" in match)) {
    issue(["action", "target"], "fromDimensions needs an alarm match");
  }
  if ("instance" in match && !onNode) {
    issue(["action", "verb"], "instance events act on their node: use cordon, uncordon or drain");
  }
}
