// `homeostat dev`'s options in the one grammar (kept apart from parse.test.ts, which covers the verbs).
import { describe, expect, it } from "vitest";
import { UsageError } from "./errors.ts";
import { DEV_DEFAULT_PORT, parseCommandLine, parseCommandText } from "./parse.ts";

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("homeostat dev on the command line", () => {
  it("reads its options and the global ones, with defaults", () => {
    expect(parseCommandLine(["dev"])).toMatchObject({
      kind: "command",
      command: { verb: "dev", port: DEV_DEFAULT_PORT, rolloutIntervalMs: 60_000 },
      globals: { dryRun: false, connection: { kind: "kubeconfig" } },
    });
    expect(
      parseCommandLine([
        "dev",
        "--config",
        "demo.config.ts",
        "--port",
        "0",
        "--rollout-interval",
        "1m30s",
        "--dry-run",
        "--kubeconfig",
        "/k",
        "--context",
        "kind",
      ]),
    ).toMatchObject({
      command: { verb: "dev", configFile: "demo.config.ts", port: 0, rolloutIntervalMs: 90_000 },
      globals: { dryRun: true, connection: { kind: "kubeconfig", path: "/k", context: "kind" } },
    });
    expect(parseCommandLine(["dev", "--help"])).toMatchObject({ kind: "help", topic: "dev" });
  });

  it.each([
    [["dev", "--port", "70000"], "--port needs a port 0-65535"],
    [["dev", "--port", "http"], "--port needs a whole number"],
    [["dev", "--rollout-interval", "often"], "--rollout-interval needs a duration like 90s"],
    [["dev", "--rollout-interval", "500ms"], "--rollout-interval must be at least 1s"],
    [["dev", "--event", "spot.json"], "dev does not take --event"],
    [["dev", "now"], "unexpected 'now'"],
  ])("rejects %j, naming the option and the fix", (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toContain(message);
    expect(error.topic).toBe("dev");
  });

  it("is not a Slack command", () => {
    expect(() => parseCommandText("dev")).toThrow(/works only in the homeostat CLI/);
  });
});
