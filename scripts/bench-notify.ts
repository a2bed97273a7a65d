// A spot drain's time with Slack configured and not: the node-events handler drains a kwok node of
// 20 pods (test environment), in alternating rounds. With Slack, the notify handler posts a backlog
// of results to the stand-in — answering 429 with Retry-After — all the while; notify is off the
// action path, so the medians should match (ratio ≈ 1).
//
//   npm run testenv -- up && node scripts/bench-notify.ts [--rounds 5] [--pods 20]
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import type { HomeostatConfig } from "../packages/core/src/config/index.ts";
import { auditRecordFromResult } from "../packages/core/src/record/index.ts";
import { webClientPoster } from "../packages/core/src/slack/client.ts";
import { createNamespace, removeNode } from "../test/env/cluster.ts";
import {
  addDedicatedNode,
  createPooledDeployment,
  uniqueId,
  waitForPodsOnNode,
} from "../test/env/node-fixtures.ts";
import { slackControl } from "../test/env/slack-control.ts";
import { e2eConfig } from "../test/fixtures/e2e.config.ts";
import { spotWarning } from "../test/fixtures/e2e-events.ts";
import { startE2e } from "../test/fixtures/e2e-harness.ts";
import { sqsEvent } from "../test/fixtures/notify-harness.ts";

const { values } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, pods: { type: "string", default: "20" } },
});
const rounds = Number(values.rounds);
const pods = Number(values.pods);
const log = (line: string) => process.stderr.write(`${line}\n`);

const plain = e2eConfig({ maxUnavailable: 10_000 });
const withSlack: HomeostatConfig = {
  ...plain,
  slack: { channel: "#bench-notify", routes: [], verbosity: "decisions" },
};
const e2e = await startE2e("bench-notify", plain);
const ns = await createNamespace(e2e.admin, "bench-notify");
const slack = slackControl(e2e.env.slackUrl);
const created: string[] = [];

/** Results for the notifier to chew on while a drain runs: 10 incidents of one scale each. */
function backlog(round: number) {
  return Array.from({ length: 10 }, (_, n) => ({
    id: `bench-${round}-${n}`,
    source: "homeostat",
    "detail-type": "Homeostat Action Result",
    detail: auditRecordFromResult(
      {
        verb: "scale",
        target: { kind: "Deployment", namespace: "shop", name: `svc-${n}` },
        ok: true,
        changed: true,
        dryRun: false,
        before: { replicas: 1 },
        after: { replicas: 2 },
        message: "scaled",
        warnings: [],
        apiRequests: 2,
        durationMs: 5,
      },
      {
        trigger: {
          kind: "alarm",
          id: `bench-${randomBytes(4).toString("hex")}`,
          time: new Date().toISOString(),
          origin: "bench",
          alarmName: `bench-${round}-${n}`,
          alarmType: "metric",
          state: "ALARM",
          reason: "bench",
          dimensions: {},
        },
        cluster: "test",
        policy: "bench",
        actor: "homeostat",
      },
    ),
  }));
}

async function drainOnce(side: "plain" | "slack", round: number): Promise<number> {
  const pool = `bn-${uniqueId()}`;
  const node = await addDedicatedNode(e2e.admin, pool);
  created.push(node.name);
  await createPooledDeployment(e2e.admin, ns.name, `web-${pool}`, pool, { replicas: pods, role: "emptydir" });
  await waitForPodsOnNode(e2e.admin, ns.name, node.name, pods);
  // somewhere for the evicted replicas to go (the drained node is cordoned)
  created.push((await addDedicatedNode(e2e.admin, pool)).name);
  const config = side === "slack" ? withSlack : plain;
  let notifying: Promise<unknown> = Promise.resolve();
  if (side === "slack") {
    await slack.fail({ method: "chat.postMessage", status: 429, retryAfter: 1, times: 3 });
    const notify = e2e.handler("notify", {
      config,
      deps: {
        slack: webClientPoster({ token: e2e.env.slackToken, apiUrl: `${e2e.env.slackUrl}/api/` }),
      },
    });
    notifying = notify(sqsEvent(backlog(round)));
  }
  const start = performance.now();
  await e2e.invoke("node-events", spotWarning(node.instanceId), { config });
  const ms = performance.now() - start;
  await notifying;
  return ms;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

try {
  const times = { plain: [] as number[], slack: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    // alternate which side goes first, so a warming cluster favours neither
    for (const side of round % 2 ? (["slack", "plain"] as const) : (["plain", "slack"] as const)) {
      const ms = await drainOnce(side, round);
      times[side].push(ms);
      log(`round ${round + 1} ${side}: ${ms.toFixed(0)} ms`);
    }
  }
  const plainMedian = median(times.plain);
  const slackMedian = median(times.slack);
  const report = {
    pods,
    rounds,
    drainMs: { withoutSlack: Math.round(plainMedian), withSlack: Math.round(slackMedian) },
    ratio: Number((slackMedian / plainMedian).toFixed(3)),
    samples: times,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await slack.clearFailures();
  for (const name of created) await removeNode(e2e.admin, name).catch(() => undefined);
  await ns.cleanup();
  await e2e.close();
}
