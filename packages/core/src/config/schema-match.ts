// What a policy is for: alarms, instance events, schedules, stalled rollouts or a person's commands.
import * as z from "zod";
import { isMutatingVerb, type MutatingVerb, VERB_NAMES } from "../domain/verbs/index.ts";
import { alarmStates, instanceEventKinds, instanceStates } from "../events/trigger-schema.ts";
import { policyActionSchema } from "./schema-action.ts";
import { globList, scheduleExpressionSchema, timeZoneSchema } from "./schema-values.ts";

/** The verbs a command policy may allow: the registry's mutating verbs, in its order. */
export const mutatingVerbs: readonly MutatingVerb[] = VERB_NAMES.filter(isMutatingVerb);

export const alarmMatchSchema = z.strictObject({
  /** Alarm name glob patterns (`*` any run of characters, `?` one). */
  names: globList,
  states: z.array(z.enum(alarmStates)).min(1).default(["ALARM"]),
  /** Dimensions the alarm's metric must carry (values may be globs), e.g. `{ ClusterName: "prod" }`. */
  dimensions: z.record(z.string(), z.string()).default({}),
});

export const instanceMatchSchema = z.strictObject({
  events: z.array(z.enum(instanceEventKinds)).min(1),
  /** instance-state-change only: the new states that match (all when absent). */
  states: z.array(z.enum(instanceStates)).min(1).optional(),
  /** Labels the node must carry (exact values). */
  nodeSelector: z.record(z.string(), z.string()).optional(),
});

export const scheduleEntrySchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
    error: (issue) =>
      `expected an entry name of letters, digits, . _ - (at most 64), got ${JSON.stringify(issue.input)}`,
  }),
  cron: scheduleExpressionSchema,
  timezone: timeZoneSchema,
  /** What this entry does; falls back to the policy's action. */
  action: policyActionSchema.optional(),
});

export const scheduleMatchSchema = z.strictObject({
  entries: z
    .array(scheduleEntrySchema)
    .min(1)
    .superRefine((entries, ctx) => {
      const seen = new Set<string>();
      entries.forEach((entry, index) => {
        if (seen.has(entry.name)) {
          ctx.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `duplicate entry name "${entry.name}"`,
          });
        }
        seen.add(entry.name);
      });
    }),
});

export const rolloutStalledMatchSchema = z.strictObject({
  /** Namespace globs the rollout guard watches. */
  namespaces: globList,
});

export const commandMatchSchema = z.strictObject({
  /** Verbs a person may run through this policy (all mutating verbs when absent). */
  verbs: z.array(z.enum(mutatingVerbs)).min(1).optional(),
  /** Namespace globs workload commands may touch (all when absent). */
  namespaces: globList.optional(),
});

export type AlarmMatch = z.output<typeof alarmMatchSchema>;
export type InstanceMatch = z.output<typeof instanceMatchSchema>;
export type ScheduleMatch = z.output<typeof scheduleMatchSchema>;
export type RolloutStalledMatch = z.output<typeof rolloutStalledMatchSchema>;
export type CommandMatch = z.output<typeof commandMatchSchema>;
export type PolicyMatch =
  | { alarm: AlarmMatch }
  | { instance: InstanceMatch }
  | { schedule: ScheduleMatch }
  | { rolloutStalled: RolloutStalledMatch }
  | { command: CommandMatch };

export const policyMatchSchema = z.union([
  z.strictObject({ alarm: alarmMatchSchema }),
  z.strictObject({ instance: instanceMatchSchema }),
  z.strictObject({ schedule: scheduleMatchSchema }),
  z.strictObject({ rolloutStalled: rolloutStalledMatchSchema }),
  z.strictObject({ command: commandMatchSchema }),
]);

export type ScheduleEntry = z.output<typeof scheduleEntrySchema>;
