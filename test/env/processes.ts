// Detached child processes for the test environment: they outlive the command that starts them
// (so tests and a person can use the environment), log to files, and are stopped by pid only.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
  /** A fragment of the process's command line, checked before signalling so a reused pid is never killed. */
  readonly match: string;
}

/** A component failed to start or stopped answering; the message names the component, the reason and the fix. */
export class ComponentError extends Error {
  readonly component: string;
  constructor(component: string, reason: string, fix: string, logPath?: string) {
    const tail = logPath ? logTail(logPath, 25) : "";
    super(
      `test environment: ${component} ${reason}\n` +
        (tail ? `--- last lines of ${logPath} ---\n${tail}\n---\n` : "") +
        `fix: ${fix}`,
    );
    this.name = "ComponentError";
    this.component = component;
  }
}

export function logTail(path: string, lines: number): string {
  if (!existsSync(path)) return "";
  const text = readFileSync(path, "utf8").trimEnd();
  return text.split("\n").slice(-lines).join("\n");
}

export interface SpawnOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly logPath: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Defaults to the command itself. */
  readonly match?: string;
}

/** Starts a process in its own session with stdout and stderr written to a fresh log file. */
export function spawnDetached(options: SpawnOptions): ProcessRecord {
  const log = openSync(options.logPath, "w");
  try {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", log, log],
    });
    if (child.pid === undefined) {
      throw new ComponentError(
        options.name,
        `could not be started (${options.command})`,
        "check that the binary exists and is executable",
      );
    }
    child.unref();
    return {
      name: options.name,
      pid: child.pid,
      log: options.logPath,
      match: options.match ?? options.command,
    };
  } finally {
    closeSync(log);
  }
}

/** True when `pid` runs and its command line still contains `match` (pids get reused). */
export function isRunning(record: Pick<ProcessRecord, "pid" | "match">): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, "utf8").replaceAll("\0", " ");
    if (cmdline.trim() === "") return false; // a zombie
    const stat = readFileSync(`/proc/${record.pid}/stat`, "utf8");
    if (/\) Z /.test(stat)) return false;
    return cmdline.includes(record.match);
  } catch {
    // no /proc (not Linux): the pid answering signal 0 is the best evidence we have
    return true;
  }
}

/** Resident memory of a process in bytes, or 0 when unknown. */
export function residentBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Stops processes by pid: SIGTERM, then SIGKILL for whatever still runs after `graceMs`.
 * Returns the names of processes that survived even SIGKILL (should be none).
 */
export async function stopProcesses(records: readonly ProcessRecord[], graceMs = 5000): Promise<string[]> {
  const signal = (record: ProcessRecord, sig: NodeJS.Signals): void => {
    if (!isRunning(record)) return;
    try {
      // the whole process group first (the process leads it: spawned detached), then the process
      process.kill(-record.pid, sig);
    } catch {
      try {
        process.kill(record.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  // reverse start order: clients before the servers they talk to
  const ordered = [...records].reverse();
  for (const record of ordered) signal(record, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && ordered.some(isRunning)) await sleep(100);
  for (const record of ordered) signal(record, "SIGKILL");
  const killDeadline = Date.now() + 3000;
  while (Date.now() < killDeadline && ordered.some(isRunning)) await sleep(100);
  return ordered.filter(isRunning).map((r) => `${r.name} (pid ${r.pid})`);
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; a tiny race with other programs remains). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("could not read the port the kernel assigned"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

export interface WaitOptions {
  readonly record: ProcessRecord;
  readonly timeoutMs: number;
  readonly fix: string;
  readonly what: string;
}

/**
 * Polls `probe` until it returns a value, failing fast when the process exits and loudly (with its
 * log tail) when the time runs out.
 */
export async function waitUntil<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = "";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (!isRunning(options.record)) {
      throw new ComponentError(
        options.record.name,
        `exited before it was ${options.what}`,
        options.fix,
        options.record.log,
      );
    }
    if (Date.now() > deadline) {
      throw new ComponentError(
        options.record.name,
        `was not ${options.what} after ${Math.round(options.timeoutMs / 1000)}s${lastError ? ` (last probe: ${lastError})` : ""}`,
        options.fix,
        options.record.log,
      );
    }
    await sleep(150);
  }
}

/** Reads the first JSON line with `"ready": true` that a process printed to its log. */
export function readyLine(logPath: string): Record<string, unknown> | undefined {
  if (!existsSync(logPath)) return undefined;
  for (const line of readFileSync(logPath, "utf8").split("\n")) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("{")) continue;
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (typeof parsed === "object" && parsed !== null && (parsed as { ready?: unknown }).ready === true) {
        return parsed as Record<string, unknown>;
      }
    } catch {
      // not JSON: an ordinary log line
    }
  }
  return undefined;
}

/** Every live process below `pid` (its children, theirs, …), read from /proc (Linux). */
export function descendantPids(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // the command name, in parentheses, may hold spaces: the fields after it are state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we read
    }
  }
  const found: number[] = [];
  const visit = (parent: number): void => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

/** Whether `pid` is a live process (not gone, not a zombie waiting for its parent). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
