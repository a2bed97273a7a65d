import { describe, expect, it } from "vitest";
import type { PlannedAction } from "../../policy/plan.ts";
import type { Approval } from "../../state/records.ts";
import { approvalScope, judgeClick } from "./approval-click.ts";

const scale: PlannedAction = {
  policy: "chatops",
  reason: "command",
  verb: "scale",
  target: { kind: "Deployment", namespace: "shop", name: "web" },
  params: { change: "+2" },
};

function pending(overrides: Partial<Approval<PlannedAction>> = {}): Approval<PlannedAction> {
  return {
    id: "a1",
    action: scale,
    cluster: "prod",
    requestedBy: "slack:U0ALICE (alice)",
    requester: "U0ALICE",
    requestedAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2026-01-01T00:30:00.000Z",
    status: "pending",
    ...overrides,
  };
}

const rules = { twoPersonRule: true, served: ["prod"] };
const bob = { user: "U0BOB", decision: "approved" as const };

describe("judgeClick", () => {
  it("lets a second person go on to authorization, scoped to the action's verb, namespace and cluster", () => {
    expect(judgeClick("a1", pending(), bob, rules)).toMatchObject({
      kind: "decide",
      cluster: "prod",
      scope: { verb: "scale", cluster: "prod", namespace: "shop" },
    });
  });

  it("refuses the requester approving their own, unless the two-person rule is off", () => {
    const own = { user: "U0ALICE", decision: "approved" as const };
    expect(judgeClick("a1", pending(), own, rules)).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining("a second person must approve it (two-person rule"),
      expired: false,
    });
    expect(judgeClick("a1", pending(), own, { ...rules, twoPersonRule: false }).kind).toBe("decide");
    // withdrawing one's own request is not approving it
    expect(judgeClick("a1", pending(), { user: "U0ALICE", decision: "denied" }, rules).kind).toBe("decide");
  });

  it("refuses an unknown, an expired and an already decided approval, saying which and by whom", () => {
    expect(judgeClick("zz", undefined, bob, rules)).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining("no pending approval zz"),
    });
    expect(judgeClick("a1", pending({ status: "expired" }), bob, rules)).toEqual({
      kind: "refused",
      reason: "the approval of scale deployment shop/web expired at 2026-01-01T00:30:00.000Z: nothing ran",
      expired: true,
    });
    const decided = pending({
      status: "approved",
      resolvedBy: "slack:U0CAROL (carol)",
      resolvedAt: "2026-01-01T00:05:00.000Z",
    });
    expect(judgeClick("a1", decided, bob, rules)).toMatchObject({
      kind: "refused",
      reason:
        "the approval of scale deployment shop/web was already decided: approved by slack:U0CAROL (carol) at 2026-01-01T00:05:00.000Z",
      expired: false,
    });
  });

  it("lets the approver's own redelivered click carry a standing approval out, and no one else's", () => {
    const approvedByBob = pending({
      status: "approved",
      resolvedBy: "slack:U0BOB (bob)",
      resolvedAt: "2026-01-01T00:05:00.000Z",
    });
    expect(judgeClick("a1", approvedByBob, bob, rules)).toMatchObject({ kind: "decide", resumed: true });
    expect(judgeClick("a1", approvedByBob, { user: "U0BOBBY", decision: "approved" }, rules).kind).toBe(
      "refused",
    );
    expect(judgeClick("a1", approvedByBob, { user: "U0BOB", decision: "denied" }, rules).kind).toBe(
      "refused",
    );
    expect(judgeClick("a1", pending({ ...approvedByBob, status: "denied" }), bob, rules).kind).toBe(
      "refused",
    );
    expect(judgeClick("a1", pending(), bob, rules)).toMatchObject({ kind: "decide", resumed: false });
  });

  it("refuses an approval for a cluster this deployment does not serve, or with none", () => {
    expect(judgeClick("a1", pending({ cluster: "staging" }), bob, rules)).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining("for cluster staging, which this deployment does not serve"),
    });
    const { cluster: _none, ...unnamed } = pending();
    expect(judgeClick("a1", unnamed, bob, rules)).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining("for cluster (unnamed)"),
    });
  });

  it("refuses an approval of a pipeline step", () => {
    const step = pending({
      action: {
        policy: "spot",
        reason: "hook",
        verb: "defer",
        target: { kind: "Node", name: "n1" },
        params: {},
      } as unknown as PlannedAction,
    });
    expect(judgeClick("a1", step, bob, rules)).toMatchObject({
      kind: "refused",
      reason: expect.stringContaining("pipeline step"),
    });
  });
});

describe("approvalScope", () => {
  it("has no namespace for a node verb", () => {
    expect(
      approvalScope(
        { policy: "p", reason: "r", verb: "cordon", target: { kind: "Node", name: "n1" }, params: {} },
        "prod",
      ),
    ).toEqual({ verb: "cordon", cluster: "prod" });
  });
});
