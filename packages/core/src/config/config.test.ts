import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, defineConfig, type HomeostatConfigInput, loadConfig, parseConfig } from "./index.ts";
import { isTimeZone, parseScheduleExpression } from "./schedule-expression.ts";

const repositoryConfig = fileURLToPath(new URL("../../../../homeostat.config.ts", import.meta.url));

const minimal = (overrides: Partial<HomeostatConfigInput> = {}): HomeostatConfigInput => ({
  clusters: { prod: { eks: { name: "prod", region: "eu-west-1" } } },
  ...overrides,
});

/** The problems a config has, one line each (fails the test when it is valid). */
function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected the config to be invalid");
}

const alarmPolicy = (name: string, action: Record<string, unknown>) => ({
  name,
  match: { alarm: { names: ["*"] } },
  action: { verb: "scale", target: "shop/web", ...action },
});

describe("the repository's homeostat.config.ts", () => {
  it("loads, validates and fills in defaults", async () => {
    const config = await loadConfig(repositoryConfig);
    expect(config.defaultCluster).toBe("prod");
    expect(config.policies.length).toBeGreaterThanOrEqual(8);
    expect(config.defaults.cooldown).toBe(300);
    expect(config.defaults.nodeDisruptionBudget).toEqual({
      maxUnavailable: "10%",
      minHealthyNodes: 3,
      reservationTtl: 3600,
    });
    const office = config.policies.find((policy) => policy.name === "dev-office-hours");
    expect(office?.cluster).toBe("staging");
    expect(config.policies.find((policy) => policy.name === "scale-out-on-cpu")?.cluster).toBe("prod");
  });

  it("parses to itself (so defineConfig output can be validated again)", async () => {
    const config = await loadConfig(repositoryConfig);
    expect(parseConfig(structuredClone(config))).toEqual(config);
  });
});

describe("defineConfig", () => {
  it("applies the documented defaults", () => {
    const config = defineConfig(minimal());
    expect(config.defaults).toMatchObject({
      protectedNamespaces: ["kube-system"],
      cooldown: 300,
      replicas: {},
      nodeDisruptionBudget: { maxUnavailable: 1, minHealthyNodes: 1, reservationTtl: 3600 },
      freezeWindows: [],
      dryRun: false,
      approval: false,
      healthLeadTime: 1800,
    });
    expect(config.defaultCluster).toBe("prod");
    expect(config.policies).toEqual([]);
  });

  it("fills alarm states and fromDimensions defaults", () => {
    const config = defineConfig(
      minimal({
        policies: [
          {
            name: "cpu",
            match: { alarm: { names: ["cpu-*"] } },
            action: { verb: "scale", target: { fromDimensions: {} }, change: "+2" },
          },
        ],
      }),
    );
    const policy = config.policies[0];
    expect(policy?.match).toEqual({ alarm: { names: ["cpu-*"], states: ["ALARM"], dimensions: {} } });
    expect(policy?.action).toMatchObject({
      target: { fromDimensions: { namespace: "Namespace", name: "Service" } },
    });
    expect(policy?.cluster).toBe("prod");
  });

  it("points at the field of a bad replica change", () => {
    const input = minimal({
      policies: [
        alarmPolicy("a", { change: "+1" }),
        alarmPolicy("b", { change: 3 }),
        alarmPolicy("c", { change: "abc" }),
      ],
    } as Partial<HomeostatConfigInput>);
    expect(() => defineConfig(input)).toThrow(
      'policies[2].action.change: expected a replica change like 5, +2, -1 or x1.5, got "abc"',
    );
  });

  it.each([
    [
      { change: "x0" },
      'policies[0].action.change: expected a replica change like 5, +2, -1 or x1.5, got "x0"',
    ],
    [
      { change: undefined },
      "policies[0].action.change: scale needs a change like 5, +2, -1 or x1.5 (or restore: true)",
    ],
    [
      { change: "+1", restore: true },
      "policies[0].action.change: a restore scales to the remembered count: drop change",
    ],
    [{ change: "+1", min: 5, max: 2 }, "policies[0].action.min: min 5 is above max 2"],
    [
      { change: "+1", target: "Shop/web" },
      'policies[0].action.target: expected a workload target "namespace/name"',
    ],
    [{ change: "+1", chnage: "+1" }, 'policies[0].action: Unrecognized key: "chnage"'],
    [{ verb: "scael" }, "policies[0].action.verb: Invalid discriminator value"],
  ])("rejects the action %j", (action, message) => {
    const problems = problemsOf(
      minimal({ policies: [alarmPolicy("a", action)] } as Partial<HomeostatConfigInput>),
    );
    expect(problems.join("\n")).toContain(message);
  });

  it.each([
    [
      { defaults: { cooldown: "5 minutes" } },
      'defaults.cooldown: expected a duration like 90s, 5m, 1h30m or 2d (or whole seconds), got "5 minutes"',
    ],
    [
      { defaults: { nodeDisruptionBudget: { maxUnavailable: "120%" } } },
      "defaults.nodeDisruptionBudget.maxUnavailable",
    ],
    [
      {
        defaults: {
          freezeWindows: [
            { weekly: { days: ["Fri"], from: "18:00", to: "23:00", timezone: "Mars/Olympus" } },
          ],
        },
      },
      'defaults.freezeWindows[0].weekly.timezone: expected an IANA time zone like Europe/Berlin or UTC, got "Mars/Olympus"',
    ],
    [
      { defaults: { freezeWindows: [{ from: "2025-12-24", to: "2025-12-26T00:00:00Z" }] } },
      "defaults.freezeWindows[0].from: expected an RFC 3339 date-time",
    ],
    [
      { clusters: { prod: { eks: { name: "p", region: "eu-west-1" } }, dev: { kubeconfig: {} } } },
      "defaultCluster: name the default cluster: one of prod, dev",
    ],
    [
      { clusters: { prod: { eks: { name: "p", region: "eu-west-1" }, kubeconfig: {} } } },
      "clusters.prod: a cluster is either",
    ],
    [{ clusters: {} }, "clusters: name at least one cluster"],
    [
      { clusters: { Prod_EU: { eks: { name: "p", region: "eu-west-1" } } } },
      "clusters.Prod_EU: a cluster's name is a DNS label: lowercase letters, digits and '-'",
    ],
    [{ defaultCluster: "staging" }, 'defaultCluster: "staging" is not one of the clusters (prod)'],
  ])("rejects %j", (overrides, message) => {
    expect(problemsOf(minimal(overrides as Partial<HomeostatConfigInput>)).join("\n")).toContain(message);
  });

  it.each([
    [
      {
        name: "x",
        cluster: "nope",
        match: { alarm: { names: ["*"] } },
        action: { verb: "restart", target: "a/b" },
      },
      'policies[0].cluster: "nope" is not one of the clusters (prod)',
    ],
    [
      { name: "x", match: { alarm: { names: ["*"] } }, action: { verb: "drain", target: "trigger-node" } },
      'policies[0].action.target: "trigger-node" needs an instance match',
    ],
    [
      {
        name: "x",
        match: { instance: { events: ["spot-interruption"] } },
        action: { verb: "scale", target: "a/b", change: 1 },
      },
      "policies[0].action.verb: instance events act on their node",
    ],
    [
      {
        name: "x",
        match: { instance: { events: ["spot-interruption"] } },
        action: { verb: "drain", target: "trigger-node", timeout: "20m" },
      },
      "policies[0].action.timeout: a drain in Lambda can take at most 14m",
    ],
    [
      {
        name: "x",
        match: { instance: { events: ["spot-interrupt"] } },
        action: { verb: "drain", target: "trigger-node" },
      },
      "policies[0].match.instance.events[0]",
    ],
    [
      {
        name: "x",
        match: {
          schedule: {
            entries: [
              {
                name: "n",
                cron: "cron(0 20 * * MON-FRI *)",
                timezone: "UTC",
                action: { verb: "restart", target: "a/b" },
              },
            ],
          },
        },
      },
      "policies[0].match.schedule.entries[0].cron: expected an EventBridge Scheduler expression",
    ],
    [
      {
        name: "x",
        match: { schedule: { entries: [{ name: "n", cron: "rate(5 minutes)", timezone: "UTC" }] } },
      },
      'policies[0].match.schedule.entries[0].action: schedule entry "n" needs an action',
    ],
    [
      { name: "x", match: { command: {} }, action: { verb: "restart", target: "a/b" } },
      "policies[0].action: a command policy takes its verb and target from the command",
    ],
    [{ name: "x", match: { alarm: { names: ["*"] } } }, "policies[0].action: this policy needs an action"],
    [
      { name: "x", match: { alarms: { names: ["*"] } }, action: { verb: "restart", target: "a/b" } },
      "policies[0].match",
    ],
  ])("rejects the policy %j", (policy, message) => {
    expect(problemsOf(minimal({ policies: [policy] } as Partial<HomeostatConfigInput>)).join("\n")).toContain(
      message,
    );
  });

  it("rejects duplicate policy names", () => {
    const policy = {
      name: "same",
      match: { alarm: { names: ["*"] } },
      action: { verb: "restart", target: "a/b" },
    };
    expect(problemsOf(minimal({ policies: [policy, policy] } as Partial<HomeostatConfigInput>))).toContain(
      'policies[1].name: duplicate policy name "same"',
    );
  });
});

describe("loadConfig", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "homeostat-config-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("loads JSON", async () => {
    const path = join(directory, "config.json");
    await writeFile(path, JSON.stringify(minimal({ defaults: { cooldown: "1m" } })));
    expect((await loadConfig(path)).defaults.cooldown).toBe(60);
  });

  it("reports invalid JSON config with the file and the field", async () => {
    const path = join(directory, "bad.json");
    await writeFile(
      path,
      JSON.stringify(minimal({ defaults: { dryRun: "yes" } } as unknown as Partial<HomeostatConfigInput>)),
    );
    await expect(loadConfig(path)).rejects.toThrow(/bad\.json is invalid:\n {2}defaults\.dryRun: /);
  });

  it("says when the file is missing", async () => {
    await expect(loadConfig(join(directory, "nope.ts"))).rejects.toMatchObject({ code: "not-found" });
  });

  it("says when a module exports no config", async () => {
    const path = join(directory, "empty.mjs");
    await writeFile(path, "export const nothing = 1;\n");
    await expect(loadConfig(path)).rejects.toThrow(/exports no config/);
  });
});

describe("schedule expressions", () => {
  it.each([
    "cron(0 20 ? * MON-FRI *)",
    "cron(30 7 ? * MON-FRI *)",
    "cron(0/15 * * * ? *)",
    "cron(0 9 L * ? 2026)",
    "cron(0 9 ? * 6#3 *)",
    "rate(1 hour)",
    "rate(5 minutes)",
    "at(2025-12-24T18:00:00)",
  ])("accepts %s", (text) => {
    expect(parseScheduleExpression(text)).toMatchObject({ ok: true });
  });

  it.each([
    ["cron(0 20 * * MON-FRI *)", "exactly one of day-of-month and day-of-week must be ?"],
    ["cron(0 20 ? * MON-FRI)", "cron() needs 6 fields"],
    ["cron(60 20 ? * MON-FRI *)", "minutes 60 is out of range 0-59"],
    ["cron(0 24 ? * MON-FRI *)", "hours 24 is out of range 0-23"],
    ["rate(1 hours)", "write rate(1 hour)"],
    ["rate(5 minute)", "write rate(5 minutes)"],
    ["rate(0 minutes)", "at least 1"],
    ["at(2025-13-24T18:00:00)", "not a real date"],
    ["0 20 * * 1-5", "expected cron(...), rate(...) or at(...)"],
  ])("rejects %s: %s", (text, reason) => {
    const result = parseScheduleExpression(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.reason).toContain(reason);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(typeof parseScheduleExpression(text).ok).toBe("boolean");
        expect(typeof parseScheduleExpression(`cron(${text})`).ok).toBe("boolean");
      }),
    );
  });

  it("accepts every generated minute/hour cron on weekdays", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 }), (minute, hour) => {
        expect(parseScheduleExpression(`cron(${minute} ${hour} ? * MON-FRI *)`).ok).toBe(true);
      }),
    );
  });

  it("knows IANA time zones", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("UTC")).toBe(true);
    expect(isTimeZone("Europe/Atlantis")).toBe(false);
    expect(isTimeZone("")).toBe(false);
  });
});
