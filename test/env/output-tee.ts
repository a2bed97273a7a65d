/**
 * A setup file of both test projects: copies into `.homeostat/test-logs/` (test/env/secret-scan.ts)
 * every write to this worker's stdout and stderr (the handlers' Powertools loggers, anything printed)
 * and the output of every program a test runs with execFile (the homeostat CLI, kubectl), which tests
 * keep in variables rather than print — so the secret scan at the end of the run sees all of it.
 */
import childProcess, { type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { threadId } from "node:worker_threads";
import { testLogDir } from "./secret-scan.ts";

const dir = testLogDir(fileURLToPath(new URL("../..", import.meta.url)));
mkdirSync(dir, { recursive: true });
const file = `${dir}/worker-${process.pid}-${threadId}.log`;

function tee(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    append(chunk);
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

function append(chunk: unknown): void {
  try {
    appendFileSync(file, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array));
  } catch {
    // a log copy that cannot be written must not fail the test that printed
  }
}

tee(process.stdout);
tee(process.stderr);

// execFile reads its child's output itself (the streams already flow), so listening as well loses the
// caller nothing; spawn is left alone, since a listener would start a stream its caller may read later.
function teeChild(child: ChildProcess | undefined): void {
  child?.stdout?.on("data", append);
  child?.stderr?.on("data", append);
}
type ExecFile = typeof childProcess.execFile & {
  [promisify.custom]: (...args: unknown[]) => Promise<unknown>;
};
const execFile = childProcess.execFile as ExecFile;
const execFileAsync = execFile[promisify.custom];
const teeing = function (this: unknown, ...args: unknown[]) {
  const child = (execFile as (...a: unknown[]) => ChildProcess).apply(this, args);
  teeChild(child);
  return child;
} as unknown as ExecFile;
Object.defineProperty(teeing, promisify.custom, {
  value: (...args: unknown[]) => {
    const promise = execFileAsync(...args) as Promise<unknown> & { child?: ChildProcess };
    teeChild(promise.child);
    return promise;
  },
});
childProcess.execFile = teeing;
syncBuiltinESMExports();
