export type { AwsCredentials, ClusterAccess, ClusterEndpoint, EksClusterAccessInput } from "./access.ts";
export {
  cachedEksEndpoint,
  clearEksAccessCache,
  describeEksCluster,
  EksTokenSource,
  eksKubeConfig,
  kubeForCluster,
  kubeForEksCluster,
} from "./access.ts";
export type { Kube } from "./client.ts";
export {
  kubeFromConfig,
  kubeFromDefaultKubeconfig,
  kubeFromKubeconfigFile,
  RequestCounter,
} from "./client.ts";
export type { NodeSchedulingState } from "./cordon.ts";
export { cordon, uncordon } from "./cordon.ts";
export type { DrainBefore, DrainOptions, DrainReport } from "./drain.ts";
export { drain } from "./drain.ts";
export type {
  DaemonSetLookup,
  DrainFilterOptions,
  DrainPlan,
  PodVerdict,
  PodWithReason,
} from "./drain-filters.ts";
export { planDrain } from "./drain-filters.ts";
export { apiMessage, apiStatus, toKubeVerbError } from "./errors.ts";
export type { DeploymentHistory, RevisionEntry } from "./history.ts";
export { history } from "./history.ts";
export type { ResolvedNode } from "./nodes.ts";
export { instanceIdOf, resolveNode } from "./nodes.ts";
export type { RestartState } from "./restart.ts";
export { restart } from "./restart.ts";
export type { VerbOutcome, VerbRun } from "./result.ts";
export {
  dryRunParam,
  jsonPatch,
  mergePatch,
  patchContentType,
  startVerb,
  strategicMergePatch,
} from "./result.ts";
export type { RollbackParams, RolloutState } from "./rollback.ts";
export { rollback } from "./rollback.ts";
export type { ScaleParams, ScaleState } from "./scale.ts";
export { scale } from "./scale.ts";
export type { ConditionView, NodeStatus, TargetStatus, WorkloadStatus } from "./status.ts";
export { status } from "./status.ts";
export { runVerb } from "./verbs.ts";
