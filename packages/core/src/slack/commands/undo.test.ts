import { describe, expect, it } from "vitest";
import { parseCommandText } from "../../command/index.ts";
import type { AuditRecord } from "../../state/audit-log.ts";
import { undoCommandText, undoPlanOf, undoTriggerId } from "./undo.ts";

describe("undoCommandText", () => {
  it("writes an undo in the grammar, which reads back to the same verb and target", () => {
    const scale = undoCommandText({
      verb: "scale",
      target: { kind: "Deployment", namespace: "shop", name: "web" },
      params: { change: "3" },
    });
    expect(scale).toBe("scale shop/web 3");
    expect(parseCommandText(scale)).toMatchObject({
      command: { verb: "scale", change: { kind: "absolute", replicas: 3 } },
    });
    expect(
      undoCommandText({ verb: "uncordon", target: { kind: "Node", name: "ip-10-0-1-2" }, params: {} }),
    ).toBe("uncordon ip-10-0-1-2");
    expect(
      undoCommandText({
        verb: "scale",
        target: { kind: "StatefulSet", namespace: "db", name: "pg" },
        params: { change: "2" },
      }),
    ).toBe("scale db/statefulset/pg 2");
  });
});

describe("undoPlanOf", () => {
  const scaled: AuditRecord = {
    id: "alarm#a1#scale-out#scale#deployment/shop/web",
    time: "2026-01-01T00:00:00.000Z",
    trigger: { id: "alarm#a1", kind: "alarm", summary: "alarm HighCPU → ALARM" },
    cluster: "prod",
    policy: "scale-out",
    actor: "homeostat",
    verb: "scale",
    target: { kind: "Deployment", namespace: "shop", name: "web" },
    dryRun: false,
    ok: true,
    changed: true,
    before: { replicas: 2 },
    after: { replicas: 5 },
    message: "scaled shop/web from 2 to 5",
    warnings: [],
    durationMs: 3,
    apiRequests: 2,
    undo: {
      verb: "scale",
      target: { kind: "Deployment", namespace: "shop", name: "web" },
      params: { change: "2" },
    },
  };

  it("runs the record's undo on the record's cluster", () => {
    expect(undoPlanOf(scaled.id, scaled, ["prod", "staging"])).toEqual({
      kind: "undo",
      cluster: "prod",
      text: "scale shop/web 2",
      undoes: "scale deployment shop/web",
    });
    expect(undoTriggerId(scaled.id)).toBe(`slack#undo#${scaled.id}`);
  });

  it("refuses an unknown record, one with no undo, and one for a cluster not served, saying which", () => {
    expect(undoPlanOf("nope", undefined, ["prod"])).toEqual({
      kind: "refused",
      reason: expect.stringMatching(
        /^no audit record nope \(the audit log keeps records 90 days\): nothing ran$/,
      ),
    });
    const { undo: _, ...restarted } = { ...scaled, verb: "restart" as const };
    expect(undoPlanOf(scaled.id, restarted, ["prod"])).toEqual({
      kind: "refused",
      reason: expect.stringContaining("the audit record of restart deployment shop/web has no undo"),
    });
    expect(undoPlanOf(scaled.id, scaled, ["staging"])).toEqual({
      kind: "refused",
      reason: expect.stringContaining(
        "is for cluster prod, which this deployment does not serve (it serves staging)",
      ),
    });
    const { cluster: __, ...unnamed } = scaled;
    expect(undoPlanOf(scaled.id, unnamed, ["prod"])).toMatchObject({ kind: "refused" });
  });
});
