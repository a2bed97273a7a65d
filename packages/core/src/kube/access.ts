import { type Cluster, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { KubeVerbError } from "../domain/errors.ts";
import { type Kube, kubeFromConfig, kubeFromDefaultKubeconfig, kubeFromKubeconfigFile } from "./client.ts";
import { type EksToken, mintEksToken } from "./eks-token.ts";
import { KubeConfig } from "./k8s.ts";

type Authenticator = Parameters<KubeConfig["addAuthenticator"]>[0];
export type AwsCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** Where a cluster's API server is and the CA that signed its certificate (base64 PEM, as EKS gives it). */
export interface ClusterEndpoint {
  endpoint: string;
  certificateAuthorityData: string;
}

/** Token lifetime is 14 minutes from signing; mint again a minute early so a slow request still lands in time. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

/**
 * EKS bearer tokens for one cluster, minted on demand and reused until a minute before their
 * 14-minute client lifetime ends. Concurrent callers share one mint.
 */
export class EksTokenSource {
  readonly clusterName: string;
  readonly region: string;
  readonly #credentials: AwsCredentials;
  readonly #now: () => Date;
  #current: Promise<EksToken> | undefined;
  /** The last minted token, once it has resolved: checked without awaiting, so callers share a refresh. */
  #ready: EksToken | undefined;
  /** How many tokens were minted (for tests and metrics). */
  minted = 0;

  constructor(input: { clusterName: string; region: string; credentials: AwsCredentials; now?: () => Date }) {
    this.clusterName = input.clusterName;
    this.region = input.region;
    this.#credentials = input.credentials;
    this.#now = input.now ?? (() => new Date());
  }

  async token(): Promise<EksToken> {
    const fresh = (token: EksToken | undefined) =>
      token !== undefined && token.expiresAt.getTime() - TOKEN_REFRESH_MARGIN_MS > this.#now().getTime();
    if (fresh(this.#ready)) return this.#ready as EksToken;
    // A mint in flight serves every caller that arrives meanwhile; a stale or failed one is replaced.
    if (this.#current === undefined || (this.#ready !== undefined && !fresh(this.#ready))) {
      this.minted++;
      const minting = mintEksToken({
        clusterName: this.clusterName,
        region: this.region,
        credentials: this.#credentials,
        signingDate: this.#now(),
      });
      this.#current = minting;
      this.#ready = undefined;
      minting.then(
        (token) => {
          if (this.#current === minting) this.#ready = token;
        },
        () => {
          if (this.#current === minting) this.#current = undefined;
        },
      );
    }
    return await this.#current;
  }
}

const AUTH_PROVIDER = "homeostat-eks-token";

/**
 * client-node 2 calls the KubeConfig's authenticators on every request (`applySecurityAuthentication`),
 * so a custom authenticator is where a refreshed token gets picked up; a static `user.token` would not be.
 */
function eksAuthenticator(tokens: EksTokenSource): Authenticator {
  return {
    isAuthProvider: (user) => (user.authProvider as { name?: string } | undefined)?.name === AUTH_PROVIDER,
    applyAuthentication: async (_user, opts) => {
      const { token } = await tokens.token();
      opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
    },
  };
}

/** A KubeConfig, in memory, for an EKS cluster's endpoint authenticated by an EKS token source. */
export function eksKubeConfig(cluster: ClusterEndpoint, tokens: EksTokenSource): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [
      {
        name: tokens.clusterName,
        server: cluster.endpoint,
        caData: cluster.certificateAuthorityData,
        skipTLSVerify: false,
      },
    ],
    users: [{ name: "homeostat", authProvider: { name: AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: tokens.clusterName, cluster: tokens.clusterName, user: "homeostat" }],
    currentContext: tokens.clusterName,
  });
  config.addAuthenticator(eksAuthenticator(tokens));
  return config;
}

/** EKS DescribeCluster: the endpoint and CA. Throws KubeVerbError for a missing or unready cluster. */
export async function describeEksCluster(eks: EKSClient, clusterName: string): Promise<ClusterEndpoint> {
  let cluster: Cluster | undefined;
  try {
    cluster = (await eks.send(new DescribeClusterCommand({ name: clusterName }))).cluster;
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "ResourceNotFoundException") {
      throw new KubeVerbError(
        "not-found",
        `EKS cluster "${clusterName}" not found in ${await eks.config.region()}; check --cluster and --region`,
        { cause: error },
      );
    }
    if (name === "AccessDeniedException") {
      throw new KubeVerbError(
        "forbidden",
        `not allowed to describe EKS cluster "${clusterName}": grant eks:DescribeCluster to this identity`,
        { cause: error },
      );
    }
    throw new KubeVerbError(
      "unavailable",
      `could not describe EKS cluster "${clusterName}": ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const described = cluster;
  if (!described?.endpoint || !described.certificateAuthority?.data) {
    throw new KubeVerbError(
      "unavailable",
      `EKS cluster "${clusterName}" has no endpoint yet (status ${described?.status ?? "unknown"}); wait until it is ACTIVE`,
    );
  }
  return { endpoint: described.endpoint, certificateAuthorityData: described.certificateAuthority.data };
}

export interface EksClusterAccessInput {
  clusterName: string;
  region: string;
  /** Defaults to the EKS client's (the default AWS provider chain: the Lambda role's credentials). */
  credentials?: AwsCredentials;
  /** An EKS client to describe the cluster with (tests point one at moto). */
  eks?: EKSClient;
  /** Overrides DescribeCluster's answer (private endpoints reached through a proxy; tests). */
  endpoint?: ClusterEndpoint;
  now?: () => Date;
}

// Per container: a warm Lambda invocation reuses the endpoint, the token and the client's connections.
const endpoints = new Map<string, Promise<ClusterEndpoint>>();
const kubes = new Map<string, Promise<Kube>>();

const cacheKey = (input: { clusterName: string; region: string }) => `${input.region}/${input.clusterName}`;

/** Forgets cached endpoints and clients (tests; or after the cluster's endpoint changed). */
export function clearEksAccessCache(): void {
  endpoints.clear();
  kubes.clear();
}

/** DescribeCluster once per container and cluster; a failure is not cached. */
export function cachedEksEndpoint(
  eks: EKSClient,
  clusterName: string,
  region: string,
): Promise<ClusterEndpoint> {
  const key = cacheKey({ clusterName, region });
  let pending = endpoints.get(key);
  if (!pending) {
    pending = describeEksCluster(eks, clusterName);
    endpoints.set(key, pending);
    pending.catch(() => endpoints.delete(key));
  }
  return pending;
}

/**
 * A Kube handle for an EKS cluster from Lambda (or anywhere with IAM credentials): the endpoint from
 * DescribeCluster, a locally minted bearer token refreshed before it is 14 minutes old, all kept per
 * container so warm invocations make no extra calls.
 *
 * @example
 * const kube = await kubeForEksCluster({ clusterName: "prod", region: "eu-west-1" });
 * await scale(kube, { kind: "Deployment", namespace: "shop", name: "checkout" }, { change: "+2" });
 */
export function kubeForEksCluster(input: EksClusterAccessInput): Promise<Kube> {
  const key = cacheKey(input);
  let pending = kubes.get(key);
  if (!pending) {
    pending = (async () => {
      const eks = input.eks ?? new EKSClient({ region: input.region });
      const endpoint = input.endpoint ?? (await cachedEksEndpoint(eks, input.clusterName, input.region));
      const tokens = new EksTokenSource({
        clusterName: input.clusterName,
        region: input.region,
        credentials: input.credentials ?? eks.config.credentials,
        ...(input.now ? { now: input.now } : {}),
      });
      return kubeFromConfig(eksKubeConfig(endpoint, tokens));
    })();
    kubes.set(key, pending);
    pending.catch(() => kubes.delete(key));
  }
  return pending;
}

/** How a configured cluster is reached: `clusters.<name>` of homeostat.config.ts. */
export interface ClusterAccess {
  eks?: { name: string; region: string };
  kubeconfig?: { path?: string; context?: string };
}

/**
 * A Kube handle for a configured cluster: through EKS (DescribeCluster and a token from the caller's
 * IAM credentials, cached per container), or a kubeconfig file and context (without a path, the
 * default kubeconfig: $KUBECONFIG, else ~/.kube/config).
 */
export async function kubeForCluster(
  access: ClusterAccess,
  options: { eks?: EKSClient } = {},
): Promise<Kube> {
  if (access.eks) {
    return await kubeForEksCluster({
      clusterName: access.eks.name,
      region: access.eks.region,
      ...(options.eks ? { eks: options.eks } : {}),
    });
  }
  const { path, context } = access.kubeconfig ?? {};
  return path ? kubeFromKubeconfigFile(path, context) : kubeFromDefaultKubeconfig(context);
}
