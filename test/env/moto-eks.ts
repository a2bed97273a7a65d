// The test cluster as moto's EKS sees it (test/env/moto-serialized.py, the EKS block): DescribeCluster
// answers with the test API server's endpoint and CA, so a function reaches it as it reaches EKS.
import { readFileSync } from "node:fs";
import type { TestEnv } from "./env.ts";

/** Creates the test cluster in moto's EKS (when absent) with the test API server's endpoint and CA. */
export async function registerTestCluster(
  env: Pick<TestEnv, "motoUrl" | "region" | "clusterName" | "server" | "caFile">,
): Promise<{ name: string; arn: string; endpoint: string }> {
  const response = await fetch(`${env.motoUrl}/_homeostat/eks-clusters`, {
    method: "POST",
    body: JSON.stringify({
      name: env.clusterName,
      region: env.region,
      endpoint: env.server,
      certificateAuthorityData: readFileSync(env.caFile).toString("base64"),
    }),
  });
  if (!response.ok) {
    throw new Error(
      `moto did not register the EKS cluster (HTTP ${response.status}: ${await response.text()}); ` +
        "is the test environment's moto the launcher test/env/moto-serialized.py? restart it: npm run testenv -- down && up",
    );
  }
  return (await response.json()) as { name: string; arn: string; endpoint: string };
}
