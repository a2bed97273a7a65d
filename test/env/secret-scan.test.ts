import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findSecrets, scanSuiteOutput, testLogDir } from "./secret-scan.ts";

// Planted secrets, built at run time so that this file's own source is no finding of a scan of sources.
const eksToken = `k8s-aws-v1.${"aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20v".repeat(2)}`;
const slackToken = ["xoxb", "123456789012", "abcdefABCDEF"].join("-");
const awsSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

describe("the secret scan", () => {
  it.each([
    ["EKS token", `{"level":"INFO","message":"connected","token":"${eksToken}"}`],
    ["Slack token", `Authorization: Bearer ${slackToken}`],
    ["Slack signing secret", "signing_secret=8f742231b10e8888abcd99yyyzzz85a5".replace("yyyzzz", "0a1b2c")],
    ["AWS secret access key", `{"SecretAccessKey":"${awsSecret}"}`],
    ["AWS secret access key", `aws_secret_access_key = ${awsSecret}`],
  ])("finds a planted %s", (kind, line) => {
    const findings = findSecrets(`first line\n${line}\nlast line`, "planted.log");
    expect(findings).toEqual([expect.objectContaining({ kind, where: "planted.log:2" })]);
    // the report masks what it found
    expect(findings[0]?.line).not.toContain(line.slice(-20));
  });

  it("leaves homeostat eks token's ExecCredential alone (its output for kubectl), not a log line with a token", () => {
    const credential = JSON.stringify({ kind: "ExecCredential", status: { token: eksToken } });
    expect(findSecrets(credential, "cli.out")).toEqual([]);
    expect(findSecrets(`credential: ${credential}`, "cli.out")).toHaveLength(1);
  });

  it("finds the test environment's own secrets wherever they are", () => {
    expect(
      findSecrets("token is homeostat-secret-value!", "x.log", ["homeostat-secret-value!"]),
    ).toHaveLength(1);
  });

  it("lets ordinary lines through: ids, hashes, the dummy credentials, the token prefix alone", () => {
    const ordinary = [
      "commit 3c35aff0e2b1d4c9a8f7e6d5c4b3a2f1e0d9c8b7",
      '{"accessKeyId":"testing","secretAccessKey":"testing"}',
      "a token is k8s-aws-v1. and a base64url presigned URL",
      "xoxb- tokens are refused",
      "i-0123456789abcdef0 arn:aws:iam::123456789012:role/homeostat-automation",
    ].join("\n");
    expect(findSecrets(ordinary, "ordinary.log")).toEqual([]);
  });

  it("scans the collected output and the test environment's logs under a root (and can fail)", () => {
    const root = mkdtempSync(join(tmpdir(), "secret-scan-"));
    mkdirSync(testLogDir(root), { recursive: true });
    mkdirSync(join(root, ".testenv", "logs"), { recursive: true });
    writeFileSync(join(testLogDir(root), "worker-1.log"), "all good\n");
    writeFileSync(join(root, ".testenv", "logs", "token-webhook.log"), `verified ${eksToken}\n`);
    writeFileSync(
      join(root, ".testenv", "env.json"),
      JSON.stringify({ slackToken: "xoxq-not-a-pattern-but-known" }),
    );
    writeFileSync(join(testLogDir(root), "console.log"), "posting with xoxq-not-a-pattern-but-known\n");
    const { files, findings } = scanSuiteOutput(root);
    expect(files).toBe(3);
    expect(findings.map((finding) => finding.kind).sort()).toEqual([
      "EKS token",
      "a secret of the test environment",
    ]);
  });
});
