import { describe, expect, it } from "vitest";
import { parseConfig } from "../../config/index.ts";
import { answerSlackRequest } from "./ack.ts";
import type { SlackJob } from "./dispatch.ts";
import { handleSlackEvent, type SlackEndpointDeps } from "./endpoint.ts";
import { readSlackText } from "./reading.ts";
import { rawRequestOf, readInteraction } from "./request.ts";
import { signature, signed, slashCommandBody } from "./test-helpers.ts";
import { verifySlackSignature } from "./verify.ts";

const SECRET = "unit-secret";
const config = parseConfig({
  clusters: { prod: { kubeconfig: {} }, staging: { kubeconfig: {} } },
  defaultCluster: "prod",
});

function deps(jobs: SlackJob[]): SlackEndpointDeps {
  return {
    config,
    signingSecret: SECRET,
    dispatch: async (job) => {
      jobs.push(job);
    },
    run: async () => {
      throw new Error("the ack builds nothing of the run");
    },
  };
}

describe("verifySlackSignature", () => {
  const body = slashCommandBody({ text: "status shop/web" });
  const now = 1_800_000_000;
  const headers = (timestamp: number, secret = SECRET) => ({
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": signature(body, secret, timestamp),
  });
  const verify = (h: Record<string, string>, b = body) =>
    verifySlackSignature({ body: b, headers: h, signingSecret: SECRET, nowMs: now * 1000 });

  it("accepts Slack's signature within ±300 s", () => {
    expect(verify(headers(now))).toEqual({ ok: true });
    expect(verify(headers(now - 300))).toEqual({ ok: true });
    expect(verify(headers(now + 300))).toEqual({ ok: true });
  });

  it("refuses stale and future timestamps, other secrets, changed bodies and missing or odd headers", () => {
    expect(verify(headers(now - 301))).toMatchObject({ ok: false, reason: expect.stringContaining("301 s") });
    expect(verify(headers(now + 301)).ok).toBe(false);
    expect(verify(headers(now, "other")).ok).toBe(false);
    expect(verify(headers(now), `${body}x`).ok).toBe(false);
    expect(verify({ "x-slack-request-timestamp": String(now) })).toMatchObject({
      ok: false,
      reason: expect.stringContaining("missing"),
    });
    expect(verify({ ...headers(now), "x-slack-request-timestamp": "12e3" }).ok).toBe(false);
    expect(
      verify({
        ...headers(now),
        "x-slack-signature": headers(now)["x-slack-signature"].replace("v0=", "v1="),
      }).ok,
    ).toBe(false);
  });
});

describe("reading a request", () => {
  it("decodes a base64 body before anything reads it", () => {
    const event = signed({ text: "help" }, SECRET, { base64: true });
    expect(rawRequestOf(event).body).toBe(slashCommandBody({ text: "help" }));
  });

  it("reads slash commands and block_actions payloads, and says what is not one", () => {
    expect(readInteraction(slashCommandBody({ text: "status shop/web" }))).toMatchObject({
      kind: "command",
      command: { text: "status shop/web", user_id: "U0ALICE" },
    });
    const payload = {
      type: "block_actions",
      user: { id: "U1" },
      actions: [{ action_id: "homeostat.undo", value: "abc" }],
    };
    expect(readInteraction(new URLSearchParams({ payload: JSON.stringify(payload) }).toString()).kind).toBe(
      "block-actions",
    );
    expect(readInteraction("payload=%7Bnot-json")).toEqual({
      kind: "unreadable",
      reason: "the payload field is not JSON",
    });
    expect(readInteraction("text=hi").kind).toBe("unreadable");
  });
});

describe("readSlackText", () => {
  it("reads a command for the default cluster, or the --cluster it names", () => {
    expect(readSlackText("scale shop/web +2", config)).toMatchObject({
      kind: "command",
      cluster: "prod",
      mutating: true,
      dryRun: false,
    });
    expect(readSlackText("status shop/web --cluster staging --dry-run", config)).toMatchObject({
      kind: "command",
      cluster: "staging",
      mutating: false,
      dryRun: true,
    });
  });

  it("answers help, and refuses what Slack does not take with the fix", () => {
    expect(readSlackText("", config)).toMatchObject({
      kind: "help",
      text: expect.stringContaining("\n  scale <namespace>/<deployment>"),
    });
    expect(readSlackText("help drain", config)).toMatchObject({
      kind: "help",
      text: expect.stringMatching(/^usage: \/homeostat drain/),
    });
    expect(readSlackText("eks token --cluster x", config)).toMatchObject({
      kind: "refused",
      text: expect.stringContaining("works only in the homeostat CLI"),
    });
    expect(readSlackText("status shop/web --region eu-west-1 --cluster prod", config)).toMatchObject({
      kind: "refused",
      text: expect.stringContaining("--region is for the CLI"),
    });
    expect(readSlackText("status shop/web -o json", config)).toMatchObject({
      kind: "refused",
      text: expect.stringContaining("--output is for the CLI"),
    });
    expect(readSlackText("scale shop/web", config)).toMatchObject({
      kind: "refused",
      text: expect.stringMatching(/needs a replica change[\s\S]*usage: \/homeostat scale/),
    });
  });
});

describe("the ack", () => {
  it("answers help in the ack, hands a command over with 'Working on', and refuses unsigned requests with 401 alone", async () => {
    const jobs: SlackJob[] = [];
    const help = await answerSlackRequest(signed({ text: "help" }, SECRET), deps(jobs));
    expect(JSON.parse(help.body).text).toContain("/homeostat <command>");
    const working = await answerSlackRequest(
      signed({ text: "scale shop/web +2 --dry-run" }, SECRET),
      deps(jobs),
    );
    expect(JSON.parse(working.body)).toEqual({
      response_type: "ephemeral",
      text: expect.stringContaining("Working on `scale shop/web +2 --dry-run` (dry run) on prod"),
    });
    expect(jobs).toEqual([
      {
        homeostat: "slack-command",
        seal: expect.stringMatching(/^[0-9a-f]{64}$/),
        command: expect.objectContaining({ text: "scale shop/web +2 --dry-run" }),
      },
    ]);
    expect(await answerSlackRequest(signed({ text: "scale shop/web +2" }, "wrong"), deps(jobs))).toEqual({
      statusCode: 401,
      body: "",
    });
    expect(jobs).toHaveLength(1);
  });

  it("says nothing ran when the hand-over fails", async () => {
    const failing = {
      ...deps([]),
      dispatch: async () => {
        throw new Error("throttled");
      },
    };
    const answer = await answerSlackRequest(signed({ text: "restart shop/web" }, SECRET), failing);
    expect(JSON.parse(answer.body).text).toMatch(
      /could not start `restart shop\/web`: Error: throttled\. Nothing ran\./,
    );
  });

  it("takes no event that is neither a function URL request nor its own job", async () => {
    await expect(
      handleSlackEvent({ homeostat: "slack-command", command: { text: "x" } }, deps([])),
    ).rejects.toThrow(/neither/);
    await expect(handleSlackEvent({ Records: [] }, deps([]))).rejects.toThrow(/neither/);
  });
});
