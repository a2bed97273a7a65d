import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.ts";
import { readInbox } from "./inbox.ts";
import { answeredWhereAsked, incidentOf, worthOf } from "./incident.ts";
import { channelFor } from "./notify.ts";
import { sampleRecords } from "./samples.ts";

describe("incidents", () => {
  it("keys an incident per trigger kind, subject first and cluster last", () => {
    expect(incidentOf(sampleRecords["alarm-scale"]).key).toBe("alarm#checkout-cpu-high#prod");
    expect(incidentOf(sampleRecords["cooldown-skip"]).key).toBe("alarm#checkout-cpu-high#prod");
    expect(incidentOf(sampleRecords["spot-drain"]).key).toBe("instance#i-0abc1234def567890#prod");
    expect(incidentOf(sampleRecords["drain-held-by-budget"]).key).toBe(
      incidentOf(sampleRecords["spot-drain"]).key,
    );
    expect(incidentOf(sampleRecords["rollout-rollback"]).key).toBe("rollout#shop/cart#7#prod");
    expect(incidentOf(sampleRecords["dry-run-scale"]).key).toBe(
      "schedule#nightly-scale-down/scale-down#2026-12-01T22:00:00Z#staging",
    );
    expect(incidentOf(sampleRecords["command-scale"]).key).toBe("command#cmd-U024BE7LH-1#prod");
    const { detail: _detail, ...bare } = sampleRecords["alarm-scale"].trigger;
    expect(incidentOf({ ...sampleRecords["alarm-scale"], trigger: bare }).key).toBe(
      "trigger#8f2e-alarm#prod",
    );
  });

  it("posts actions and decisions a person must know about, and counts routine skips", () => {
    const worth = (name: keyof typeof sampleRecords, verbosity: "actions" | "decisions" | "everything") =>
      worthOf(sampleRecords[name], verbosity, "C0NOTIFY");
    expect(worth("alarm-scale", "actions")).toBe("post");
    expect(worth("failed", "actions")).toBe("post");
    expect(worth("awaiting-approval", "actions")).toBe("post");
    // asked from Slack: the endpoint posts the request itself, where it was asked
    const asked = sampleRecords["awaiting-approval"];
    expect(
      worthOf(
        {
          ...asked,
          trigger: { ...asked.trigger, id: "slack#T01#13345224609.738474920.8088930838d88f008e0" },
        },
        "everything",
        "C0NOTIFY",
      ),
    ).toBe("count");
    expect(worth("drain-held-by-budget", "actions")).toBe("count");
    expect(worth("drain-held-by-budget", "decisions")).toBe("post");
    expect(worth("cooldown-skip", "decisions")).toBe("count");
    expect(worth("cooldown-skip", "everything")).toBe("post");
  });
});

const config = (slack: unknown) =>
  parseConfig(
    {
      clusters: { prod: { kubeconfig: {} }, staging: { kubeconfig: {} } },
      defaultCluster: "prod",
      policies: [
        {
          name: "drain-on-spot-interruption",
          match: { instance: { events: ["spot-interruption"] } },
          action: { verb: "drain", target: "trigger-node" },
        },
      ],
      slack,
    } as never,
    "test config",
  );

describe("slack config and routing", () => {
  it("routes by policy and cluster globs, first match first, else the default channel", () => {
    const { slack } = config({
      channel: "#ops",
      routes: [
        { policies: ["drain-*"], clusters: ["prod"], channel: "#nodes" },
        { clusters: ["stag*"], channel: "C0STAGING" },
      ],
    });
    if (!slack) throw new Error("no slack config");
    expect(slack.verbosity).toBe("decisions");
    expect(channelFor(sampleRecords["spot-drain"], slack)).toBe("#nodes");
    expect(channelFor(sampleRecords["dry-run-scale"], slack)).toBe("C0STAGING");
    expect(channelFor(sampleRecords["alarm-scale"], slack)).toBe("#ops");
  });

  it("leaves a Slack command's change to the endpoint's answer in the channel it was asked in, not elsewhere", () => {
    const command = sampleRecords["command-scale"];
    const detail = command.trigger.detail;
    if (detail?.kind !== "command") throw new Error("the sample is not a command");
    const askedIn = (channel: string | undefined, record = command) => ({
      ...record,
      trigger: {
        ...record.trigger,
        detail: { ...detail, ...(channel ? { slackChannel: { id: channel, name: "ops" } } : {}) },
      },
    });
    // the config names the channel by id or by name, with or without its #
    expect(answeredWhereAsked(askedIn("C0OPS"), "C0OPS")).toBe(true);
    expect(worthOf(askedIn("C0OPS"), "everything", "C0OPS")).toBe("count");
    expect(worthOf(askedIn("C0OPS"), "everything", "C0INCIDENTS")).toBe("post");
    expect(answeredWhereAsked(askedIn("C0OPS"), "#ops")).toBe(true);
    expect(answeredWhereAsked(askedIn("C0OPS"), "ops")).toBe(true);
    // routed to another channel, or asked from the CLI (no Slack channel): posted as any result
    expect(answeredWhereAsked(askedIn("C0OPS"), "C0INCIDENTS")).toBe(false);
    expect(answeredWhereAsked(askedIn(undefined), "C0OPS")).toBe(false);
    // the endpoint answers a dry run, a failure or a skip to the requester alone: the channel is told
    expect(answeredWhereAsked(askedIn("C0OPS", { ...command, dryRun: true }), "C0OPS")).toBe(false);
    expect(answeredWhereAsked(askedIn("C0OPS", { ...command, ok: false, changed: false }), "C0OPS")).toBe(
      false,
    );
    expect(answeredWhereAsked(askedIn("C0OPS", { ...command, skippedReason: "cooldown" }), "C0OPS")).toBe(
      false,
    );
  });

  it("names the field and the fix of a bad slack config", () => {
    expect(() => config({ channel: "ops alerts" })).toThrow(/slack\.channel.*expected a Slack channel id/s);
    expect(() => config({ channel: "#ops", routes: [{ channel: "#x" }] })).toThrow(
      /slack\.routes\[0\].*names policies, clusters or both/s,
    );
    expect(() => config({ channel: "#ops", routes: [{ clusters: ["qa"], channel: "#x" }] })).toThrow(
      /slack\.routes\[0\]\.clusters.*"qa" is not one of the clusters/s,
    );
    expect(() => config({ channel: "#ops", verbosity: "loud" })).toThrow(/slack\.verbosity/);
  });
});

describe("the notify inbox", () => {
  const resultEvent = {
    id: "e1",
    source: "homeostat",
    "detail-type": "Homeostat Action Result",
    detail: sampleRecords["alarm-scale"],
  };

  it("reads result events from SQS bodies in order, and rejects what it cannot read", () => {
    const items = readInbox({
      Records: [
        { messageId: "m1", body: JSON.stringify(resultEvent), eventSource: "aws:sqs" },
        { messageId: "m2", body: "{not json", eventSource: "aws:sqs" },
        {
          messageId: "m3",
          body: JSON.stringify({ ...resultEvent, detail: { ...resultEvent.detail, time: "yesterday" } }),
          eventSource: "aws:sqs",
        },
      ],
    });
    expect(items.map((item) => [item.messageId, item.kind])).toEqual([
      ["m1", "result"],
      ["m2", "malformed"],
      ["m3", "malformed"],
    ]);
    expect(items[0]).toMatchObject({ record: { id: sampleRecords["alarm-scale"].id, cluster: "prod" } });
    expect(items[2]).toMatchObject({ reason: expect.stringContaining("time") });
  });

  it("ignores what is not for the notifier", () => {
    expect(
      readInbox({ source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", detail: {} }),
    ).toEqual([
      { kind: "ignored", reason: "not for the notifier: aws.ec2 / EC2 Spot Instance Interruption Warning" },
    ]);
  });
});
