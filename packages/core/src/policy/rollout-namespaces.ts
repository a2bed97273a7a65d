import type { HomeostatConfig } from "../config/schema.ts";

/** The namespaces the rollout guard scans on `cluster`: those of its `rolloutStalled` policies. */
export function rolloutNamespaces(config: HomeostatConfig, cluster: string): string[] {
  const namespaces = config.policies.flatMap((policy) =>
    policy.cluster === cluster && "rolloutStalled" in policy.match
      ? policy.match.rolloutStalled.namespaces
      : [],
  );
  return [...new Set(namespaces)];
}
