import { test } from "vitest";
import { guard } from "../guard/guard.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { decide } from "./decide.ts";
import { alarm, config, facts, instance, node } from "./test-fixtures.ts";

// decide + guard on the embedded store, in process: one iteration is one event, so the reported
// operations per second are events per second. `npm run bench -- packages/core/src/policy/decide.bench.ts`
test("decide + guard on sqlite (:memory:)", async ({ bench }) => {
  const store = new SqliteStateStore();
  // the store decides expiry by the real clock: decide at the real time too
  const clusterFacts = facts({
    now: new Date(),
    nodes: Array.from({ length: 200 }, (_, index) => node(index + 1)),
  });
  const cfg = config();
  const ctx = { store, config: cfg, cluster: "prod", now: clusterFacts.now, facts: clusterFacts };
  let next = 0;
  await bench.compare(
    bench("decide only: alarm → scale plan (pure)", () => {
      decide(alarm(), cfg, clusterFacts);
    }),
    bench("alarm storm on one target: new event each time, cooldown skips", async () => {
      await guard(decide(alarm(), cfg, clusterFacts), ctx);
    }),
    bench("one event delivered again and again: idempotency skips", async () => {
      await guard(decide(alarm({ id: "the-same-event" }), cfg, clusterFacts), ctx);
    }),
    bench("spot warnings across 200 nodes: node claim, cooldown, budget", async () => {
      const fact = clusterFacts.nodes[next++ % clusterFacts.nodes.length];
      await guard(
        decide(instance("spot-interruption", { instanceId: fact?.instanceId ?? "" }), cfg, clusterFacts),
        ctx,
      );
    }),
  );
  await store.close();
});
