// Pure primitives every stage shares: targets, the verb registry and the verbs' result, replica
// changes, EC2 instance ids, durations, the verb error, the handler names. Nothing here does I/O or
// loads a client.

export { formatDuration, parseDuration, parseGoDuration } from "./duration.ts";
export type { KubeVerbErrorCode, KubeVerbErrorOptions } from "./errors.ts";
export { KubeVerbError } from "./errors.ts";
export type { HandlerName } from "./handlers.ts";
export { HANDLER_NAMES, isHandlerName } from "./handlers.ts";
export { INSTANCE_ID_PATTERN, isInstanceId } from "./instance-id.ts";
export type { AppliedScaleChange, ScaleBounds, ScaleChange } from "./scale-change.ts";
export {
  applyScaleChange,
  formatScaleChange,
  MAX_REPLICAS,
  parseScaleChange,
  validateScaleBounds,
} from "./scale-change.ts";
export type * from "./target.ts";
export { describeTarget, formatTarget, targetKey, workloadKinds } from "./target.ts";
export type * from "./verb.ts";
export type {
  ApiVerb,
  NodeVerb,
  RbacRule,
  TargetOfKind,
  UndoBasis,
  VerbCommandLike,
  VerbDeclaration,
  VerbParams,
  VerbRequest,
  VerbTarget,
  VerbTargetKind,
  WorkloadVerb,
} from "./verbs/index.ts";
export {
  automationRbac,
  defineVerb,
  describeVerb,
  isMutatingRequest,
  isMutatingVerb,
  isVerb,
  PIPELINE_READS,
  VERB_NAMES,
  VERBS,
  verbCommandArgs,
  verbCommandLine,
  verbRequest,
  verbUndo,
} from "./verbs/index.ts";
