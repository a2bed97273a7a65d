import { describe, expect, test } from "vitest";
import { e2eConfig } from "../../../../test/fixtures/e2e.config.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { correlationIdOf } from "./delivery.ts";
import { buildDeps } from "./deps.ts";
import { RuntimeConfigError, rolloutThresholdsFromEnv } from "./env.ts";

const config = e2eConfig();

describe("buildDeps", () => {
  test("without a table, the embedded store; without a bus or schedule group, only the audit log sink and no scheduler", async () => {
    const deps = await buildDeps({ env: { HOMEOSTAT_STATE_DB: ":memory:" }, deps: { config } });
    expect(deps.store).toBeInstanceOf(SqliteStateStore);
    expect(deps.sinks?.map((sink) => sink.name)).toEqual(["audit-log"]);
    expect(deps.scheduler).toBeUndefined();
    expect(deps.lifecycle).toBeDefined();
    expect(deps.clusters).toBeUndefined();
    await deps.store.close?.();
  });

  test("a partial scheduler setting is an error naming the missing variables", async () => {
    await expect(
      buildDeps({ env: { HOMEOSTAT_STATE_DB: ":memory:", HOMEOSTAT_SCHEDULE_GROUP: "g" }, deps: { config } }),
    ).rejects.toThrow(/HOMEOSTAT_NODE_EVENTS_FUNCTION_ARN and HOMEOSTAT_SCHEDULER_ROLE_ARN/);
  });

  test("HOMEOSTAT_CLUSTERS must name clusters of the config", async () => {
    await expect(
      buildDeps({
        env: { HOMEOSTAT_STATE_DB: ":memory:", HOMEOSTAT_CLUSTERS: "test,prod" },
        deps: { config },
      }),
    ).rejects.toBeInstanceOf(RuntimeConfigError);
    const deps = await buildDeps({
      env: { HOMEOSTAT_STATE_DB: ":memory:", HOMEOSTAT_CLUSTERS: " test " },
      deps: { config },
    });
    expect(deps.clusters).toEqual(["test"]);
  });

  test("the stack's variable names are accepted as aliases", async () => {
    const deps = await buildDeps({
      env: {
        HOMEOSTAT_STATE_DB: ":memory:",
        HOMEOSTAT_EVENT_BUS: "bus",
        HOMEOSTAT_SCHEDULE_GROUP: "group",
        HOMEOSTAT_NODE_EVENTS_FUNCTION_ARN: "arn:aws:lambda:us-east-1:123456789012:function:f",
        HOMEOSTAT_SCHEDULER_ROLE_ARN: "arn:aws:iam::123456789012:role/r",
      },
      aws: { region: "us-east-1" },
      deps: { config },
    });
    expect(deps.sinks?.map((sink) => sink.name)).toEqual(["audit-log", "event-bus bus"]);
    expect(deps.scheduler).toBeDefined();
  });
});

describe("environment parsing", () => {
  test("rollout thresholds", () => {
    expect(rolloutThresholdsFromEnv({})).toEqual({});
    expect(
      rolloutThresholdsFromEnv({
        HOMEOSTAT_ROLLOUT_CRASHLOOP_RESTARTS: "5",
        HOMEOSTAT_ROLLOUT_NOT_READY_SECONDS: "120",
      }),
    ).toEqual({ crashLoopRestarts: 5, notReadySeconds: 120 });
    expect(() => rolloutThresholdsFromEnv({ HOMEOSTAT_ROLLOUT_NOT_READY_SECONDS: "soon" })).toThrow(
      /HOMEOSTAT_ROLLOUT_NOT_READY_SECONDS must be a non-negative number/,
    );
  });

  test("correlation id: EventBridge id, SQS message id, SNS message id", () => {
    expect(correlationIdOf({ id: "eb-1", source: "aws.ec2" })).toBe("eb-1");
    expect(correlationIdOf({ Records: [{ messageId: "sqs-1" }] })).toBe("sqs-1");
    expect(correlationIdOf({ Records: [{ Sns: { MessageId: "sns-1" } }] })).toBe("sns-1");
    expect(correlationIdOf("nonsense")).toBeUndefined();
  });
});
