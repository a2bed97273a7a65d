import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type {
  HttpLibrary,
  Middleware,
  RequestContext,
  SecurityAuthentication,
} from "@kubernetes/client-node";
import { KubeVerbError } from "../domain/errors.ts";
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  PolicyV1Api,
  ServerConfiguration,
} from "./k8s.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS, retryingHttpLibrary } from "./retrying-http.ts";

export { withRequestSignal } from "./retrying-http.ts";

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
 * The typed API groups the verbs use, all built on one KubeConfig, one request counter and one
 * connection pool. Build it once per container (or CLI run) and reuse it: the config holds the token,
 * the handle the connections.
 */
export interface Kube {
  readonly config: KubeConfig;
  /** Authenticates a request (token, client certificate) and puts it on the handle's connection pool. */
  readonly auth: SecurityAuthentication;
  /** Sends requests: client-node's fetch with the retries and deadlines of retrying-http.ts. */
  readonly http: HttpLibrary;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
  readonly autoscaling: AutoscalingV2Api;
  readonly requests: RequestCounter;
}

type ApiConstructor<T> = new (config: ReturnType<typeof createConfiguration>) => T;

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/**
 * The KubeConfig's authentication with one undici dispatcher for every request of the handle.
 * client-node 2.0.1 makes a new Agent for each request (`applySecurityAuthentication` →
 * `createDispatcher`), so each opened a TLS connection of its own and left it idle until it timed out:
 * 150-200 of them during a rollout scan, most of its memory (docs/rollout-guard.md). The first Agent
 * made is kept and the later ones, never used, are closed. Keying one pool on the handle is the rule
 * client-node's own agent cache follows for watches (one per cluster and user), and a handle never
 * changes its cluster or user.
 */
function onePoolPerHandle(config: KubeConfig): SecurityAuthentication {
  let pool: Dispatcher | undefined;
  return {
    getName: () => config.getName(),
    async applySecurityAuthentication(context: RequestContext) {
      try {
        await config.applySecurityAuthentication(context);
      } catch (error) {
        throw kubeconfigError(error, config);
      }
      const made = context.getDispatcher();
      if (made === undefined) return;
      if (pool === undefined) pool = made;
      else if (made !== pool) {
        void made.close();
        context.setDispatcher(pool);
      }
    },
  };
}

/**
 * What went wrong before a request could be sent — a file the kubeconfig names, its server's scheme,
 * its user's exec plugin — in words that name the fix. client-node's own errors say only `ENOENT: …`,
 * an empty message (a plugin that printed nothing), or that HTTP "is not allowed". Other errors (our
 * EKS token source's AWS errors, say) pass through as they are.
 */
export function kubeconfigError(error: unknown, config: KubeConfig): unknown {
  if (error instanceof KubeVerbError) return error;
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  const message = error instanceof Error ? error.message : String(error);
  const { code, syscall, path } = error as { code?: unknown; syscall?: unknown; path?: unknown };
  const options = { cause: error };
  if (/HTTP protocol is not allowed/.test(message)) {
    return new KubeVerbError(
      "invalid",
      `the kubeconfig's server ${cluster?.server} is plain http://, and the Kubernetes API is served over https: fix the cluster's server URL (kubectl config view)`,
      options,
    );
  }
  if ((code === "ENOENT" || code === "EACCES") && syscall === "open" && typeof path === "string") {
    const field =
      path === cluster?.caFile
        ? "certificate-authority"
        : path === user?.certFile
          ? "client-certificate"
          : path === user?.keyFile
            ? "client-key"
            : "file";
    return new KubeVerbError(
      "invalid",
      `the kubeconfig's ${field} ${path} cannot be read (${code === "ENOENT" ? "no such file" : "permission denied"}): fix the path in the kubeconfig (kubectl config view), or use --kubeconfig/--context for another`,
      options,
    );
  }
  if (user?.exec) {
    const command = user.exec.command;
    const why =
      code === "ENOENT" && typeof syscall === "string" && syscall.startsWith("spawn")
        ? `${command} was not found on the PATH`
        : message.trim() || "it exited with an error and printed nothing";
    return new KubeVerbError(
      "failed",
      `getting credentials from the exec plugin of kubeconfig user "${user.name}" (${command}) failed: ${why}; run the plugin by hand to see why, or check the user's exec settings (kubectl config view)`,
      options,
    );
  }
  return error;
}

export interface KubeOptions {
  /**
   * How long one request may wait for its answer before it is given up (a read is then sent again, a
   * write's outcome is checked by its verb). Default 60 s, the API server's own limit for a request.
   */
  requestTimeoutMs?: number;
}

export function kubeFromConfig(config: KubeConfig, options: KubeOptions = {}): Kube {
  const cluster = config.getCurrentCluster();
  if (!cluster) {
    throw new Error(`kubeconfig context "${config.getCurrentContext()}" names no cluster`);
  }
  const requests = new RequestCounter();
  const auth = onePoolPerHandle(config);
  const http = retryingHttpLibrary({
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  });
  // What KubeConfig.makeApiClient does, plus our counting middleware, retries and connection pool.
  const make = <T>(Api: ApiConstructor<T>): T =>
    new Api(
      createConfiguration({
        baseServer: new ServerConfiguration(cluster.server, {}),
        authMethods: { default: auth },
        httpApi: http,
        promiseMiddleware: [requests.middleware],
      }),
    );
  return {
    config,
    auth,
    http,
    core: make(CoreV1Api),
    apps: make(AppsV1Api),
    policy: make(PolicyV1Api),
    autoscaling: make(AutoscalingV2Api),
    requests,
  };
}

/** A client from the default kubeconfig ($KUBECONFIG, else ~/.kube/config), as kubectl finds it. */
export function kubeFromDefaultKubeconfig(context?: string, options: KubeOptions = {}): Kube {
  const paths = (process.env.KUBECONFIG ?? "").split(delimiter).filter((path) => path.length > 0);
  const candidates = paths.length > 0 ? paths : [join(homedir(), ".kube", "config")];
  // Without one, client-node falls back to http://localhost:8080 and fails with an unrelated message.
  if (!candidates.some((path) => existsSync(path))) {
    throw new Error(`no kubeconfig found (${candidates.join(", ")} missing)`);
  }
  const config = new KubeConfig();
  config.loadFromDefault();
  if (context) useContext(config, context, "the default kubeconfig");
  return kubeFromConfig(config, options);
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
export function kubeFromKubeconfigFile(path: string, context?: string, options: KubeOptions = {}): Kube {
  const config = new KubeConfig();
  config.loadFromFile(path);
  if (context) useContext(config, context, path);
  return kubeFromConfig(config, options);
}
