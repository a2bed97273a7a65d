// The parts of client-node that Homeostat runs, imported from the modules that define them. Its
// package entry re-exports every module it has (watch, informer, exec, attach, cp and its tar
// library, metrics, port-forward, …) and declares no `"sideEffects": false`, so a bundle that imports
// the entry keeps and runs them all: about 12 ms of every function's cold start and every CLI run
// (measured in issue 11's note). Import client-node's values from here; its types from the package.
export { KubeConfig } from "@kubernetes/client-node/dist/config.js";
export {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  createConfiguration,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  PolicyV1Api,
  RequestContext,
  ServerConfiguration,
  wrapHttpLibrary,
} from "@kubernetes/client-node/dist/gen/index.js";
export { setHeaderOptions } from "@kubernetes/client-node/dist/middleware.js";
export { PatchStrategy } from "@kubernetes/client-node/dist/patch.js";
