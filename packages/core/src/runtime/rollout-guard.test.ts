import { describe, expect, it } from "vitest";
import { KubeVerbError } from "../domain/errors.ts";
import { config } from "../policy/test-fixtures.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { guardRollouts } from "./rollout-guard.ts";

describe("the rollout guard's run", () => {
  it("reports a cluster it cannot reach and still scans the next one", async () => {
    const rollback = (cluster: string) => ({
      name: `rollback-${cluster}`,
      cluster,
      match: { rolloutStalled: { namespaces: ["shop"] } },
      action: { verb: "rollback" as const, target: "trigger-workload" as const },
    });
    const store = new SqliteStateStore({ path: ":memory:" });
    const attempted: string[] = [];
    const result = await guardRollouts({
      config: config({ policies: [rollback("prod"), rollback("staging")] }),
      store,
      connect: async (cluster) => {
        attempted.push(cluster);
        throw new KubeVerbError("unavailable", `could not reach the API server of ${cluster} (ECONNREFUSED)`);
      },
    });
    expect(attempted).toEqual(["prod", "staging"]);
    expect(result.clusters).toEqual([
      {
        cluster: "prod",
        namespaces: ["shop"],
        stalled: [],
        error: "KubeVerbError: could not reach the API server of prod (ECONNREFUSED)",
      },
      {
        cluster: "staging",
        namespaces: ["shop"],
        stalled: [],
        error: "KubeVerbError: could not reach the API server of staging (ECONNREFUSED)",
      },
    ]);
    await store.close();
  });
});
