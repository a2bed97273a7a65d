import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SchedulePayloadSchema } from "../events/index.ts";
import {
  defineConfig,
  formatScheduleExpression,
  type HomeostatConfigInput,
  parseScheduleExpression,
  scheduleDefinitions,
  scheduleName,
} from "./index.ts";

/** EventBridge Scheduler's rule for schedule names. */
const VALID_NAME = /^[0-9a-zA-Z_.-]{1,64}$/;

type PolicyInput = NonNullable<HomeostatConfigInput["policies"]>[number];

const officeHours: PolicyInput = {
  name: "dev-office-hours",
  description: "Scale dev to zero at night.",
  cluster: "staging",
  match: {
    schedule: {
      entries: [
        {
          name: "scale-down",
          cron: "cron(0 20 ? * mon-fri *)",
          timezone: "Europe/Berlin",
          action: { verb: "scale", target: "dev/*", change: 0, remember: true },
        },
        {
          name: "restore",
          cron: "cron(30 7 ? * MON-FRI *)",
          timezone: "Europe/Berlin",
          action: { verb: "scale", target: "dev/*", restore: true },
        },
      ],
    },
  },
};

const config = (policies: PolicyInput[]) =>
  defineConfig({
    clusters: {
      prod: { eks: { name: "prod", region: "eu-west-1" } },
      staging: { eks: { name: "staging", region: "eu-west-1" } },
    },
    defaultCluster: "prod",
    policies,
  });

describe("scheduleDefinitions", () => {
  it("declares one schedule per entry of a served cluster's schedule policy", () => {
    const definitions = scheduleDefinitions(config([officeHours]), ["prod", "staging"]);
    expect(definitions.map(({ input, ...rest }) => rest)).toEqual([
      {
        name: "dev-office-hours.scale-down",
        policy: "dev-office-hours",
        entry: "scale-down",
        expression: "cron(0 20 ? * MON-FRI *)",
        timezone: "Europe/Berlin",
        description:
          "Homeostat policy dev-office-hours, entry scale-down, cluster staging: Scale dev to zero at night.",
      },
      {
        name: "dev-office-hours.restore",
        policy: "dev-office-hours",
        entry: "restore",
        expression: "cron(30 7 ? * MON-FRI *)",
        timezone: "Europe/Berlin",
        description:
          "Homeostat policy dev-office-hours, entry restore, cluster staging: Scale dev to zero at night.",
      },
    ]);
  });

  it("gives each schedule the input the schedule function parses back to its policy and entry", () => {
    const [definition] = scheduleDefinitions(config([officeHours]), ["staging"]);
    const payload = SchedulePayloadSchema.parse(
      JSON.parse(
        definition?.input
          .replace("<aws.scheduler.scheduled-time>", "2025-06-02T18:00:00Z")
          .replace("<aws.scheduler.execution-id>", "abc") ?? "null",
      ),
    );
    expect(payload).toMatchObject({ policy: "dev-office-hours", entry: "scale-down", executionId: "abc" });
  });

  it("leaves out clusters this deployment does not serve, and policies that are not schedules", () => {
    const nightly: PolicyInput = {
      name: "prod-nightly",
      // no cluster: the default (prod)
      match: { schedule: { entries: [{ name: "down", cron: "rate(1 day)", timezone: "UTC" }] } },
      action: { verb: "scale", target: "batch/*", change: 0 },
    };
    const alarm: PolicyInput = {
      name: "cpu",
      match: { alarm: { names: ["*"] } },
      action: { verb: "restart", target: "shop/web" },
    };
    const all = config([officeHours, nightly, alarm]);
    expect(scheduleDefinitions(all, ["prod"]).map((definition) => definition.name)).toEqual([
      "prod-nightly.down",
    ]);
    expect(scheduleDefinitions(all, ["staging"]).map((definition) => definition.name)).toEqual([
      "dev-office-hours.scale-down",
      "dev-office-hours.restore",
    ]);
    expect(scheduleDefinitions(all, [])).toEqual([]);
  });

  it("keeps names unique and valid when policy and entry names are long or dotted", () => {
    const long = "p".repeat(64);
    const policies: PolicyInput[] = [
      {
        name: long,
        match: {
          schedule: {
            entries: [
              { name: `${"e".repeat(63)}1`, cron: "rate(5 minutes)", timezone: "UTC" },
              { name: `${"e".repeat(63)}2`, cron: "rate(5 minutes)", timezone: "UTC" },
            ],
          },
        },
        action: { verb: "scale", target: "a/b", change: 1 },
      },
      {
        name: "a.b",
        match: { schedule: { entries: [{ name: "c", cron: "at(2030-01-01T00:00:00)", timezone: "UTC" }] } },
        action: { verb: "scale", target: "a/b", change: 1 },
      },
      {
        name: "a",
        match: { schedule: { entries: [{ name: "b.c", cron: "at(2030-01-01T00:00:00)", timezone: "UTC" }] } },
        action: { verb: "scale", target: "a/b", change: 1 },
      },
    ];
    const names = scheduleDefinitions(config(policies), ["prod"]).map((definition) => definition.name);
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toMatch(VALID_NAME);
  });

  it("caps the description at EventBridge Scheduler's 512 characters", () => {
    const [definition] = scheduleDefinitions(config([{ ...officeHours, description: "x".repeat(600) }]), [
      "staging",
    ]);
    expect(definition?.description.length).toBe(512);
  });
});

describe("scheduleName", () => {
  it("is <policy>.<entry> when that fits and cannot be read two ways", () => {
    expect(scheduleName("dev-office-hours", "scale-down")).toBe("dev-office-hours.scale-down");
    expect(scheduleName("p", "e".repeat(62))).toBe(`p.${"e".repeat(62)}`);
  });

  it("truncates and adds a hash when too long, or when the policy has a dot", () => {
    const long = scheduleName("p".repeat(64), "e".repeat(64));
    expect(long).toMatch(/^p{55}-[0-9a-f]{8}$/);
    expect(scheduleName("a.b", "c")).toMatch(/^a_b-c-[0-9a-f]{8}$/);
    expect(scheduleName("a", "b.c")).toBe("a.b.c");
  });

  const nameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-".split("");
  // short names over a few characters, dots included, collide most easily; long ones exercise truncation
  const configName = fc.oneof(
    fc.string({ unit: fc.constantFrom("a", "."), minLength: 1, maxLength: 3 }),
    fc.string({ unit: fc.constantFrom(...nameChars), minLength: 1, maxLength: 64 }),
    fc.string({ unit: fc.constantFrom("a", "."), minLength: 50, maxLength: 64 }),
  );

  it("is a valid, deterministic EventBridge Scheduler name for any policy and entry name", () => {
    fc.assert(
      fc.property(configName, configName, (policy, entry) => {
        const name = scheduleName(policy, entry);
        expect(name).toMatch(VALID_NAME);
        expect(scheduleName(policy, entry)).toBe(name);
      }),
    );
  });

  it("never gives two (policy, entry) pairs the same name", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(configName, configName), {
          selector: ([policy, entry]) => `${policy}\n${entry}`,
          minLength: 2,
          maxLength: 80,
          // many pairs per run: a collision needs two of them
          size: "large",
        }),
        (pairs) => {
          const names = pairs.map(([policy, entry]) => scheduleName(policy, entry));
          expect(new Set(names).size).toBe(pairs.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("formatScheduleExpression", () => {
  it("writes cron in upper case with single spaces, as the parser reads it", () => {
    const parsed = parseScheduleExpression(" cron(0  20 ? * mon-fri *) ");
    expect(parsed.ok && formatScheduleExpression(parsed.expression)).toBe("cron(0 20 ? * MON-FRI *)");
  });

  it("round-trips through the parser", () => {
    const rate = fc
      .tuple(fc.integer({ min: 1, max: 999_999 }), fc.constantFrom("minute", "hour", "day"))
      .map(([value, unit]) => `rate(${value} ${unit}${value === 1 ? "" : "s"})`);
    const at = fc
      .date({
        min: new Date("1970-01-01T00:00:00Z"),
        max: new Date("2199-12-31T23:59:59Z"),
        noInvalidDate: true,
      })
      .map((date) => `at(${date.toISOString().slice(0, 19)})`);
    // exactly one of day-of-month and day-of-week is ?
    const days = fc.oneof(
      fc.constantFrom("*", "1", "L", "15W", "1-15/2").map((dayOfMonth) => [dayOfMonth, "?"]),
      fc.constantFrom("*", "MON-FRI", "SUN", "2#1", "6L").map((dayOfWeek) => ["?", dayOfWeek]),
    );
    const cron = fc
      .tuple(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 23 }),
        days,
        fc.constantFrom("*", "1-6", "JAN,JUL"),
        fc.constantFrom("*", "2030"),
      )
      .map(
        ([minute, hour, [dayOfMonth, dayOfWeek], month, year]) =>
          `cron(${minute} ${hour} ${dayOfMonth} ${month} ${dayOfWeek} ${year})`,
      );
    fc.assert(
      fc.property(fc.oneof(rate, at, cron), (text) => {
        const parsed = parseScheduleExpression(text);
        if (!parsed.ok) throw new Error(`${text}: ${parsed.reason}`);
        expect(formatScheduleExpression(parsed.expression)).toBe(text);
      }),
    );
  });
});
