import { test } from "vitest";
import { stateKeys } from "./keys.ts";
import { acquireCooldown, claimEvent, reserveDisruption } from "./records.ts";
import { SqliteStateStore } from "./sqlite.ts";

// The guard's state calls on the embedded store: what `homeostat invoke` and local runs pay per event.
test("records on sqlite (:memory:)", async ({ bench }) => {
  const store = new SqliteStateStore();
  let sequence = 0;
  await bench.compare(
    bench("claimEvent, new event (claimed)", async () => {
      await claimEvent(store, stateKeys.event(`e${sequence++}`), { ttlSeconds: 3600 });
    }),
    bench("claimEvent, same event again (duplicate)", async () => {
      await claimEvent(store, stateKeys.event("duplicate"), { ttlSeconds: 3600 });
    }),
    bench("acquireCooldown, cooling down", async () => {
      await acquireCooldown(store, "cooldown#bench#Deployment/shop/checkout", { cooldownSeconds: 300 });
    }),
    bench("reserveDisruption, budget full", async () => {
      await reserveDisruption(store, "bench", `node-${sequence++ % 10}`, { max: 3, ttlSeconds: 900 });
    }),
  );
  await store.close();
});
