import { describe, expectTypeOf, it } from "vitest";
import type { MutatingVerb } from "../domain/verb.ts";
import {
  defineConfig,
  type HomeostatConfig,
  type HomeostatConfigInput,
  type NodeDisruptionBudget,
  type Policy,
  type PolicyAction,
  type PolicyMatch,
} from "./index.ts";

// Type tests: checked by `tsc` (npm run typecheck); the runtime assertions are no-ops.
describe("config types", () => {
  it("defineConfig takes the input shape and returns the validated config", () => {
    expectTypeOf(defineConfig).parameter(0).toEqualTypeOf<HomeostatConfigInput>();
    expectTypeOf(defineConfig).returns.toEqualTypeOf<HomeostatConfig>();
  });

  it("durations are text or seconds going in, seconds coming out", () => {
    expectTypeOf<NonNullable<NonNullable<HomeostatConfigInput["defaults"]>["cooldown"]>>().toEqualTypeOf<
      string | number
    >();
    expectTypeOf<HomeostatConfig["defaults"]["cooldown"]>().toEqualTypeOf<number>();
    expectTypeOf<HomeostatConfig["defaults"]["healthLeadTime"]>().toEqualTypeOf<number>();
    expectTypeOf<NodeDisruptionBudget["maxUnavailable"]>().toEqualTypeOf<number | string>();
  });

  it("a validated policy always names its cluster and has a guard block", () => {
    expectTypeOf<Policy["cluster"]>().toEqualTypeOf<string>();
    expectTypeOf<Policy["guard"]["cooldown"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Policy["guard"]["approval"]>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<HomeostatConfig["defaultCluster"]>().toEqualTypeOf<string>();
  });

  it("the match is exactly one trigger kind", () => {
    expectTypeOf<PolicyMatch>().toExtend<
      | { alarm: unknown }
      | { instance: unknown }
      | { schedule: unknown }
      | { rolloutStalled: unknown }
      | { command: unknown }
    >();
    const match = {} as PolicyMatch;
    if ("alarm" in match) {
      expectTypeOf(match.alarm.states).toEqualTypeOf<Array<"OK" | "ALARM" | "INSUFFICIENT_DATA">>();
      expectTypeOf(match.alarm.dimensions).toEqualTypeOf<Record<string, string>>();
    }
  });

  it("actions are discriminated by verb, and only mutating verbs exist", () => {
    expectTypeOf<PolicyAction["verb"]>().toEqualTypeOf<MutatingVerb>();
    const action = {} as PolicyAction;
    if (action.verb === "scale") {
      expectTypeOf(action.change).toEqualTypeOf<string | number | undefined>();
      expectTypeOf(action.remember).toEqualTypeOf<boolean | undefined>();
    }
    if (action.verb === "drain") {
      expectTypeOf(action.timeout).toEqualTypeOf<number>();
      expectTypeOf(action.ignoreDaemonSets).toEqualTypeOf<boolean>();
    }
  });

  it("rejects a config without clusters at compile time", () => {
    // @ts-expect-error clusters is required
    expectTypeOf<{ policies: [] }>().toExtend<HomeostatConfigInput>();
  });
});
