import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  type Middleware,
  PolicyV1Api,
  ServerConfiguration,
} from "@kubernetes/client-node";
import { retryingHttpLibrary } from "./retrying-http.ts";

/** Counts the API requests made through one `Kube` handle (verbs report the difference). */
export class RequestCounter {
  count = 0;
  readonly middleware: Middleware = {
    pre: async (context) => {
      this.count++;
      return context;
    },
    post: async (context) => context,
  };
}

/**
 * The typed API groups the verbs use, all built on one KubeConfig and one request counter.
 * Build it once per container (or CLI run) and reuse it: the config holds the token and the agent.
 */
export interface Kube {
  readonly config: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly requests: RequestCounter;
}

type ApiConstructor<T> = new (config: ReturnType<typeof createConfiguration>) => T;

export function kubeFromConfig(config: KubeConfig): Kube {
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new Error(`kubeconfig context "${config.getCurrentContext()}" names no cluster`);
  }
  const requests = new RequestCounter();
  // What KubeConfig.makeApiClient does, plus our counting middleware.
  const make = <T>(Api: ApiConstructor<T>): T =>
    new Api(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: config },
        httpApi: retryingHttpLibrary(),
        promiseMiddleware: [requests.middleware],
      }),
    );
  return {
    config,
    core: make(CoreV1Api),
    apps: make(AppsV1Api),
    policy: make(PolicyV1Api),
    autoscaling: make(AutoscalingV2Api),
    requests,
  };
}

/** A client from the default kubeconfig ($KUBECONFIG, else ~/.kube/config), as kubectl finds it. */
export function kubeFromDefaultKubeconfig(context?: string): Kube {
  const paths = (process.env.KUBECONFIG ?? "").split(delimiter).filter((path) => path.length > 0);
  const candidates = paths.length > 0 ? paths : [join(homedir(), ".kube", "config")];
  // Without one, client-node falls back to http://localhost:8080 and fails with an unrelated message.
  if (!candidates.some((path) => existsSync(path))) {
    throw new Error(`no kubeconfig found (${candidates.join(", ")} missing)`);
  }
  const config = new KubeConfig();
  config.loadFromDefault();
  if (context) useContext(config, context, "the default kubeconfig");
  return kubeFromConfig(config);
}

function useContext(config: KubeConfig, context: string, where: string): void {
  if (!config.getContexts().some((c) => c.name === context)) {
    throw new Error(
      `context "${context}" is not in ${where}; contexts there: ${config
        .getContexts()
        .map((c) => c.name)
        .join(", ")}`,
    );
  }
  config.setCurrentContext(context);
}

/** A client from a kubeconfig file (the local path: CLI and tests). */
export function kubeFromKubeconfigFile(path: string, context?: string): Kube {
  const config = new KubeConfig();
  config.loadFromFile(path);
  if (context) useContext(config, context, path);
  return kubeFromConfig(config);
}
