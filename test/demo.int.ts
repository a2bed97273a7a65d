// `npm start` end to end: the demo script seeds the shop, runs `homeostat dev` and replays the incident
// through it; each step's effect is checked in the cluster, then Ctrl-C stops the demo and dev with no
// process left. The demo leaves its objects for people to inspect; this test deletes them afterwards,
// since a cordoned demo node would count against other suites' disruption budgets.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { DEMO_POOL_LABEL, resetDemo, SHOP, STAGING, STAGING_SERVICES } from "../scripts/demo/seed.ts";
import { REPO_ROOT } from "./env/binaries.ts";
import { waitFor } from "./env/cluster.ts";
import { adminKube, loadTestEnv } from "./env/env.ts";
import { descendantPids, freePort, pidAlive } from "./env/processes.ts";

/** Seeding and five steps, each waiting on the cluster: generous, since the machine may be busy. */
const DEMO_TEST_MS = 300_000;

let admin: Kube;

beforeAll(() => {
  admin = adminKube(loadTestEnv());
});

afterAll(async () => {
  if (admin) await resetDemo(admin);
});

describe("npm start", () => {
  it(
    "replays the incident through homeostat dev, leaves its effects in the cluster and stops on Ctrl-C",
    async () => {
      let output = "";
      const demo: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, "scripts/demo/start.ts")], {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, HOMEOSTAT_DEMO_PORT: String(await freePort()) },
      });
      demo.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      demo.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => demo.once("exit", (exit) => resolve(exit)));
      let below: number[] = [];
      let code: number | null = null;
      try {
        await waitFor(
          () => {
            if (demo.exitCode !== null) throw new Error(`the demo exited ${demo.exitCode}:\n${output}`);
            return output.includes("the incident is handled");
          },
          { what: "the demo to handle its incident", timeoutMs: DEMO_TEST_MS - 20_000 },
        );
        // the timeline prints each result as the notify stage's text (slack/text.ts)
        expect(output).toMatch(
          /Done: Scaled deployment shop\/checkout on demo\n(?:.*\n)*? +Policy: +scale-out-on-cpu/,
        );
        expect(output).toMatch(
          /Done: Drained node \S+ \(i-[0-9a-f]+\) on demo\n(?:.*\n)*? +Policy: +drain-on-spot-interruption/,
        );
        expect(output).toMatch(
          /Done: Rolled back deployment shop\/cart on demo\n(?:.*\n)*? +Policy: +rollback-stalled-rollouts/,
        );
        expect(output).toContain("The demo drives the schedule's clock");
        expect(output).toMatch(/kubectl --kubeconfig \S+admin\.kubeconfig get nodes,deploy,pdb,pods -n shop/);

        const checkout = await admin.apps.readNamespacedDeployment({ namespace: SHOP, name: "checkout" });
        expect(checkout.spec?.replicas).toBe(4);
        const cart = await admin.apps.readNamespacedDeployment({ namespace: SHOP, name: "cart" });
        expect(cart.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
        const nodes = await admin.core.listNode({ labelSelector: DEMO_POOL_LABEL });
        const cordoned = nodes.items.filter((node) => node.spec?.unschedulable);
        expect(cordoned.map((node) => node.metadata?.labels?.["eks.amazonaws.com/capacityType"])).toEqual([
          "SPOT",
        ]);
        for (const [name, replicas] of Object.entries(STAGING_SERVICES)) {
          const read = await admin.apps.readNamespacedDeployment({ namespace: STAGING, name });
          expect(read.spec?.replicas).toBe(replicas);
        }
        expect(demo.exitCode).toBeNull();
      } finally {
        // dev runs in its own process group below the demo: Ctrl-C reaches the demo, which stops dev.
        // Only the stop is here: an assertion in `finally` would hide the try's own failure.
        below = descendantPids(demo.pid ?? 0);
        demo.kill("SIGINT");
        code = await exited;
      }
      // the demo's own words say why it did not stop cleanly
      if (code !== 0) throw new Error(`the demo exited ${code} on Ctrl-C:\n${output.slice(-3000)}`);
      expect(below.length).toBeGreaterThan(0);
      expect(below.filter(pidAlive)).toEqual([]);
      expect(output).toContain("homeostat dev stopped");
      expect(output).toContain("the objects stay in the cluster");
    },
    DEMO_TEST_MS,
  );
});
