import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { UsageError } from "../command/index.ts";
import type { NodeSchedulingState } from "../kube/cordon.ts";
import type { DrainBefore, DrainReport } from "../kube/drain.ts";
import type { DeploymentHistory } from "../kube/history.ts";
import type { RestartState } from "../kube/restart.ts";
import type { RolloutState } from "../kube/rollback.ts";
import type { ScaleState } from "../kube/scale.ts";
import type { TargetStatus } from "../kube/status.ts";
import type { EventHandlerResult } from "../runtime/handler.ts";
import type { RolloutGuardResult } from "../runtime/rollout-guard.ts";
import { errorResult } from "./output.ts";
import { runCli } from "./run.ts";
import { FailureShape, type InvokeShape, type VERB_RESULT_SHAPES } from "./shapes.ts";

type States<V extends keyof typeof VERB_RESULT_SHAPES> = z.input<(typeof VERB_RESULT_SHAPES)[V]>;

describe("the JSON shapes", () => {
  it("take every state the verbs report", () => {
    expectTypeOf<ScaleState>().toExtend<NonNullable<States<"scale">["before"]>>();
    expectTypeOf<RestartState>().toExtend<NonNullable<States<"restart">["after"]>>();
    expectTypeOf<RolloutState>().toExtend<NonNullable<States<"rollback">["after"]>>();
    expectTypeOf<NodeSchedulingState>().toExtend<NonNullable<States<"cordon">["after"]>>();
    expectTypeOf<NodeSchedulingState>().toExtend<NonNullable<States<"uncordon">["after"]>>();
    expectTypeOf<DrainBefore>().toExtend<NonNullable<States<"drain">["before"]>>();
    expectTypeOf<DrainReport>().toExtend<NonNullable<States<"drain">["after"]>>();
    expectTypeOf<TargetStatus>().toExtend<NonNullable<States<"status">["after"]>>();
    expectTypeOf<DeploymentHistory>().toExtend<NonNullable<States<"history">["after"]>>();
  });

  it("take what the handlers return to invoke", () => {
    expectTypeOf<EventHandlerResult>().toExtend<z.input<typeof InvokeShape>>();
    expectTypeOf<RolloutGuardResult>().toExtend<z.input<typeof InvokeShape>>();
  });

  it("describe a failure as errorResult makes it, once printed", () => {
    const result = errorResult(new UsageError("plan needs --event FILE", "plan"), {
      command: "plan",
      dryRun: false,
      durationMs: 3,
    });
    expect(FailureShape.parse(JSON.parse(JSON.stringify(result)))).toMatchObject({
      verb: "plan",
      error: { code: "invalid", exitCode: 2 },
    });
  });
});

/** runCli on a line that fails before it reaches a cluster: the exit code and the one JSON object. */
async function failedRun(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (text) => out.push(text), stderr: (text) => err.push(text) });
  expect(err).toEqual([]);
  return { code, result: FailureShape.parse(JSON.parse(out.join(""))) };
}

describe("a usage error in JSON", () => {
  it("names the command it is about, however the line went wrong", async () => {
    for (const [argv, verb] of [
      [["scale", "shop/web", "abc"], "scale"],
      [["scale", "shop/web", "3", "--bogus"], "scale"],
      [["cordon", "--region", "eu-west-1", "node-1"], "cordon"],
      [["plan"], "plan"],
      [["invoke", "nodes"], "invoke"],
      [["events", "sample", "x", "--max", "2"], "events-sample"],
      [["eks", "token"], "eks-token"],
      [["frobnicate"], "unknown"],
      [[], "unknown"],
    ] as const) {
      const { code, result } = await failedRun([...argv, "--output", "json"]);
      expect({ argv, code, verb: result.verb }).toEqual({ argv, code: 2, verb });
      expect(result.error).toEqual({ code: "invalid", exitCode: 2 });
    }
  });
});
