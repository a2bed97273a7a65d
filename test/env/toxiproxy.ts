/**
 * TCP faults for tests: Shopify's toxiproxy (built from the Go module proxy into the binary cache,
 * scripts/build-controlplane.sh toxiproxy), started on loopback by the test that needs it, with a TCP
 * proxy in front of the API server (or of the HTTP fault proxy) and toxics added and removed through
 * its HTTP API.
 *
 * TLS passes through toxiproxy untouched (it only moves bytes), so every identity works, client
 * certificates included, and the API server's certificate (SAN 127.0.0.1) stays valid.
 *
 * @example
 *   const toxi = await startToxiproxy();
 *   const api = await toxi.createProxy("apiserver", env.server);
 *   const kube = tokenKubeConfig(api.through(env), token);      // or api.url as the server
 *   const id = await api.addToxic({ type: "latency", attributes: { latency: 300, jitter: 50 } });
 *   ...
 *   await api.removeToxic(id);
 *   await toxi.close();
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureToxiproxy } from "./binaries.ts";
import {
  freePort,
  isRunning,
  type ProcessRecord,
  spawnDetached,
  stopProcesses,
  waitUntil,
} from "./processes.ts";

/** The toxics toxiproxy 2.x has, with their attributes (durations in milliseconds unless noted). */
export type ToxicSpec =
  /** every chunk of data waits `latency` ± `jitter` ms */
  | { readonly type: "latency"; readonly attributes: { readonly latency: number; readonly jitter?: number } }
  /** no data passes; the connection is closed after `timeout` ms (0: held open until the toxic goes) */
  | { readonly type: "timeout"; readonly attributes: { readonly timeout: number } }
  /** a TCP reset (RST) after `timeout` ms (0: at once) */
  | { readonly type: "reset_peer"; readonly attributes: { readonly timeout: number } }
  /** data cut in pieces of `average_size` ± `size_variation` bytes, `delay` microseconds apart */
  | {
      readonly type: "slicer";
      readonly attributes: {
        readonly average_size: number;
        readonly size_variation?: number;
        readonly delay?: number;
      };
    }
  /** the connection is closed once `bytes` have passed: a cut response */
  | { readonly type: "limit_data"; readonly attributes: { readonly bytes: number } }
  /** at most `rate` KB/s */
  | { readonly type: "bandwidth"; readonly attributes: { readonly rate: number } }
  /** the close is delayed by `delay` ms */
  | { readonly type: "slow_close"; readonly attributes: { readonly delay: number } };

export type Toxic = ToxicSpec & {
  /** default `<type>_<stream>` as toxiproxy names it; give one to add two toxics of a type */
  readonly name?: string;
  /** `downstream` (server → client, the default) or `upstream` (client → server) */
  readonly stream?: "downstream" | "upstream";
  /** the share of connections (not requests) that get the toxic, 0..1 (default 1) */
  readonly toxicity?: number;
};

export interface ToxiproxyProxy {
  readonly name: string;
  /** 127.0.0.1:<port> toxiproxy listens on */
  readonly listen: string;
  /** https://<listen>: the server URL for clients */
  readonly url: string;
  /** `env` with its `server` pointed at this proxy */
  through<T extends { readonly server: string }>(env: T): T;
  /** Adds a toxic; returns its name (for removeToxic). Existing connections get it too. */
  addToxic(toxic: Toxic): Promise<string>;
  removeToxic(name: string): Promise<void>;
  /** Removes every toxic of this proxy. */
  clearToxics(): Promise<void>;
  /** Disabled: connections are refused and open ones closed (the API server "goes away"). */
  setEnabled(enabled: boolean): Promise<void>;
}

export interface Toxiproxy {
  /** http://127.0.0.1:<port>, toxiproxy's control API */
  readonly apiUrl: string;
  readonly seed: number;
  readonly process: ProcessRecord;
  /** A TCP proxy on a free loopback port to `upstream` (`https://127.0.0.1:<port>` or `127.0.0.1:<port>`). */
  createProxy(name: string, upstream: string): Promise<ToxiproxyProxy>;
  /** Stops the server (by pid) and deletes its log. */
  close(): Promise<void>;
}

export class ToxiproxyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToxiproxyError";
  }
}

function hostPort(upstream: string): string {
  if (!upstream.includes("://")) return upstream;
  const url = new URL(upstream);
  return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

/** Starts toxiproxy-server on 127.0.0.1 (building it first when the cache lacks it). */
export async function startToxiproxy(
  options: { seed?: number; log?: (line: string) => void } = {},
): Promise<Toxiproxy> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[toxiproxy] ${line}\n`));
  const binary = await ensureToxiproxy(log);
  const port = await freePort();
  const seed = options.seed ?? 1;
  const dir = mkdtempSync(join(tmpdir(), "homeostat-toxiproxy-"));
  const record = spawnDetached({
    name: "toxiproxy",
    command: binary,
    args: ["-host", "127.0.0.1", "-port", String(port), "-seed", String(seed)],
    logPath: join(dir, "toxiproxy.log"),
  });
  // a test run that dies leaves no toxiproxy behind (this pid only)
  const killOnExit = (): void => {
    if (isRunning(record)) process.kill(record.pid, "SIGKILL");
  };
  process.once("exit", killOnExit);
  const apiUrl = `http://127.0.0.1:${port}`;

  async function api(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) throw new ToxiproxyError(`toxiproxy ${method} ${path}: ${res.status} ${text}`);
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  }

  await waitUntil(
    async () => {
      const res = await fetch(`${apiUrl}/version`, { signal: AbortSignal.timeout(1000) });
      return res.ok ? true : undefined;
    },
    {
      record,
      timeoutMs: 15_000,
      what: "answering on its control API",
      fix: `check ${binary} runs (${binary} -version)`,
    },
  );

  return {
    apiUrl,
    seed,
    process: record,
    async createProxy(name, upstream) {
      const created = (await api("POST", "/proxies", {
        name,
        listen: "127.0.0.1:0",
        upstream: hostPort(upstream),
        enabled: true,
      })) as { listen: string };
      const listen = created.listen;
      const url = `https://${listen}`;
      const path = `/proxies/${encodeURIComponent(name)}`;
      return {
        name,
        listen,
        url,
        through: (env) => ({ ...env, server: url }),
        async addToxic(toxic) {
          const added = (await api("POST", `${path}/toxics`, {
            ...(toxic.name ? { name: toxic.name } : {}),
            type: toxic.type,
            stream: toxic.stream ?? "downstream",
            toxicity: toxic.toxicity ?? 1,
            attributes: toxic.attributes,
          })) as { name: string };
          return added.name;
        },
        async removeToxic(toxicName) {
          await api("DELETE", `${path}/toxics/${encodeURIComponent(toxicName)}`);
        },
        async clearToxics() {
          const toxics = (await api("GET", `${path}/toxics`)) as { name: string }[];
          for (const toxic of toxics) await api("DELETE", `${path}/toxics/${encodeURIComponent(toxic.name)}`);
        },
        async setEnabled(enabled) {
          await api("POST", path, { enabled });
        },
      };
    },
    async close() {
      process.removeListener("exit", killOnExit);
      await stopProcesses([record], 2000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
