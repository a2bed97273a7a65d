export type { Kube } from "./client.ts";
export { kubeFromConfig, kubeFromKubeconfigFile, RequestCounter } from "./client.ts";
export type { KubeVerbErrorCode, KubeVerbErrorOptions } from "./errors.ts";
export { apiMessage, apiStatus, KubeVerbError, toKubeVerbError } from "./errors.ts";
export type { VerbOutcome, VerbRun } from "./result.ts";
export {
  dryRunParam,
  jsonPatch,
  mergePatch,
  patchContentType,
  startVerb,
  strategicMergePatch,
} from "./result.ts";
export type * from "./types.ts";
