/**
 * Kubernetes clients that authenticate the way Homeostat does on EKS: IAM credentials (assumed on
 * moto) → a `k8s-aws-v1.` token minted locally → the token webhook → RBAC. No admin credential is
 * anywhere on this path; only the cluster's public CA certificate is read from the environment.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { AwsCredentialIdentity } from "@smithy/types";
import { EksTokenSource, eksKubeConfig } from "../../packages/core/src/kube/access.ts";
import { type Kube, kubeFromConfig } from "../../packages/core/src/kube/client.ts";
import { assumeRole } from "./aws.ts";
import { REPO_ROOT } from "./binaries.ts";
import type { TestEnv } from "./env.ts";

type IdentityEnv = Pick<TestEnv, "server" | "caFile" | "motoUrl" | "region" | "clusterName" | "roles">;

/** The `homeostat` CLI, run with the pinned Node (process.execPath) in tests. */
export const HOMEOSTAT_BIN = join(REPO_ROOT, "packages/core/bin/homeostat.js");

/**
 * The environment for a `homeostat` process in tests: the bundle, as users run it (scripts/build-cli.ts
 * builds it; the bin refuses a missing or stale one rather than falling back to the sources).
 */
export const HOMEOSTAT_ENV: NodeJS.ProcessEnv = { ...process.env, HOMEOSTAT_CLI: "bundle" };

/** A KubeConfig for the test cluster whose user presents one fixed bearer token (expired, forged, …). */
export function tokenKubeConfig(env: Pick<TestEnv, "server" | "caFile">, token: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "homeostat-test", server: env.server, caFile: env.caFile, skipTLSVerify: false }],
    users: [{ name: "eks-user", token }],
    contexts: [{ name: "eks", cluster: "homeostat-test", user: "eks-user" }],
    currentContext: "eks",
  });
  return config;
}

/**
 * A Kube handle authenticated as the IAM role `roleArn` (any role; unmapped ones get 401), built the
 * way the Lambda builds its own (kube/access.ts): an EksTokenSource that re-mints before expiry and the
 * in-memory KubeConfig around it — only DescribeCluster is replaced by the test cluster's endpoint.
 */
export async function roleKube(
  env: IdentityEnv,
  roleArn: string,
  sessionName = "homeostat-tests",
): Promise<Kube> {
  let credentials: AwsCredentialIdentity = await assumeRole(env, roleArn, sessionName);
  const provider = async (): Promise<AwsCredentialIdentity> => {
    // moto's credentials last an hour; assume again when they are close to expiry
    if (credentials.expiration && credentials.expiration.getTime() - Date.now() < 20 * 60_000) {
      credentials = await assumeRole(env, roleArn, sessionName);
    }
    return credentials;
  };
  const tokens = new EksTokenSource({
    clusterName: env.clusterName,
    region: env.region,
    credentials: provider,
  });
  const endpoint = {
    endpoint: env.server,
    certificateAuthorityData: readFileSync(env.caFile).toString("base64"),
  };
  return kubeFromConfig(eksKubeConfig(endpoint, tokens));
}

/**
 * A Kube handle as the automation's IAM role (group homeostat:automation), or the read-only role.
 * @example const kube = await automationKube(loadTestEnv());
 */
export async function automationKube(
  env: IdentityEnv,
  role: keyof TestEnv["roles"] = "automation",
): Promise<Kube> {
  return await roleKube(env, env.roles[role], `homeostat-${role}`);
}

/**
 * Writes a kubeconfig whose user authenticates the way EKS users do with `aws eks get-token`: an exec
 * plugin running `homeostat eks token`, here with credentials of IAM role `roleArn` assumed on moto.
 * For tests that run the `homeostat` CLI as a process, as the restricted identity.
 */
export async function execKubeconfig(
  env: TestEnv,
  dir: string,
  name: string,
  roleArn: string,
): Promise<string> {
  const credentials = await assumeRole(env, roleArn, `homeostat-cli-${name}`);
  const file = join(dir, `${name}.kubeconfig`);
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "eks", cluster: { server: env.server, "certificate-authority": env.caFile } }],
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: process.execPath,
            args: [HOMEOSTAT_BIN, "eks", "token", "--cluster", env.clusterName, "--region", env.region],
            env: [
              { name: "AWS_ACCESS_KEY_ID", value: credentials.accessKeyId },
              { name: "AWS_SECRET_ACCESS_KEY", value: credentials.secretAccessKey },
              { name: "AWS_SESSION_TOKEN", value: credentials.sessionToken ?? "" },
            ],
            interactiveMode: "Never",
          },
        },
      },
    ],
    contexts: [{ name, context: { cluster: "eks", user: name } }],
    "current-context": name,
  };
  writeFileSync(file, JSON.stringify(config));
  return file;
}
