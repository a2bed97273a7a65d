/**
 * decide + guard throughput, in events per second: in process on the embedded store (sqlite in memory)
 * and with the state in DynamoDB on the test environment's moto (`npm run testenv -- up` first).
 * No cluster: the facts are made in memory, so this measures Homeostat's own path, not the API server.
 *
 *   node scripts/bench-pipeline.ts [events=2000] [concurrency=1,16]
 *
 * Three workloads, each event a new delivery: an alarm storm on one target (the cooldown skips all but
 * one), spot warnings across 200 nodes (node claim, cooldown, budget), and one event delivered again
 * and again (idempotency skips).
 */
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { guard } from "../packages/core/src/guard/guard.ts";
import { decide } from "../packages/core/src/policy/decide.ts";
import { alarm, config, facts, instance, node } from "../packages/core/src/policy/test-fixtures.ts";
import {
  createStateTable,
  DynamoStateStore,
  SqliteStateStore,
  type StateStore,
} from "../packages/core/src/state/index.ts";
import { clientConfig } from "../test/env/aws.ts";
import { loadTestEnv } from "../test/env/env.ts";

const events = Number(process.argv[2] ?? 2000);
const concurrencies = (process.argv[3] ?? "1,16").split(",").map(Number);

type Workload = { name: string; event: (index: number) => Parameters<typeof decide>[0] };

async function run(
  store: StateStore,
  workload: Workload,
  concurrency: number,
  count: number,
): Promise<number> {
  const clusterFacts = facts({
    now: new Date(),
    nodes: Array.from({ length: 200 }, (_, index) => node(index + 1)),
  });
  const cfg = config();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const now = new Date();
      const plan = decide(workload.event(index), cfg, { ...clusterFacts, now });
      await guard(plan, { store, config: cfg, cluster: "prod", now, facts: { ...clusterFacts, now } });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return count / ((performance.now() - started) / 1000);
}

function workloads(): Workload[] {
  const clusterFacts = facts({ nodes: Array.from({ length: 200 }, (_, index) => node(index + 1)) });
  const same = randomUUID();
  return [
    { name: "alarm storm, one target", event: () => alarm({ id: randomUUID() }) },
    {
      name: "spot warnings, 200 nodes",
      event: (index) =>
        instance("spot-interruption", {
          id: randomUUID(),
          instanceId: clusterFacts.nodes[index % clusterFacts.nodes.length]?.instanceId ?? "",
        }),
    },
    { name: "one event redelivered", event: () => alarm({ id: same }) },
  ];
}

async function bench(label: string, makeStore: () => Promise<StateStore>, count: number) {
  for (const workload of workloads()) {
    for (const concurrency of concurrencies) {
      const store = await makeStore();
      const perSecond = await run(store, workload, concurrency, count);
      console.log(
        `${label.padEnd(22)} ${workload.name.padEnd(26)} concurrency ${String(concurrency).padStart(2)}  ${perSecond.toFixed(0).padStart(7)} events/s`,
      );
      await store.close?.();
    }
  }
}

await bench("sqlite :memory:", async () => new SqliteStateStore(), events);

let env: ReturnType<typeof loadTestEnv> | undefined;
try {
  env = loadTestEnv();
} catch (error) {
  console.log(`DynamoDB on moto skipped: ${(error as Error).message.split("\n")[0]}`);
}
if (env) {
  const client = new DynamoDBClient(clientConfig(env));
  await bench(
    "DynamoDB on moto",
    async () => {
      const tableName = `homeostat-bench-${randomUUID().slice(0, 8)}`;
      await createStateTable(client, tableName);
      return new DynamoStateStore({ client, tableName });
    },
    Math.min(events, 500),
  );
  client.destroy();
}
