import { describe, expect, it } from "vitest";
import { alarm } from "../policy/test-fixtures.ts";
import type { AuditRecord } from "../state/audit-log.ts";
import { listAudit } from "../state/audit-log.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { auditRecordsOf, writeRecords } from "./record.ts";
import { auditLogSink, type ResultSink } from "./sinks.ts";

const trigger = alarm({ id: "evt-1" });

const ran = {
  action: { policy: "scale-out" },
  result: {
    verb: "scale" as const,
    target: { kind: "Deployment" as const, namespace: "shop", name: "checkout" },
    ok: true,
    changed: true,
    dryRun: false,
    before: { replicas: 3 },
    after: { replicas: 5 },
    message: "scaled deployment shop/checkout from 3 to 5 replicas (+2)",
    warnings: [],
    apiRequests: 2,
    durationMs: 40,
  },
};

const skipped = {
  skipped: [
    { policy: "nope", stage: "decide" as const, reason: "did not match" },
    {
      policy: "restart-web",
      stage: "cooldown" as const,
      reason: "cooling down",
      action: {
        policy: "restart-web",
        reason: "r",
        verb: "restart" as const,
        target: { kind: "Deployment" as const, namespace: "shop", name: "web" },
        params: {},
      },
    },
  ],
};

function records(): AuditRecord[] {
  return auditRecordsOf(trigger, skipped, [ran], {
    actor: "homeostat",
    now: new Date("2026-12-01T09:14:01Z"),
  });
}

describe("the record stage", () => {
  it("writes one record per action that ran and per guard skip, none for policies that did not match", () => {
    const all = records();
    expect(all.map((record) => [record.verb, record.skippedReason])).toEqual([
      ["scale", undefined],
      ["restart", "cooling down"],
    ]);
    expect(all[0]?.id).toBe("evt-1#scale-out#scale#deployment/shop/checkout");
  });

  it("hands every record to every sink; a failing sink loses nothing for the others", async () => {
    const store = new SqliteStateStore({ path: ":memory:" });
    const seen: string[] = [];
    const broken: ResultSink = {
      name: "event-bus test",
      write: async () => {
        throw new Error("ThrottlingException: slow down");
      },
    };
    const counting: ResultSink = { name: "count", write: async (record) => void seen.push(record.id) };
    const report = await writeRecords(records(), [broken, auditLogSink(store), counting]);
    expect(report.failures).toEqual([
      { sink: "event-bus test", id: records()[0]?.id, error: "ThrottlingException: slow down" },
      { sink: "event-bus test", id: records()[1]?.id, error: "ThrottlingException: slow down" },
    ]);
    expect(seen).toHaveLength(2);
    expect((await listAudit(store)).map((record) => record.verb).sort()).toEqual(["restart", "scale"]);
    await store.close();
  });
});
