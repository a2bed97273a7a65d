/**
 * The `Trigger` types, inferred from their zod schema in trigger-schema.ts (the one source: what
 * `TriggerSchema` accepts and what the type says cannot drift apart). Type-only, so the package
 * root can re-export it without loading zod.
 */
import type { z } from "zod";
import type {
  AlarmMetricQuerySchema,
  AlarmTriggerSchema,
  alarmStates,
  CommandTriggerSchema,
  InstanceTriggerSchema,
  instanceEventKinds,
  instanceStates,
  RolloutStalledTriggerSchema,
  ScheduleTriggerSchema,
  TriggerSchema,
} from "./trigger-schema.ts";

export type AlarmState = (typeof alarmStates)[number];
export type AlarmTrigger = z.output<typeof AlarmTriggerSchema>;
/** One entry of an alarm's metric list: a metric (namespace, name, dimensions) or a math expression. */
export type AlarmMetricQuery = z.output<typeof AlarmMetricQuerySchema>;

/** EC2 and Auto Scaling events about one instance. */
export type InstanceEventKind = (typeof instanceEventKinds)[number];
export type InstanceState = (typeof instanceStates)[number];
export type InstanceTrigger = z.output<typeof InstanceTriggerSchema>;

export type ScheduleTrigger = z.output<typeof ScheduleTriggerSchema>;
export type RolloutStalledTrigger = z.output<typeof RolloutStalledTriggerSchema>;
export type CommandTrigger = z.output<typeof CommandTriggerSchema>;

export type Trigger = z.output<typeof TriggerSchema>;
export type TriggerKind = Trigger["kind"];
