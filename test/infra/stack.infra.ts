/**
 * The stack under test: sst.config.ts run as SST's CLI runs it for a deploy, under Pulumi's mocks
 * (test/infra/run-app.ts), over a matrix of deploy settings. Every function's bundle is built by
 * Runtime.Build as in a deploy, so a handler path without its file or export fails here.
 * Checked: the inventory by type, every IAM action against the AWS calls the bundled code makes,
 * the environment against what the runtime reads, runtime/architecture/timeout/retries/dead
 * letters, the bundling properties, and each EventBridge rule's pattern against every sample event
 * (moto's TestEventPattern, the test environment's).
 */
import { execFileSync } from "node:child_process";
import { EventBridgeClient, TestEventPatternCommand } from "@aws-sdk/client-eventbridge";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig, scheduleDefinitions } from "../../packages/core/src/config/index.ts";
import { type SampleKind, sampleEvent, sampleKinds } from "../../packages/core/src/events/index.ts";
import { ENV } from "../../packages/core/src/runtime/env.ts";
import { ROOT } from "../../scripts/bundle.ts";
import { esbuildOptions, LAMBDA_RUNTIME, NODEJS } from "../../stacks/bundle.ts";
import { bundlePlugins } from "../../stacks/bundle-config.mjs";
import { FUNCTION_SUFFIX, HANDLERS } from "../../stacks/handlers.ts";
import { clientConfig } from "../env/aws.ts";
import { loadTestEnv } from "../env/env.ts";

/** Captured Pulumi inputs: arbitrary nested JSON, which the assertions read field by field. */
// biome-ignore lint/suspicious/noExplicitAny: provider inputs of every resource type, checked by value
type Inputs = Record<string, any>;
interface Resource {
  type: string;
  name: string;
  inputs: Inputs;
}
interface AppRun {
  resources: Resource[];
  builds: Inputs[];
  outputs: Record<string, unknown> | null;
  failure: string | null;
}

/** Runs the app for `stage` with these deploy settings (the environment of `sst deploy`). */
function runApp(stage: string, settings: Record<string, string>): AppRun {
  const run = runAppAllowingFailure(stage, settings);
  if (run.failure) throw new Error(`the app failed under the mocks:\n${run.failure}`);
  return run;
}

function runAppAllowingFailure(stage: string, settings: Record<string, string>): AppRun {
  let output: string;
  try {
    output = execFileSync(process.execPath, [`${ROOT}/test/infra/run-app.ts`, stage], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...settings },
      maxBuffer: 256 * 2 ** 20,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    // a build error rejects inside Pulumi's outputs, which ends the program as it ends `sst deploy`
    const stderr = String((error as { stderr?: string }).stderr ?? error);
    return { resources: [], builds: [], outputs: null, failure: stderr };
  }
  return JSON.parse(output) as AppRun;
}

const BASE = { HOMEOSTAT_REGION: "eu-west-1", HOMEOSTAT_CLUSTERS: "prod" };
const FULL = {
  ...BASE,
  HOMEOSTAT_CLUSTERS: "prod,staging",
  HOMEOSTAT_ASG_HOOK_QUEUE: "true",
  HOMEOSTAT_VPC_SUBNETS: "subnet-0a,subnet-0b",
  HOMEOSTAT_VPC_SECURITY_GROUPS: "sg-0c",
  HOMEOSTAT_OPS_EMAIL: "ops@example.com",
};
/**
 * Slack is switched on by a `slack` section in the deployed config, not by a deploy variable: this row
 * deploys a config file with one (HOMEOSTAT_CONFIG), and the two secrets as `sst secret set` provides
 * them to a deploy.
 */
const SLACK = {
  ...BASE,
  HOMEOSTAT_CONFIG: "test/fixtures/infra/slack.config.ts",
  SST_SECRET_SlackBotToken: "xoxb-infra-test",
  SST_SECRET_SlackSigningSecret: "infra-test-signing-secret",
};

let dev: AppRun;
let prod: AppRun;
let slack: AppRun;
/** Every setting at once: FULL with Slack. */
let combined: AppRun;

/** Pulumi's wire form of a secret (`{ <sig>: <secret sig>, value }`), unwrapped to its value. */
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";
function revealed(value: Inputs): Inputs {
  return value["4dabf18193072939515e22adb298388d"] === SECRET_SIGNATURE ? value.value : value;
}

const ofType = (run: AppRun, type: string) => run.resources.filter((r) => r.type === type);
const inventory = (run: AppRun) => {
  const counts: Record<string, number> = {};
  for (const r of run.resources) if (r.type.startsWith("aws:")) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
};

beforeAll(() => {
  dev = runApp("dev", BASE);
  prod = runApp("production", FULL);
  slack = runApp("dev", SLACK);
  combined = runApp("production", { ...SLACK, ...FULL });
});

describe("the inventory", () => {
  it("has what a plain deployment needs, and each setting adds exactly its part", () => {
    const base = inventory(dev);
    expect(base).toEqual({
      "aws:cloudwatch/eventBus:EventBus": 1,
      "aws:cloudwatch/eventRule:EventRule": 5,
      "aws:cloudwatch/eventTarget:EventTarget": 5,
      "aws:cloudwatch/logGroup:LogGroup": 4,
      "aws:cloudwatch/metricAlarm:MetricAlarm": 5,
      "aws:dynamodb/table:Table": 1,
      "aws:eks/accessEntry:AccessEntry": 1,
      "aws:iam/role:Role": 6,
      "aws:iam/rolePolicy:RolePolicy": 2,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
      "aws:lambda/function:Function": 4,
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 4,
      "aws:lambda/permission:Permission": 5,
      "aws:s3/bucketObjectv2:BucketObjectv2": 4,
      "aws:scheduler/scheduleGroup:ScheduleGroup": 1,
      "aws:sns/topic:Topic": 1,
      "aws:sqs/queue:Queue": 1,
      "aws:sqs/queuePolicy:QueuePolicy": 1,
    });
    const full = inventory(prod);
    const added = Object.fromEntries(
      Object.entries(full)
        .map(([type, count]) => [type, count - (base[type] ?? 0)] as const)
        .filter(([, delta]) => delta !== 0),
    );
    expect(added).toEqual({
      // the hook queue, its publisher role and policy, and the function's event source mapping
      "aws:sqs/queue:Queue": 1,
      "aws:iam/role:Role": 1,
      "aws:iam/rolePolicy:RolePolicy": 1,
      "aws:lambda/eventSourceMapping:EventSourceMapping": 1,
      // the ops e-mail
      "aws:sns/topicSubscription:TopicSubscription": 1,
      // a second served cluster: its access entry, and the schedules its policies declare
      "aws:eks/accessEntry:AccessEntry": 1,
      "aws:scheduler/schedule:Schedule": 2,
    });
  });

  it("with Slack in the config, adds the notify function and the Slack endpoint", () => {
    const base = inventory(dev);
    const added = Object.fromEntries(
      Object.entries(inventory(slack))
        .map(([type, count]) => [type, count - (base[type] ?? 0)] as const)
        .filter(([, delta]) => delta !== 0),
    );
    expect(added).toEqual({
      // notify and slack, each with its log group, code object and asynchronous invoke config
      "aws:lambda/function:Function": 2,
      "aws:cloudwatch/logGroup:LogGroup": 2,
      "aws:s3/bucketObjectv2:BucketObjectv2": 2,
      "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
      // notify's FIFO queue and its dead-letter queue, the queue's policy, its two rules and the mapping
      "aws:sqs/queue:Queue": 2,
      "aws:sqs/queuePolicy:QueuePolicy": 1,
      "aws:cloudwatch/eventRule:EventRule": 2,
      "aws:cloudwatch/eventTarget:EventTarget": 2,
      "aws:lambda/eventSourceMapping:EventSourceMapping": 1,
      // notify's own role and policy; the Slack function's self-invoke policy on the function role
      "aws:iam/role:Role": 3,
      "aws:iam/rolePolicy:RolePolicy": 2,
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
      // the Slack endpoint: its URL, open to Slack (verified by signature), and the two public permissions
      "aws:lambda/functionUrl:FunctionUrl": 1,
      "aws:lambda/permission:Permission": 2,
    });
    expect(ofType(dev, "aws:lambda/functionUrl:FunctionUrl")).toEqual([]);
  });

  it("with every setting at once, each adds the same parts as on its own", () => {
    const sum: Record<string, number> = { ...inventory(prod) };
    const base = inventory(dev);
    for (const [type, count] of Object.entries(inventory(slack)))
      sum[type] = (sum[type] ?? 0) + count - (base[type] ?? 0);
    expect(inventory(combined)).toEqual(sum);
    expect(combined.outputs?.SlackEndpoint).toBeDefined();
    expect(combined.outputs?.AsgHookQueueArn).toBeDefined();
    // the Slack endpoint reaches a private API server as the other functions do; notify talks only to Slack
    const fn = (suffix: string) =>
      ofType(combined, "aws:lambda/function:Function").find((f) =>
        String(f.inputs.name).endsWith(`-${suffix}`),
      );
    expect(fn("slack")?.inputs.vpcConfig).toEqual(fn("alarm")?.inputs.vpcConfig);
    expect(fn("notify")?.inputs.vpcConfig).toBeUndefined();
  });

  it("creates each schedule the served clusters' policies declare, with its expression and time zone", async () => {
    const config = await loadConfig(`${ROOT}/homeostat.config.ts`);
    const declared = scheduleDefinitions(config, ["prod", "staging"]);
    expect(declared.length).toBeGreaterThan(0);
    const created = ofType(prod, "aws:scheduler/schedule:Schedule").map((s) => ({
      name: s.inputs.name,
      expression: s.inputs.scheduleExpression,
      timezone: s.inputs.scheduleExpressionTimezone,
      input: revealed(s.inputs.target).input,
    }));
    expect(created.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      declared
        .map((d) => ({ name: d.name, expression: d.expression, timezone: d.timezone, input: d.input }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(ofType(dev, "aws:scheduler/schedule:Schedule")).toEqual([]);
  });

  it("a production stage protects and keeps its state table", () => {
    expect(prod.outputs?._protect).toBe(true);
    expect(dev.outputs?._protect).toBe(false);
  });
});

describe("the functions", () => {
  const functions = (run: AppRun) => ofType(run, "aws:lambda/function:Function");

  it("run nodejs24.x on arm64 with the stack's timeouts, bundled by SST with NODEJS", () => {
    for (const run of [dev, prod]) {
      const deployed = functions(run).map((f) => f.inputs);
      expect(deployed).toHaveLength(4);
      for (const [key, { timeout }] of Object.entries(HANDLERS)) {
        const suffix = FUNCTION_SUFFIX[key as keyof typeof HANDLERS];
        const fn = deployed.find((f) => String(f.name).endsWith(`-${suffix}`));
        expect(fn?.runtime).toBe(LAMBDA_RUNTIME);
        expect(fn?.architectures).toEqual(["arm64"]);
        expect(fn?.timeout).toBe(Number.parseInt(timeout, 10) * 60);
        expect(fn?.handler).toBe("bundle.handler");
      }
      // what SST bundled: the handlers the stack names, with the one set of bundling properties
      expect(run.builds.map((b) => b.handler).sort()).toEqual(
        Object.values(HANDLERS)
          .map((h) => h.handler)
          .sort(),
      );
      for (const b of run.builds) expect(b.properties).toEqual({ ...NODEJS, architecture: "arm64" });
    }
  });

  it("retry twice, then send the event to the dead-letter queue", () => {
    const queue = ofType(dev, "aws:sqs/queue:Queue")[0];
    for (const config of ofType(dev, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")) {
      expect(config.inputs.maximumRetryAttempts).toBe(2);
      expect(config.inputs.destinationConfig.onFailure.destination).toMatch(
        new RegExp(`:${queue?.inputs.name}$`),
      );
    }
  });

  it("get in the VPC only when it is set", () => {
    for (const fn of functions(dev)) expect(fn.inputs.vpcConfig).toBeUndefined();
    for (const fn of functions(prod)) {
      expect(fn.inputs.vpcConfig).toEqual({
        subnetIds: ["subnet-0a", "subnet-0b"],
        securityGroupIds: ["sg-0c"],
      });
    }
  });

  it("are given every variable the runtime needs in Lambda, and none that nothing reads", () => {
    // read by functions/middleware.ts (Powertools); SST_* are SST's own (linked resources)
    const readByMiddleware = ["POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"];
    const needed = [
      ENV.clusters,
      ENV.table,
      ENV.bus,
      ENV.scheduleGroup,
      ENV.scheduleTarget,
      ENV.schedulerRole,
    ];
    const readable = new Set<string>([...Object.values(ENV), ...readByMiddleware]);
    for (const run of [dev, prod]) {
      for (const fn of functions(run)) {
        const names = Object.keys(fn.inputs.environment.variables).filter((name) => !name.startsWith("SST_"));
        expect(names.filter((name) => !readable.has(name))).toEqual([]);
        expect(needed.filter((name) => !names.includes(name))).toEqual([]);
        expect(readByMiddleware.filter((name) => !names.includes(name))).toEqual([]);
      }
    }
    const alarm = functions(prod).find((f) => String(f.inputs.name).endsWith("-alarm"));
    expect(alarm?.inputs.environment.variables[ENV.clusters]).toBe("prod,staging");
  });
});

/** The AWS SDK commands the code of one handler's bundle sends: `new XCommand(` in its own modules. */
async function commandsOf(handler: string): Promise<Set<string>> {
  const entry = `${ROOT}/${handler.replace(/\.[^.]+$/, ".ts")}`;
  // unminified, so esbuild's per-module comments say where each piece of the tree-shaken bundle comes from
  const options = {
    ...esbuildOptions(entry, "/unused.mjs", bundlePlugins()),
    write: false,
    minifyWhitespace: false,
    minifySyntax: false,
    minifyIdentifiers: false,
    absWorkingDir: ROOT,
    logLevel: "silent" as const,
  };
  const result = await build(options);
  const text = result.outputFiles?.[0]?.text ?? "";
  const commands = new Set<string>();
  for (const section of text.split(/^\/\/ (?=\S+\.[mc]?[jt]s$)/m)) {
    if (section.startsWith("node_modules/")) continue;
    for (const match of section.matchAll(/new (\w+?)Command\d*\(/g)) commands.add(match[1] as string);
  }
  return commands;
}

/** IAM actions of the SDK commands (lib-dynamodb's document commands are the item APIs). */
const ACTION_OF: Record<string, string> = {
  Get: "dynamodb:GetItem",
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  Query: "dynamodb:Query",
  Scan: "dynamodb:Scan",
  PutEvents: "events:PutEvents",
  DescribeCluster: "eks:DescribeCluster",
  Invoke: "lambda:InvokeFunction",
  CreateSchedule: "scheduler:CreateSchedule",
  CompleteLifecycleAction: "autoscaling:CompleteLifecycleAction",
  RecordLifecycleActionHeartbeat: "autoscaling:RecordLifecycleActionHeartbeat",
};

describe("the function role", () => {
  const policyOf = (run: AppRun) =>
    JSON.parse(
      ofType(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "FunctionRolePolicy")?.inputs
        .policy,
    ) as {
      Statement: Array<{ Action: string[] }>;
    };

  it("allows exactly the AWS calls the bundled handlers make, plus what Lambda does with the role", async () => {
    const sent = new Set<string>();
    for (const { handler } of Object.values(HANDLERS))
      for (const command of await commandsOf(handler)) sent.add(command);
    const unknown = [...sent].filter((command) => !(command in ACTION_OF));
    expect(unknown, "a command the code sends has no IAM action in ACTION_OF").toEqual([]);
    const fromCode = [...sent].map((command) => ACTION_OF[command] as string);
    // not SDK calls of ours: creating a schedule passes the scheduler's role; Lambda sends failed
    // asynchronous events to the dead-letter queue, and polls the hook queue, with the function's role
    const platform = ["iam:PassRole", "sqs:SendMessage"];
    const hookQueue = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ];
    const granted = (run: AppRun) =>
      policyOf(run)
        .Statement.flatMap((s) => s.Action)
        .sort();
    expect(granted(dev)).toEqual([...fromCode, ...platform].sort());
    expect(granted(prod)).toEqual([...fromCode, ...platform, ...hookQueue].sort());
  });
});

describe("with Slack", () => {
  const fn = (suffix: string) =>
    ofType(slack, "aws:lambda/function:Function").find((f) => String(f.inputs.name).endsWith(`-${suffix}`));
  const build = (handler: string) => slack.builds.find((b) => b.handler === handler);
  const policy = (name: string) =>
    (
      JSON.parse(
        ofType(slack, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === name)?.inputs.policy,
      ) as {
        Statement: Array<{ Action: string[] | string }>;
      }
    ).Statement.flatMap((s) => s.Action);
  const sentBy = async (handler: string) => [...(await commandsOf(handler))].map((c) => ACTION_OF[c]).sort();

  it("bundles notify and the Slack endpoint like every function, linking each only the secrets it reads", () => {
    expect(build("functions/notify.handler")?.properties).toEqual({ ...NODEJS, architecture: "arm64" });
    expect(build("functions/slack.handler")?.properties).toEqual({
      ...NODEJS,
      splitting: true,
      architecture: "arm64",
    });
    expect(Object.keys(build("functions/notify.handler")?.links ?? {})).toEqual(["SlackBotToken"]);
    expect(Object.keys(build("functions/slack.handler")?.links ?? {}).sort()).toEqual([
      "SlackBotToken",
      "SlackSigningSecret",
    ]);
    // the secrets reach the functions through SST's encrypted links, never the plain environment
    for (const suffix of ["notify", "slack"]) {
      const variables = JSON.stringify(fn(suffix)?.inputs.environment.variables);
      expect(variables).not.toContain(SLACK.SST_SECRET_SlackBotToken);
      expect(variables).not.toContain(SLACK.SST_SECRET_SlackSigningSecret);
      expect(fn(suffix)?.inputs.runtime).toBe(LAMBDA_RUNTIME);
      expect(fn(suffix)?.inputs.architectures).toEqual(["arm64"]);
    }
  });

  it("outputs the Slack endpoint's URL, open to Slack (each request is verified by its signature)", () => {
    const url = ofType(slack, "aws:lambda/functionUrl:FunctionUrl")[0];
    expect(url?.inputs.authorizationType).toBe("NONE");
    expect(revealed(url?.inputs.functionName)).toBe("homeostat-dev-slack");
    expect(slack.outputs?.SlackEndpoint).toMatch(/^https:\/\/.+\.lambda-url\.eu-west-1\.on\.aws\/$/);
    expect(slack.outputs?.NotifyFunction).toBe("homeostat-dev-notify");
    expect(dev.outputs?.SlackEndpoint).toBeUndefined();
  });

  it("sets the variables each Slack function reads, and none that nothing reads", () => {
    const readByMiddleware = ["POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"];
    const own = (suffix: string) =>
      Object.keys(fn(suffix)?.inputs.environment.variables ?? {})
        .filter((name) => !name.startsWith("SST_"))
        .sort();
    // notify reads the state table only (its token is the linked secret)
    expect(own("notify")).toEqual([ENV.table, ...readByMiddleware].sort());
    // the Slack endpoint runs the pipeline as the other functions do: their environment
    expect(own("slack")).toEqual(own("alarm"));
  });

  it("grants notify's role exactly what notify sends, and the function role the Slack endpoint's calls", async () => {
    const poll = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ];
    // no action notify's code does not send (its bundle holds more modules than it runs, so the
    // converse cannot be read off the bundle: the role is kept to the state table and its queue)
    const notifySends = new Set([...(await sentBy("functions/notify.handler")), ...poll]);
    expect(policy("NotifyRolePolicy").filter((action) => !notifySends.has(action))).toEqual([]);
    const slackSends = await sentBy("functions/slack.handler");
    expect(
      slackSends.filter((action) => action === undefined),
      "a command with no IAM action",
    ).toEqual([]);
    const functionRole = new Set([...policy("FunctionRolePolicy"), ...policy("SlackSelfInvoke")]);
    expect(slackSends.filter((action) => !functionRole.has(action as string))).toEqual([]);
    // the self-invoke is what the Slack endpoint adds, and it sends it (the ack starts the run)
    expect(policy("SlackSelfInvoke")).toEqual(["lambda:InvokeFunction"]);
    expect(slackSends).toContain("lambda:InvokeFunction");
  });
});

describe("the config the bundles embed", () => {
  it("is the file HOMEOSTAT_CONFIG names, through the plugins SST loads from NODEJS.plugins", () => {
    // SST's CLI loads the plugins module in the process of `sst deploy`: a child with that environment
    const bundleWith = (config: string | undefined) =>
      execFileSync(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { build } from "esbuild";
           import plugins from "./stacks/bundle-config.mjs";
           const result = await build({ entryPoints: ["functions/notify.ts"], bundle: true, platform: "node",
             format: "esm", write: false, logLevel: "silent", plugins, packages: "external" });
           process.stdout.write(result.outputFiles[0].text);`,
        ],
        {
          cwd: ROOT,
          encoding: "utf8",
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            ...(config ? { HOMEOSTAT_CONFIG: config } : {}),
          },
          maxBuffer: 64 * 2 ** 20,
        },
      );
    expect(bundleWith("test/fixtures/infra/slack.config.ts")).toContain("#ops-alerts");
    expect(bundleWith(undefined)).not.toContain("#ops-alerts");
  });
});

describe("a handler path without its file or export", () => {
  it.each([
    ["a missing file", "functions/missing.handler", /Handler not found: functions\/missing\.handler/],
    ["a missing export", "functions/alarm.nothere", /functions\/alarm\.ts has no export "nothere"/],
  ])("fails the run with %s, naming it", (_, replacement, message) => {
    const run = runAppAllowingFailure("dev", {
      ...BASE,
      INFRA_TEST_HANDLER: `functions/alarm.handler=${replacement}`,
    });
    expect(run.failure).toMatch(message);
    expect(run.outputs).toBeNull();
  });
});

describe("the EventBridge rules", () => {
  const events = new EventBridgeClient(clientConfig(loadTestEnv()));
  const ruleTargets = (run: AppRun) => {
    const rules = ofType(run, "aws:cloudwatch/eventRule:EventRule").filter((r) => r.inputs.eventPattern);
    const targets = ofType(run, "aws:cloudwatch/eventTarget:EventTarget");
    return rules.map((rule) => ({
      rule: rule.name,
      pattern: String(rule.inputs.eventPattern),
      fn: String(targets.find((t) => t.inputs.rule === rule.inputs.name)?.inputs.arn ?? "").replace(
        /.*:function:homeostat-dev-/,
        "",
      ),
    }));
  };
  /** The handler each EventBridge sample is for. */
  const HANDLER_OF: Partial<Record<SampleKind, string>> = {
    alarm: "alarm",
    "alarm-metric-math": "alarm",
    "alarm-composite": "alarm",
    "spot-interruption": "node-events",
    "rebalance-recommendation": "node-events",
    "instance-state-change": "node-events",
    "health-scheduled-change": "node-events",
    "asg-terminate": "node-events",
    "asg-test-notification": "node-events",
  };

  async function reached(run: AppRun, event: Record<string, unknown>): Promise<string[]> {
    const hits: string[] = [];
    for (const { pattern, fn } of ruleTargets(run)) {
      const { Result } = await events.send(
        new TestEventPatternCommand({ EventPattern: pattern, Event: JSON.stringify(event) }),
      );
      if (Result) hits.push(fn);
    }
    return hits.sort();
  }

  it("deliver each EventBridge sample to exactly the function that handles it", async () => {
    for (const kind of sampleKinds) {
      const event = sampleEvent(kind);
      if (!("detail-type" in event)) continue; // SNS, SQS and Scheduler payloads do not come through rules
      expect([kind, await reached(dev, event)]).toEqual([kind, [HANDLER_OF[kind]]]);
    }
  });

  it("deliver unrelated AWS events, and Homeostat's own alarms, to no function", async () => {
    const alarm = sampleEvent("alarm");
    const unrelated = [
      { ...alarm, source: "aws.s3", "detail-type": "Object Created", detail: { bucket: { name: "b" } } },
      { ...alarm, source: "aws.ec2", "detail-type": "EBS Volume Notification", detail: {} },
      { ...alarm, detail: { ...(alarm.detail as object), alarmName: "homeostat-dev-alarm-errors" } },
    ];
    for (const event of unrelated) expect(await reached(dev, event)).toEqual([]);
  });
});
