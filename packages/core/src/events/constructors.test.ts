import { describe, expect, it } from "vitest";
import { commandTrigger, rolloutStalledTrigger, TriggerInputError } from "./constructors.ts";
import { now } from "./test-helpers.ts";
import { TriggerSchema } from "./trigger-schema.ts";

describe("in-process triggers", () => {
  it("rolloutStalledTrigger: a stable id per deployment revision", () => {
    const input = {
      namespace: "shop",
      deployment: "checkout",
      revision: 7,
      reason: "ProgressDeadlineExceeded",
      now,
    };
    const trigger = rolloutStalledTrigger(input);
    expect(trigger).toEqual({
      id: "rollout-stalled:shop/checkout@7",
      time: now.toISOString(),
      origin: "rollout-guard",
      kind: "rollout-stalled",
      namespace: "shop",
      deployment: "checkout",
      reason: "ProgressDeadlineExceeded",
      revision: 7,
    });
    expect(rolloutStalledTrigger({ ...input, now: new Date() }).id).toBe(trigger.id);
    expect(TriggerSchema.safeParse(trigger).success).toBe(true);
    expect(() => rolloutStalledTrigger({ ...input, revision: -1 })).toThrow(TriggerInputError);
  });

  it("commandTrigger: given or fresh ids; empty actor or text is refused", () => {
    const a = commandTrigger({ actor: "alice", text: "scale shop/checkout +3", now });
    const b = commandTrigger({ actor: "alice", text: "scale shop/checkout +3", now });
    expect(a.id).not.toBe(b.id);
    expect(a).toMatchObject({ kind: "command", actor: "alice", origin: "cli", time: now.toISOString() });
    expect(commandTrigger({ actor: "U123", text: "restart shop/cart", id: "t-1", origin: "slack" }).id).toBe(
      "t-1",
    );
    expect(() => commandTrigger({ actor: " ", text: "x" })).toThrow(/actor is empty/);
    expect(() => commandTrigger({ actor: "a", text: "" })).toThrow(TriggerInputError);
  });
});
