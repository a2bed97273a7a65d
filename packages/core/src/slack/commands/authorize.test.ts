import { describe, expect, it } from "vitest";
import { parseConfig } from "../../config/index.ts";
import type { SlackCommandRule } from "../../config/schema.ts";
import { authorize, groupsNamed } from "./authorize.ts";

function rulesOf(rules: unknown[]): SlackCommandRule[] {
  const config = parseConfig({
    clusters: { prod: { kubeconfig: {} } },
    slack: { channel: "C0OPS", commands: { rules } },
  });
  return config.slack?.commands?.rules ?? [];
}

const rules = rulesOf([
  { name: "everyone-reads", users: "*", verbs: ["status", "history"] },
  { name: "sre", groups: ["S0SRE"], channels: ["C0OPS"], verbs: ["scale", "restart"], namespaces: ["shop*"] },
  { name: "alice-drains", users: ["U0ALICE"], verbs: ["cordon", "drain"], clusters: ["prod"] },
]);
const who = (user: string, channel = "C0OPS", groups: string[] = []) => ({
  user,
  channel,
  groups: new Set(groups),
});

describe("authorize", () => {
  it("allows through the first rule that grants the user (or a group of theirs) the verb where asked", () => {
    expect(
      authorize(rules, who("U0BOB", "C0ANY"), { verb: "status", cluster: "prod", namespace: "x" }),
    ).toEqual({
      allowed: true,
      rule: "everyone-reads",
    });
    expect(
      authorize(rules, who("U0BOB", "C0OPS", ["S0SRE"]), {
        verb: "scale",
        cluster: "prod",
        namespace: "shop",
      }),
    ).toEqual({ allowed: true, rule: "sre" });
    expect(authorize(rules, who("U0ALICE", "C0ANY"), { verb: "drain", cluster: "prod" })).toEqual({
      allowed: true,
      rule: "alice-drains",
    });
  });

  it("denies by default and names the closest rule and what it lacks", () => {
    const stranger = authorize(rules, who("U0EVE"), { verb: "scale", cluster: "prod", namespace: "shop" });
    expect(stranger).toEqual({
      allowed: false,
      reason: expect.stringContaining(`rule "sre" grants groups S0SRE, not U0EVE`),
    });
    const elsewhere = authorize(rules, who("U0BOB", "C0RANDOM", ["S0SRE"]), {
      verb: "scale",
      cluster: "prod",
      namespace: "shop",
    });
    expect(elsewhere).toMatchObject({ allowed: false });
    expect(!elsewhere.allowed && elsewhere.reason).toContain(
      `rule "sre" only in channels C0OPS, not C0RANDOM`,
    );
    const outside = authorize(rules, who("U0BOB", "C0OPS", ["S0SRE"]), {
      verb: "scale",
      cluster: "prod",
      namespace: "payments",
    });
    expect(!outside.allowed && outside.reason).toMatch(
      /^no rule allows U0BOB to run scale in namespace payments on cluster prod from channel C0OPS; closest: .*rule "sre" only in namespaces shop\*, not payments\. Add a rule/,
    );
  });

  it("denies everything when there are no rules, and says so", () => {
    expect(authorize([], who("U0ALICE"), { verb: "status", cluster: "prod" })).toEqual({
      allowed: false,
      reason: expect.stringContaining("has no slack.commands.rules (Slack commands are denied by default)"),
    });
  });

  it("lists the groups to look up", () => {
    expect(groupsNamed(rules)).toEqual(["S0SRE"]);
  });
});

describe("slack.commands.rules in the config", () => {
  const refusal = (rules: unknown[]) => {
    try {
      rulesOf(rules);
    } catch (error) {
      return String((error as Error).message);
    }
    throw new Error("expected the config to be refused");
  };

  it("opens only read verbs to everyone", () => {
    expect(refusal([{ name: "oops", users: "*", verbs: ["status", "scale"] }])).toMatch(
      /opens scale to everyone.*only status and history/,
    );
  });

  it("refuses a rule that grants no one, ids that are not Slack ids, unknown clusters and twin names", () => {
    expect(refusal([{ name: "nobody", verbs: ["status"] }])).toMatch(/grants no one/);
    expect(refusal([{ name: "x", users: ["alice"], verbs: ["status"] }])).toMatch(/Slack member id/);
    expect(refusal([{ name: "x", users: ["U0A"], verbs: ["status"], clusters: ["staging"] }])).toMatch(
      /"staging" is not one of the clusters \(prod\)/,
    );
    expect(
      refusal([
        { name: "x", users: ["U0A"], verbs: ["status"] },
        { name: "x", users: ["U0B"], verbs: ["status"] },
      ]),
    ).toMatch(/duplicate rule name "x"/);
  });
});
