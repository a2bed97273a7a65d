/**
 * The vitest reporter that fails a run whose output holds a secret (test/env/secret-scan.ts): it starts
 * the collection afresh, adds every console line tests print, and at the end scans the collected output
 * and the test environment's logs, listing each finding (masked) and setting a failing exit code.
 */
import { appendFileSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { UserConsoleLog } from "vitest";
import type { Reporter } from "vitest/node";
import { scanSuiteOutput, testLogDir } from "./secret-scan.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = testLogDir(root);

export default class SecretScanReporter implements Reporter {
  onInit(): void {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    appendFileSync(`${dir}/console.log`, `${log.content.endsWith("\n") ? log.content : `${log.content}\n`}`);
  }

  onTestRunEnd(): void {
    const { files, bytes, findings } = scanSuiteOutput(root);
    if (findings.length === 0) {
      process.stdout.write(`secret scan: no secret in ${files} log files (${bytes} bytes)\n`);
      return;
    }
    process.stderr.write(`secret scan: ${findings.length} secret(s) in the suite's output:\n`);
    for (const finding of findings.slice(0, 50)) {
      process.stderr.write(`  ${finding.kind} at ${finding.where}: ${finding.line}\n`);
    }
    process.exitCode = 1;
  }
}
