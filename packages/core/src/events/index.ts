export type { CommandInput, RolloutStalledInput } from "./constructors.ts";
export { commandTrigger, rolloutStalledTrigger, TriggerInputError } from "./constructors.ts";
export type { NormalizeError, NormalizeOptions, NormalizeResult, RecordResult } from "./normalize.ts";
export { normalize, normalizeBatch } from "./normalize.ts";
export type { DeferredPayload, SchedulePayload } from "./readers/homeostat.ts";
export {
  DeferredPayloadSchema,
  deferredPayload,
  SchedulePayloadSchema,
  scheduleTargetInput,
} from "./readers/homeostat.ts";
export type { JsonObject, JsonValue, SampleKind } from "./samples.ts";
export { isSampleKind, sampleEvent, sampleInstanceIds, sampleKinds } from "./samples.ts";
export { isoToRfc3339, rfc1123ToRfc3339 } from "./time.ts";
export type * from "./trigger.ts";
export {
  alarmStates,
  alarmTypes,
  instanceActions,
  instanceEventKinds,
  instanceStates,
  TriggerSchema,
} from "./trigger-schema.ts";
