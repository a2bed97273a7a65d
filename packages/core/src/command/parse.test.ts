import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatScaleChange } from "../domain/scale-change.ts";
import { UsageError } from "./errors.ts";
import { parseCommandLine, parseCommandText } from "./parse.ts";

function command(argv: string[]) {
  const parsed = parseCommandLine(argv);
  if (parsed.kind !== "command") throw new Error(`expected a command, got help for ${parsed.topic}`);
  return parsed;
}

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return error as UsageError;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parseCommandLine", () => {
  it("reads scale with every form of change, including negative ones", () => {
    expect(command(["scale", "shop/checkout", "+2", "--max", "20"]).command).toEqual({
      verb: "scale",
      target: { kind: "Deployment", namespace: "shop", name: "checkout" },
      change: { kind: "relative", delta: 2 },
      max: 20,
    });
    expect(command(["scale", "shop/checkout", "-2"]).command).toMatchObject({
      change: { kind: "relative", delta: -2 },
    });
    expect(command(["--dry-run", "scale", "shop/statefulset/db", "x1.5", "--min", "1"])).toMatchObject({
      command: { target: { kind: "StatefulSet", name: "db" }, change: { kind: "factor" }, min: 1 },
      globals: { dryRun: true },
    });
  });

  it("reads the other verbs", () => {
    expect(command(["rollback", "shop/web", "--to-revision", "3"]).command).toMatchObject({ toRevision: 3 });
    expect(command(["restart", "shop/web"]).command.verb).toBe("restart");
    expect(command(["cordon", "i-0123456789abcdef0"]).command).toEqual({
      verb: "cordon",
      node: "i-0123456789abcdef0",
    });
    expect(command(["history", "shop/web", "-o", "json"]).globals.output).toBe("json");
    expect(command(["status", "ip-10-0-0-1.ec2.internal"]).command).toEqual({
      verb: "status",
      target: { kind: "Node", name: "ip-10-0-0-1.ec2.internal" },
    });
    expect(command(["status", "i-0123456789abcdef0"]).command).toMatchObject({
      target: { instanceId: "i-0123456789abcdef0" },
    });
    expect(command(["eks", "token", "--cluster", "prod", "--region", "eu-west-1"]).command).toEqual({
      verb: "eks-token",
      clusterName: "prod",
      region: "eu-west-1",
    });
  });

  it("reads drain's options with kubectl's defaults", () => {
    expect(command(["drain", "node-1"]).command).toEqual({
      verb: "drain",
      node: "node-1",
      deleteEmptyDirData: false,
      force: false,
      ignoreDaemonSets: true,
    });
    expect(
      command([
        "drain",
        "node-1",
        "--timeout",
        "1h30m",
        "--grace-period",
        "10",
        "--delete-emptydir-data",
        "--force",
        "--skip-wait-for-delete-timeout",
        "60",
        "--no-ignore-daemonsets",
      ]).command,
    ).toEqual({
      verb: "drain",
      node: "node-1",
      timeoutMs: 5_400_000,
      gracePeriodSeconds: 10,
      deleteEmptyDirData: true,
      force: true,
      ignoreDaemonSets: false,
      skipWaitForDeleteTimeoutSeconds: 60,
    });
  });

  it("reads the connection", () => {
    expect(command(["status", "a/b", "--kubeconfig", "/k", "--context", "c"]).globals.connection).toEqual({
      kind: "kubeconfig",
      path: "/k",
      context: "c",
    });
    expect(
      command(["status", "a/b", "--cluster", "prod", "--region", "us-east-1"]).globals.connection,
    ).toEqual({
      kind: "eks",
      clusterName: "prod",
      region: "us-east-1",
    });
  });

  it("answers --help for every command and at the top", () => {
    expect(parseCommandLine(["--help"])).toMatchObject({ kind: "help" });
    for (const verb of ["scale", "restart", "rollback", "cordon", "uncordon", "drain", "status", "history"]) {
      expect(parseCommandLine([verb, "--help"])).toMatchObject({ kind: "help", topic: verb });
    }
    expect(parseCommandLine(["eks", "token", "-h"])).toMatchObject({ kind: "help", topic: "eks-token" });
    expect(parseCommandLine(["help", "drain"])).toMatchObject({ kind: "help", topic: "drain" });
  });

  it.each([
    [["scale", "shop/checkout", "abc"], "scale needs a replica change like 5, +2, -1 or x1.5; got 'abc'"],
    [["scale", "shop/checkout"], "scale needs a replica change"],
    [["scale", "checkout", "3"], "scale needs a workload as <namespace>/<deployment>"],
    [["scale", "Shop/checkout", "3"], "'Shop' is not a namespace name"],
    [["scale", "shop/checkout", "3", "--min", "5", "--max", "2"], "--min 5 is above --max 2"],
    [["scale", "shop/checkout", "3", "--min", "-1"], "--min needs a whole number ≥ 0; got '-1'"],
    [["scale", "shop/checkout", "3", "4"], "unexpected '4'"],
    // the change is the word written first, negative or not (found by the fuzz test)
    [["scale", "shop/checkout", "-1", "+0"], "unexpected '+0'"],
    [["scale", "shop/checkout", "+1", "-2"], "unexpected '-2'"],
    [["scale", "shop/checkout", "+1", "--force"], "scale does not take --force"],
    [["rollback", "shop/web", "--to-revision", "two"], "--to-revision needs a whole number ≥ 0; got 'two'"],
    [["rollback", "shop/web", "--to-revision", "-1"], "--to-revision needs a whole number ≥ 0; got '-1'"],
    [["drain", "node-1", "--timeout", "5 minutes"], "--timeout needs a duration like 90s, 5m or 1h30m"],
    [["cordon", "i-12"], "looks like an EC2 instance id but is not one"],
    [["cordon"], "cordon needs a node name or an EC2 instance id"],
    [["frob"], "unknown command 'frob'"],
    [["toString"], "unknown command 'toString'"],
    [["__proto__", "x"], "unknown command '__proto__'"],
    [[], "no command given"],
    [["status", "a/b", "--cluster", "x", "--kubeconfig", "/k"], "not both"],
    [["status", "a/b", "--output", "yaml"], "--output must be text or json; got 'yaml'"],
    [["status", "a/b", "--bogus"], "Unknown option '--bogus'"],
    [["eks", "token"], "eks token needs --cluster NAME"],
    [["eks", "login"], "unknown eks command 'login'"],
  ])("rejects %j", (argv, message) => {
    expect(usageError(argv).message).toContain(message);
  });

  it("reads what a person writes in Slack the same way", () => {
    expect(parseCommandText("  scale   shop/checkout  -1 ")).toEqual(
      parseCommandLine(["scale", "shop/checkout", "-1"]),
    );
    expect(parseCommandText("homeostat rollback shop/web")).toEqual(
      parseCommandLine(["rollback", "shop/web"]),
    );
  });

  it("round-trips any scale change through the command line", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 1_000_000 }).map(String),
          fc.integer({ min: -1000, max: 1000 }).map((n) => (n < 0 ? String(n) : `+${n}`)),
          fc
            .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 99 }))
            .map(([a, b]) => `x${a}.${b}`),
        ),
        (text) => {
          const parsed = command(["scale", "ns/app", text]).command;
          if (parsed.verb !== "scale") throw new Error("not scale");
          expect(command(["scale", "ns/app", formatScaleChange(parsed.change)]).command).toEqual(parsed);
        },
      ),
    );
  });

  it("fails only with usage errors on arbitrary argv", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string(), fc.constantFrom("scale", "drain", "--max", "-1", "--timeout", "ns/a", "x2")),
        ),
        (argv) => {
          try {
            parseCommandLine(argv);
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
          }
        },
      ),
    );
  });
});
