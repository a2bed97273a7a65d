// The contract between the running test environment and the tests: .testenv/env.json.
// `npm run testenv -- up` (or vitest's global setup) writes it; tests read it with loadTestEnv().
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import { type Kube, kubeFromKubeconfigFile } from "../../packages/core/src/kube/client.ts";
import { REPO_ROOT } from "./binaries.ts";

export const TESTENV_DIR = process.env.HOMEOSTAT_TESTENV_DIR ?? join(REPO_ROOT, ".testenv");
export const ENV_FILE = join(TESTENV_DIR, "env.json");

const url = z.url();
const absolutePath = z.string().startsWith("/");

export const processRecordSchema = z.object({
  name: z.string(),
  pid: z.int().positive(),
  log: absolutePath,
  /** command-line fragment checked before signalling the pid */
  match: z.string(),
});

export const testEnvSchema = z.object({
  /** admin kubeconfig (client certificate, group system:masters) */
  kubeconfig: absolutePath,
  /** kube-apiserver URL, https://127.0.0.1:<port> */
  server: url,
  /** CA that signed the apiserver's and the token webhook's serving certificates */
  caFile: absolutePath,
  motoUrl: url,
  slackUrl: url,
  slackToken: z.string(),
  /** the token webhook's TokenReview endpoint (EKS-like k8s-aws-v1. tokens) */
  webhookUrl: url,
  region: z.string(),
  accountId: z.string().regex(/^\d{12}$/),
  clusterName: z.string(),
  roles: z.object({ automation: z.string(), readonly: z.string() }),
  groups: z.object({ automation: z.string(), readonly: z.string() }),
  /** names of the default kwok nodes created at `up` */
  nodes: z.array(z.string()),
  processes: z.array(processRecordSchema),
  versions: z.record(z.string(), z.string()),
  /** who started the environment: a person (`cli`) or a test run (`vitest`) */
  startedBy: z.enum(["cli", "vitest"]),
  startedAt: z.string(),
  /** directory of the environment's state (certs, data, logs, kubeconfigs) */
  dir: absolutePath,
});

export type TestEnv = z.infer<typeof testEnvSchema>;

export class TestEnvMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TestEnvMissingError";
  }
}

/** Reads and validates .testenv/env.json; says how to start the environment when it is missing. */
export function loadTestEnv(file: string = ENV_FILE): TestEnv {
  if (!existsSync(file)) {
    throw new TestEnvMissingError(
      `the local test environment is not running (${file} does not exist).\n` +
        "fix: start it with `npm run testenv -- up`, or run the tests through vitest's integration " +
        "project (`npx vitest run --project integration`), whose global setup starts it",
    );
  }
  const parsed = testEnvSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new TestEnvMissingError(
      `${file} does not match the expected shape: ${z.prettifyError(parsed.error)}\n` +
        "fix: restart the environment: `npm run testenv -- down && npm run testenv -- up`",
    );
  }
  return parsed.data;
}

/** A Kube handle authenticated as the cluster admin (client certificate): for test setup and checks. */
export function adminKube(env: TestEnv = loadTestEnv()): Kube {
  return kubeFromKubeconfigFile(env.kubeconfig);
}
