import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBody, SlackStandin } from "./slack-standin.ts";

const TOKEN = "xoxb-test";
const auth = { authorization: `Bearer ${TOKEN}` };

function post(
  standin: SlackStandin,
  method: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = auth,
) {
  return standin.webApi(method, headers, body).body as Record<string, unknown>;
}

describe("SlackStandin Web API", () => {
  it("checks the bearer token (or a token form field) like Slack", () => {
    const standin = new SlackStandin(TOKEN);
    expect(post(standin, "chat.postMessage", { channel: "C1X", text: "hi" }, {})).toEqual({
      ok: false,
      error: "not_authed",
    });
    expect(
      post(
        standin,
        "chat.postMessage",
        { channel: "C1X", text: "hi" },
        { authorization: "Bearer xoxb-wrong" },
      ),
    ).toEqual({
      ok: false,
      error: "invalid_auth",
    });
    expect(post(standin, "chat.postMessage", { channel: "C1X", text: "hi", token: TOKEN }, {}).ok).toBe(true);
  });

  it("posts with increasing ts and answers channel, ts and message", () => {
    const standin = new SlackStandin(TOKEN);
    const first = post(standin, "chat.postMessage", { channel: "C0123ABC", text: "one" });
    const second = post(standin, "chat.postMessage", { channel: "C0123ABC", blocks: [{ type: "divider" }] });
    expect(first).toMatchObject({ ok: true, channel: "C0123ABC", message: { text: "one", type: "message" } });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
  });

  it("answers channel_not_found, no_text and invalid_blocks where Slack does", () => {
    const standin = new SlackStandin(TOKEN);
    expect(post(standin, "chat.postMessage", { text: "x" }).error).toBe("channel_not_found");
    expect(post(standin, "chat.postMessage", { channel: "CMISSING1", text: "x" }).error).toBe(
      "channel_not_found",
    );
    expect(post(standin, "chat.postMessage", { channel: "#missing-room", text: "x" }).error).toBe(
      "channel_not_found",
    );
    expect(post(standin, "chat.postMessage", { channel: "C1X" }).error).toBe("no_text");
    expect(post(standin, "chat.postMessage", { channel: "C1X", text: "" }).error).toBe("no_text");
    const tooMany = Array.from({ length: 51 }, () => ({ type: "divider" }));
    expect(post(standin, "chat.postMessage", { channel: "C1X", blocks: tooMany }).error).toBe(
      "invalid_blocks",
    );
    expect(post(standin, "chat.nonsense", {}).error).toBe("unknown_method");
  });

  it("resolves channel names to a stable channel id", () => {
    const standin = new SlackStandin(TOKEN);
    const a = post(standin, "chat.postMessage", { channel: "#ops", text: "x" }).channel;
    const b = post(standin, "chat.postMessage", { channel: "ops", text: "y" }).channel;
    expect(a).toMatch(/^C[A-Z0-9]+$/);
    expect(b).toBe(a);
  });

  it("updates a posted message and refuses unknown or ephemeral ones", () => {
    const standin = new SlackStandin(TOKEN);
    const posted = post(standin, "chat.postMessage", { channel: "C1X", text: "before" });
    const updated = post(standin, "chat.update", { channel: "C1X", ts: posted.ts, text: "after" });
    expect(updated).toMatchObject({
      ok: true,
      channel: "C1X",
      ts: posted.ts,
      text: "after",
      message: { text: "after" },
    });
    expect(post(standin, "chat.update", { channel: "C1X", ts: "1.000001", text: "x" }).error).toBe(
      "message_not_found",
    );
    const ephemeral = post(standin, "chat.postEphemeral", { channel: "C1X", user: "U1", text: "psst" });
    expect(post(standin, "chat.update", { channel: "C1X", ts: ephemeral.message_ts, text: "x" }).error).toBe(
      "cant_update_message",
    );
  });
});

describe("SlackStandin response URLs", () => {
  it("allows 5 uses within 30 minutes", () => {
    const standin = new SlackStandin(TOKEN);
    const t0 = 1_700_000_000_000;
    for (let use = 1; use <= 5; use++) {
      expect(standin.responseUrl("R1", { text: `use ${use}` }, t0 + use).status).toBe(200);
    }
    expect(standin.responseUrl("R1", { text: "sixth" }, t0 + 6)).toEqual({
      status: 404,
      body: { ok: false, error: "used_url" },
    });
    standin.responseUrl("R2", { text: "first" }, t0);
    expect(standin.responseUrl("R2", { text: "late" }, t0 + 30 * 60 * 1000 + 1).body).toEqual({
      ok: false,
      error: "expired_url",
    });
  });
});

describe("parseBody", () => {
  it("decodes form bodies with JSON fields, and JSON bodies", () => {
    expect(
      parseBody(
        "channel=C1&text=a+b&blocks=%5B%7B%22type%22%3A%22divider%22%7D%5D",
        "application/x-www-form-urlencoded",
      ),
    ).toEqual({ channel: "C1", text: "a b", blocks: [{ type: "divider" }] });
    expect(parseBody('{"channel":"C1"}', "application/json; charset=utf-8")).toEqual({ channel: "C1" });
    expect(parseBody("[1]", "application/json")).toBeUndefined();
    expect(parseBody("{", "application/json")).toBeUndefined();
    expect(parseBody("blocks=not-json", "application/x-www-form-urlencoded")).toBeUndefined();
  });

  it("round-trips any form of string fields", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc
            .string({ minLength: 1 })
            .filter((k) => k !== "blocks" && k !== "attachments" && k !== "metadata" && k !== "__proto__"),
          fc.string(),
        ),
        (fields) => {
          const raw = new URLSearchParams(fields).toString();
          expect(parseBody(raw, "application/x-www-form-urlencoded")).toEqual(raw === "" ? {} : fields);
        },
      ),
    );
  });
});

describe("SlackStandin directory (users.info, usergroups.users.list)", () => {
  it("answers the users and groups tests set, and Slack's errors for the others", () => {
    const standin = new SlackStandin(TOKEN);
    standin.directory.set({
      users: [{ id: "U0ALICE", name: "alice" }],
      usergroups: [{ id: "S0SRE", users: ["U0ALICE", "U0BOB"] }],
    });
    expect(post(standin, "users.info", { user: "U0ALICE" })).toMatchObject({
      ok: true,
      user: { id: "U0ALICE", name: "alice" },
    });
    expect(post(standin, "users.info", { user: "U0NOBODY" })).toEqual({ ok: false, error: "user_not_found" });
    expect(post(standin, "usergroups.users.list", { usergroup: "S0SRE" })).toEqual({
      ok: true,
      users: ["U0ALICE", "U0BOB"],
    });
    expect(post(standin, "usergroups.users.list", { usergroup: "S0NONE" })).toEqual({
      ok: false,
      error: "no_such_subteam",
    });
    standin.directory.clear();
    expect(post(standin, "users.info", { user: "U0ALICE" }).ok).toBe(false);
  });
});
