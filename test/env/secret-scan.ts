/**
 * No secret in any log: what the scanner looks for, and where the suite's output is collected.
 *
 * The suite's output is gathered in `.homeostat/test-logs/` (gitignored): test/env/output-tee.ts copies
 * every worker's stdout and stderr writes there (Powertools Logger's JSON lines, anything printed), the
 * reporter test/env/secret-scan-reporter.ts adds every console line vitest collects, and the test
 * environment's process logs are read where they are (`.testenv/logs/`). At the end of every run the
 * reporter scans all of it and fails the run on a finding.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface SecretFinding {
  /** What was found: `EKS token`, `Slack token`, … */
  kind: string;
  /** Where: a file and line. */
  where: string;
  /** The line, with the secret masked, so the report itself leaks nothing. */
  line: string;
}

const PATTERNS: { kind: string; pattern: RegExp }[] = [
  // a presigned STS GetCallerIdentity URL, base64url: a bearer credential for the cluster for 15 minutes
  { kind: "EKS token", pattern: /k8s-aws-v1\.[A-Za-z0-9_-]{16,}/g },
  { kind: "Slack token", pattern: /xox[abp]-[A-Za-z0-9-]{6,}/g },
  { kind: "Slack signing secret", pattern: /signing[_-]?secret["'\s:=]+[0-9a-f]{32}\b/gi },
  {
    kind: "AWS secret access key",
    pattern:
      /(?:aws_?secret_?access_?key|secret_?access_?key|SecretAccessKey)["'\s:=]+[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
  },
];

function mask(line: string, secret: string): string {
  return line.replace(secret, `${secret.slice(0, 12)}…(${secret.length} chars)`);
}

/**
 * `homeostat eks token` prints an ExecCredential for kubectl (client-go's exec plugin protocol): the
 * token is that command's output, read by kubectl, never a log line, so it is not a finding.
 */
function isExecCredential(line: string): boolean {
  if (!line.startsWith("{") || !line.includes('"ExecCredential"')) return false;
  try {
    return (JSON.parse(line) as { kind?: unknown }).kind === "ExecCredential";
  } catch {
    return false;
  }
}

/**
 * Every secret in `text`: the patterns above, and `known` values (the test environment's own tokens and
 * keys) wherever they appear. `source` names the text in the findings.
 *
 * @example
 * findSecrets('{"token":"xoxb-1234-abcd"}', "handler.log") // [{ kind: "Slack token", where: "handler.log:1", … }]
 */
export function findSecrets(text: string, source: string, known: readonly string[] = []): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    const where = `${source}:${index + 1}`;
    if (isExecCredential(line)) return;
    for (const { kind, pattern } of PATTERNS) {
      for (const match of line.matchAll(pattern))
        findings.push({ kind, where, line: mask(line, match[0]).slice(0, 300) });
    }
    for (const secret of known) {
      if (line.includes(secret) && !findings.some((f) => f.where === where)) {
        findings.push({
          kind: "a secret of the test environment",
          where,
          line: mask(line, secret).slice(0, 300),
        });
      }
    }
  });
  return findings;
}

/** Where the suite's output is collected, under the repository root. */
export function testLogDir(root: string): string {
  return join(root, ".homeostat", "test-logs");
}

/**
 * The test environment's secrets that are worth looking for: every string value of `.testenv/env.json`
 * whose key says token, secret or password, and that is long enough not to match by chance.
 */
export function knownSecrets(root: string): string[] {
  const file = join(root, ".testenv", "env.json");
  if (!existsSync(file)) return [];
  const env = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  return Object.entries(env)
    .filter(
      ([key, value]) => /token|secret|password/i.test(key) && typeof value === "string" && value.length >= 12,
    )
    .map(([, value]) => value as string);
}

/** Every line the suite produced (the collected output and the test environment's logs), scanned. */
export function scanSuiteOutput(root: string): { files: number; bytes: number; findings: SecretFinding[] } {
  const known = knownSecrets(root);
  const dirs = [testLogDir(root), join(root, ".testenv", "logs")];
  let files = 0;
  let bytes = 0;
  const findings: SecretFinding[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), "utf8");
      files++;
      bytes += text.length;
      findings.push(...findSecrets(text, join(dir, name), known));
    }
  }
  return { files, bytes, findings };
}
