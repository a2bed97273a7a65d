import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Trigger } from "../events/trigger.ts";
import { decide } from "./decide.ts";
import { candidateActions, matchPolicies, readCommand } from "./match.ts";
import { alarm, command, config, facts, instance, officeHoursPolicy, schedule } from "./test-fixtures.ts";

const restore = { verb: "scale", target: "dev/*", restore: true } as const;
const cfg = () =>
  config({
    policies: [
      {
        name: "scale-out-on-cpu",
        match: { alarm: { names: ["shop-*-cpu-high"] } },
        action: { verb: "scale", target: { fromDimensions: {} }, change: "+2" },
      },
      { ...officeHoursPolicy(), cluster: "staging" },
      {
        name: "weekend",
        cluster: "staging",
        match: {
          schedule: { entries: [{ name: "saturday", cron: "cron(0 8 ? * SAT *)", timezone: "UTC" }] },
        },
        action: restore,
      },
      { name: "chatops", match: { command: { verbs: ["scale"] } } },
      { name: "chatops-too", match: { command: {} } },
      { name: "chatops-staging", cluster: "staging", match: { command: {} } },
    ],
  });

describe("matchPolicies", () => {
  it("answers for every policy, in order: matched with its action, or why not", () => {
    const matched = matchPolicies(alarm(), cfg(), "prod");
    expect(matched.policies.map((result) => [result.policy.name, result.kind])).toEqual([
      ["scale-out-on-cpu", "alarm"],
      ["dev-office-hours", "unmatched"],
      ["weekend", "unmatched"],
      ["chatops", "unmatched"],
      ["chatops-too", "unmatched"],
      ["chatops-staging", "unmatched"],
    ]);
    expect(matched.policies[0]).toMatchObject({ action: { verb: "scale", change: "+2" } });
    expect(matched.policies.slice(1).map((result) => "reason" in result && result.reason)).toEqual([
      "runs on cluster staging, and this run is for cluster prod",
      "runs on cluster staging, and this run is for cluster prod",
      "matches commands, and this is an alarm",
      "matches commands, and this is an alarm",
      "runs on cluster staging, and this run is for cluster prod",
    ]);
    expect(matched.command).toBeUndefined();
    expect(matchPolicies(instance("spot-interruption"), cfg(), "prod").policies[0]).toMatchObject({
      kind: "unmatched",
      reason: "matches alarms, and this is an instance event",
    });
  });

  it("matches the schedule entry that fired, with its action or else the policy's", () => {
    const night = matchPolicies(schedule("dev-office-hours", "night"), cfg(), "staging").policies[1];
    expect(night).toMatchObject({ kind: "schedule", entry: { name: "night" }, action: { change: 0 } });
    const saturday = matchPolicies(schedule("weekend", "saturday"), cfg(), "staging").policies[2];
    expect(saturday).toMatchObject({ kind: "schedule", entry: { name: "saturday" }, action: restore });
    expect(matchPolicies(schedule("other", "night"), cfg(), "staging").policies[1]).toMatchObject({
      kind: "unmatched",
      reason: "the schedule that fired belongs to policy other",
    });
    expect(matchPolicies(schedule("dev-office-hours", "noon"), cfg(), "staging").policies[1]).toMatchObject({
      kind: "unmatched",
      reason:
        "has no schedule entry noon (entries: night, morning); was the config changed after the schedule was created?",
    });
  });

  it("reads a command trigger's text once, and gives every command policy the command", () => {
    const matched = matchPolicies(command("scale shop/checkout +3"), cfg(), "prod");
    expect(matched.command).toEqual({ kind: "command", command: expect.objectContaining({ verb: "scale" }) });
    const commandPolicies = matched.policies.filter((result) => result.kind === "command");
    expect(commandPolicies.map((r) => r.policy.name)).toEqual(["chatops", "chatops-too"]);
    // read once: every command policy carries the one parsed command, not a parse of its own
    const parsed = matched.command?.kind === "command" ? matched.command.command : undefined;
    for (const result of commandPolicies) expect(result.command).toBe(parsed);
  });

  it("says why each command policy cannot take a command that does not read", () => {
    const reasons = (text: string) =>
      matchPolicies(command(text), cfg(), "prod")
        .policies.filter((result) => result.policy.name.startsWith("chatops-too"))
        .map((result) => "reason" in result && result.reason);
    expect(reasons("scale shop/checkout --help")).toEqual([
      '"scale shop/checkout --help" asks for help, not an action',
    ]);
    expect(reasons("scale shop/checkout lots")).toEqual([
      `cannot read the command "scale shop/checkout lots": scale needs a replica change like 5, +2, -1 or x1.5; got 'lots'`,
    ]);
    expect(readCommand("plan --event e.json")).toEqual({
      kind: "unreadable",
      reason: "plan works only in the homeostat CLI (it reads local files or credentials)",
    });
  });
});

describe("candidateActions", () => {
  it("lists the actions of the matched policies; a command policy has none of its own", () => {
    expect(candidateActions(alarm(), cfg(), "prod")).toMatchObject([{ verb: "scale", change: "+2" }]);
    expect(candidateActions(alarm(), cfg(), "staging")).toEqual([]);
    expect(candidateActions(schedule("dev-office-hours", "morning"), cfg(), "staging")).toEqual([restore]);
    expect(candidateActions(schedule("weekend", "saturday"), cfg(), "staging")).toEqual([restore]);
    expect(candidateActions(command("scale shop/checkout +3"), cfg(), "prod")).toEqual([]);
  });

  it("agrees with decide: every policy it sets aside, decide skips for the same reason", () => {
    const trigger = fc.oneof(
      fc.constantFrom<Trigger>(alarm(), instance("spot-interruption"), instance("asg-terminate")),
      fc
        .tuple(
          fc.constantFrom("dev-office-hours", "weekend", "other"),
          fc.constantFrom("night", "saturday", "noon"),
        )
        .map(([policy, entry]) => schedule(policy, entry)),
      fc
        .array(fc.constantFrom("scale", "restart", "shop/checkout", "+3", "lots", "--help", "plan"), {
          maxLength: 4,
        })
        .map((words) => command(words.join(" ") || "help")),
    );
    fc.assert(
      fc.property(trigger, fc.constantFrom("prod", "staging"), (t, cluster) => {
        const plan = decide(t, cfg(), facts({ cluster }));
        for (const result of matchPolicies(t, cfg(), cluster).policies) {
          if (result.kind !== "unmatched") continue;
          expect(plan.skipped).toContainEqual({ policy: result.policy.name, reason: result.reason });
          expect(plan.actions.filter((action) => action.policy === result.policy.name)).toEqual([]);
        }
      }),
    );
  });
});
