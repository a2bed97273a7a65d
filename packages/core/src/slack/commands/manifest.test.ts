import { describe, expect, it } from "vitest";
import { parseCommandLine, parseCommandText, UsageError } from "../../command/index.ts";
import { BOT_SCOPES, slackAppManifest } from "./manifest.ts";

describe("slackAppManifest", () => {
  it("points the command and interactivity at the endpoint, with the bot scopes Homeostat uses and no more", () => {
    const manifest = slackAppManifest({ url: "https://abc.lambda-url.eu-west-1.on.aws/" });
    expect(manifest).toMatchObject({
      features: {
        slash_commands: [{ command: "/homeostat", url: "https://abc.lambda-url.eu-west-1.on.aws/" }],
      },
      settings: {
        interactivity: { is_enabled: true, request_url: "https://abc.lambda-url.eu-west-1.on.aws/" },
      },
      oauth_config: { scopes: { bot: ["commands", "chat:write", "usergroups:read", "users:read"] } },
    });
    expect(Object.keys(BOT_SCOPES)).toHaveLength(4);
  });

  it("refuses what Slack cannot send to", () => {
    expect(() => slackAppManifest({ url: "http://abc.example/" })).toThrow(/only to https URLs/);
    expect(() => slackAppManifest({ url: "abc" })).toThrow(/--url must be the endpoint's URL/);
  });
});

describe("homeostat slack manifest", () => {
  it("is a CLI command with --url, refused from Slack", () => {
    expect(parseCommandLine(["slack", "manifest", "--url", "https://x.example/"])).toMatchObject({
      kind: "command",
      command: { verb: "slack-manifest", url: "https://x.example/" },
    });
    expect(() => parseCommandLine(["slack", "manifest"])).toThrow(/needs --url URL/);
    expect(parseCommandLine(["slack", "manifest", "--help"])).toMatchObject({
      kind: "help",
      topic: "slack-manifest",
    });
    expect(() => parseCommandText("slack manifest --url https://x.example/")).toThrow(UsageError);
  });
});
