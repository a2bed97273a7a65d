/**
 * An HTTP fault-injecting reverse proxy in front of the test kube-apiserver, on 127.0.0.1: it
 * terminates TLS with a certificate the test kubeconfigs already trust, forwards each request with the
 * caller's own credentials, and injects the faults that a test sets as rules — answers without
 * forwarding (429 with Retry-After, 500, 503, 504, a reset), lost acknowledgements (the request lands
 * on the API server, then the answer is replaced by a 504 or a reset), latency with jitter, and
 * requests that never get an answer. Decisions come from a PRNG per rule seeded from one seed, so a
 * sequence of faults can be replayed; counts and a log of what was injected are kept for assertions.
 *
 * Identities: bearer tokens (EKS-style `k8s-aws-v1.` tokens, service-account tokens, anything in
 * `Authorization`) are forwarded as they are. A client certificate cannot be forwarded (the proxy
 * lacks its private key), so the proxy presents the same certificate itself: it knows every key pair
 * of the test PKI (the folder of `caFile`) and matches the client's certificate by fingerprint. A
 * certificate it does not know is refused with 502, never forwarded anonymously.
 *
 * @example
 *   const proxy = await startFaultProxy({ upstream: env.server, caFile: env.caFile, seed: 7 });
 *   const kube = kubeFromKubeconfigFile(proxy.writeKubeconfig("admin", join(dir, "admin.kubeconfig")));
 *   proxy.setRules([{ name: "lost scale", methods: ["PUT", "PATCH"], path: /\/scale$/, action: "after", reply: 504 }]);
 *   ... // the scale lands; the client sees 504
 *   expect(proxy.stats().rules[0]).toMatchObject({ matched: 1, injected: 1 });
 *   await proxy.close();
 */
import { randomInt, X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { Agent, createServer, request as httpsRequest, type Server } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { basename, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { TLSSocket } from "node:tls";
import { KubeConfig } from "@kubernetes/client-node";
import { writeKubeconfig } from "./controlplane.ts";
import { tokenKubeConfig } from "./identity.ts";
import type { KeyPair } from "./pki.ts";

// ---------------------------------------------------------------------------------------------
// rules

/** Which requests a rule applies to. Every field given must match. */
export interface FaultMatch {
  /** shown in stats and the log; defaults to `rule <index>` */
  readonly name?: string;
  /** HTTP methods (any case); any method when omitted */
  readonly methods?: readonly string[];
  /** tested against the path without the query, e.g. /\/deployments\/[^/]+\/scale$/ */
  readonly path?: RegExp | string;
  /** tested against the raw query string without `?`, e.g. /dryRun=All/ */
  readonly query?: RegExp | string;
  /**
   * Watches (`?watch=true`, `/watch/` paths) are long streams that informers and `rollout status`
   * hold open: by default a rule leaves them alone (`exclude`); `include` matches them too, `only`
   * matches nothing else.
   */
  readonly watch?: "exclude" | "include" | "only";
  /** the share of matching requests that get the fault, 0..1 (default 1), drawn from the rule's PRNG */
  readonly rate?: number;
  /** inject at most this many times, then let requests through */
  readonly times?: number;
  /** let the first `skip` matching requests through untouched (they draw no random number) */
  readonly skip?: number;
}

/** A reply the proxy makes up: an HTTP status (with a Kubernetes Status body) or a TCP reset. */
export type FaultReply = 429 | 500 | 502 | 503 | 504 | "reset";

export type FaultAction =
  /** answer at once without forwarding: the API server never sees the request */
  | {
      readonly action: "before";
      readonly reply: FaultReply;
      /** the `Retry-After` header and `details.retryAfterSeconds` (429 and 503; default 1 for 429) */
      readonly retryAfterSeconds?: number;
    }
  /**
   * the lost acknowledgement: forward, let the API server answer (the write lands), read its answer
   * to the end, then reply `reply` instead (the real status is in the log as `upstreamStatus`)
   */
  | { readonly action: "after"; readonly reply: FaultReply }
  /** add `ms` ± `jitterMs` (uniform) before forwarding (`request`, default) or before answering (`response`) */
  | {
      readonly action: "delay";
      readonly ms: number;
      readonly jitterMs?: number;
      readonly phase?: "request" | "response";
    }
  /**
   * never answer: the client waits until its own timeout; with `forward: true` the request lands
   * first. Hanging requests are let go (their connections closed) by clear() and close().
   */
  | { readonly action: "hang"; readonly forward?: boolean };

export type FaultRule = FaultMatch & FaultAction;

export interface RuleStats {
  readonly name: string;
  /** requests that matched method, path, query and watch (counted before skip, rate and times) */
  readonly matched: number;
  /** requests the fault was injected into */
  readonly injected: number;
}

export interface InjectedFault {
  /** the request's number in this proxy's life (1, 2, …) */
  readonly seq: number;
  readonly rule: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly action: FaultAction["action"];
  /** what the client got: the made-up status, "reset", "hang", or `delay <ms>` */
  readonly reply: string;
  /** for `after` and forwarded `hang`: the API server's real status (it did process the request) */
  readonly upstreamStatus?: number;
}

export interface RequestRecord {
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** what the client was answered ("reset", "hang", "aborted" when the client gave up first) */
  readonly outcome: number | "reset" | "hang" | "aborted" | "error";
  /** the API server's status when the request was forwarded */
  readonly upstreamStatus?: number;
  /** names of the rules whose fault was applied (delays included) */
  readonly faults: readonly string[];
}

export interface FaultProxyStats {
  readonly seed: number;
  /** every request the proxy received */
  readonly requests: number;
  readonly rules: readonly RuleStats[];
  /** every injected fault, in order (cleared by clear()) */
  readonly injected: readonly InjectedFault[];
}

/** Who a written kubeconfig authenticates as. */
export type ProxyIdentity =
  /** the admin client certificate of the test PKI (group system:masters) */
  | "admin"
  /** a fixed bearer token */
  | { readonly token: string }
  /** any existing kubeconfig (token, exec plugin, client certificate of the test PKI): its servers are pointed at the proxy */
  | { readonly kubeconfig: string };

export interface FaultProxyOptions {
  /** the real API server, https://127.0.0.1:<port> (env.server) */
  readonly upstream: string;
  /** the CA that signed the API server's certificate (env.caFile); also what clients trust the proxy with */
  readonly caFile: string;
  /** the test PKI folder (default: the folder of caFile) */
  readonly pkiDir?: string;
  /** the proxy's serving certificate; default the API server's own (`apiserver.crt`, SAN 127.0.0.1) */
  readonly serving?: KeyPair;
  /** seed of the rules' PRNGs; default HOMEOSTAT_FAULT_SEED, else random (stats().seed tells it) */
  readonly seed?: number;
  /** how many requests requestLog() keeps (default 10000) */
  readonly logLimit?: number;
}

export interface FaultProxy {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly seed: number;
  /** Replaces the rules (counts start at zero; each rule's PRNG restarts from the seed). */
  setRules(rules: readonly FaultRule[], options?: { seed?: number }): void;
  /** No rules, zero counts, empty logs; lets hanging requests go. */
  clear(): void;
  stats(): FaultProxyStats;
  /** the last requests seen (up to logLimit), with what they were answered */
  requestLog(): readonly RequestRecord[];
  /** `env` with its `server` pointed at the proxy (for tokenKubeConfig, roleKube, automationKube) */
  through<T extends { readonly server: string }>(env: T): T;
  /** Writes a kubeconfig at `file` that reaches the API server through the proxy; returns `file`. */
  writeKubeconfig(identity: ProxyIdentity, file: string): string;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// seeded randomness

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Each rule its own stream, keyed by its name (else its position): adding, removing or reordering
 * other rules does not shift a named rule's decisions.
 */
function ruleSeed(seed: number, key: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (const char of key) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193);
  return (Math.imul(seed >>> 0, 0x9e3779b1) + hash) >>> 0;
}

function defaultSeed(): number {
  const fromEnv = process.env.HOMEOSTAT_FAULT_SEED;
  if (fromEnv !== undefined && fromEnv !== "") {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed)) throw new Error(`HOMEOSTAT_FAULT_SEED=${fromEnv} is not an integer`);
    return seed;
  }
  return randomInt(2 ** 31);
}

// ---------------------------------------------------------------------------------------------
// matching

interface LiveRule {
  readonly rule: FaultRule;
  readonly name: string;
  readonly path: RegExp | undefined;
  readonly query: RegExp | undefined;
  readonly methods: ReadonlySet<string> | undefined;
  readonly random: () => number;
  matched: number;
  injected: number;
}

function asRegExp(value: RegExp | string | undefined): RegExp | undefined {
  return value === undefined ? undefined : typeof value === "string" ? new RegExp(value) : value;
}

function validate(rule: FaultRule, name: string): void {
  const rate = rule.rate ?? 1;
  if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rule ${name}: rate ${rate} is not within 0..1`);
  if (rule.action === "delay" && !(rule.ms >= 0)) throw new Error(`fault rule ${name}: delay needs ms >= 0`);
}

export function isWatch(path: string, query: string): boolean {
  return path.includes("/watch/") || /(^|&)watch=(true|1)(&|$)/.test(query);
}

function matches(live: LiveRule, method: string, path: string, query: string, watch: boolean): boolean {
  const mode = live.rule.watch ?? "exclude";
  if (watch ? mode === "exclude" : mode === "only") return false;
  if (live.methods && !live.methods.has(method)) return false;
  if (live.path && !live.path.test(path)) return false;
  if (live.query && !live.query.test(query)) return false;
  return true;
}

/** Counts the match and decides, from the rule's own PRNG, whether this request gets the fault. */
function fires(live: LiveRule): boolean {
  live.matched++;
  if (live.matched <= (live.rule.skip ?? 0)) return false;
  // one draw per eligible match, whether or not `times` is used up: the sequence stays replayable
  const hit = live.random() < (live.rule.rate ?? 1);
  if (!hit || (live.rule.times !== undefined && live.injected >= live.rule.times)) return false;
  live.injected++;
  return true;
}

export interface Decision {
  /** added before forwarding, and before answering (ms, jitter drawn) */
  readonly requestDelayMs: number;
  readonly responseDelayMs: number;
  /** the delays applied, per rule */
  readonly delays: readonly { readonly rule: string; readonly ms: number }[];
  /** the `before`, `after` or `hang` rule that fired, if any */
  readonly terminal?: { readonly name: string; readonly rule: FaultRule };
  /** the names of every rule that fired, in order */
  readonly applied: readonly string[];
}

/**
 * The rules and their counts, deciding request by request (pure: no I/O). Rules are tried in order;
 * delays add up and the rules after them still apply; the first `before`, `after` or `hang` that fires
 * decides. Each rule draws from its own PRNG, jitter from another, all seeded from `seed`.
 */
export class FaultRuleSet {
  private readonly live: LiveRule[];
  // a separate stream for jitter, so latency never shifts which requests get a fault
  private readonly jitter: () => number;

  constructor(rules: readonly FaultRule[], seed: number) {
    this.live = rules.map((rule, index) => {
      const name = rule.name ?? `rule ${index}`;
      validate(rule, name);
      return {
        rule,
        name,
        path: asRegExp(rule.path),
        query: asRegExp(rule.query),
        methods: rule.methods ? new Set(rule.methods.map((m) => m.toUpperCase())) : undefined,
        random: seededRandom(ruleSeed(seed, rule.name ?? `#${index}`)),
        matched: 0,
        injected: 0,
      };
    });
    this.jitter = seededRandom(ruleSeed(seed, "\0jitter"));
  }

  decide(method: string, path: string, query: string): Decision {
    const upper = method.toUpperCase();
    const watch = isWatch(path, query);
    const applied: string[] = [];
    const delays: { rule: string; ms: number }[] = [];
    let requestDelayMs = 0;
    let responseDelayMs = 0;
    for (const live of this.live) {
      if (!matches(live, upper, path, query, watch) || !fires(live)) continue;
      const rule = live.rule;
      applied.push(live.name);
      if (rule.action !== "delay")
        return { requestDelayMs, responseDelayMs, delays, terminal: live, applied };
      const spread = rule.jitterMs ?? 0;
      const ms = Math.max(0, Math.round(rule.ms + (this.jitter() * 2 - 1) * spread));
      if ((rule.phase ?? "request") === "request") requestDelayMs += ms;
      else responseDelayMs += ms;
      delays.push({ rule: live.name, ms });
    }
    return { requestDelayMs, responseDelayMs, delays, applied };
  }

  stats(): RuleStats[] {
    return this.live.map((r) => ({ name: r.name, matched: r.matched, injected: r.injected }));
  }
}

// ---------------------------------------------------------------------------------------------
// made-up answers

const REASONS: Record<number, string> = {
  429: "TooManyRequests",
  500: "InternalError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/** A Kubernetes Status body like the API server's own for that code. */
function statusBody(code: number, message: string, retryAfterSeconds?: number): string {
  return JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: REASONS[code] ?? "Unknown",
    ...(retryAfterSeconds !== undefined ? { details: { retryAfterSeconds } } : {}),
    code,
  });
}

function answer(res: ServerResponse, code: number, message: string, retryAfterSeconds?: number): void {
  const headers: OutgoingHttpHeaders = { "content-type": "application/json" };
  if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
  res.writeHead(code, headers).end(statusBody(code, message, retryAfterSeconds));
}

/** A TCP reset (RST) toward the client; a plain close where the socket gives no access to TCP. */
function resetConnection(socket: Socket): void {
  // the TLS socket's handle is a TLSWrap, which cannot send RST; the TCP socket under it can.
  // (`_parent` is Node's own link from a server-side TLSSocket to the socket it wraps)
  const tcp = (socket as Socket & { _parent?: Socket })._parent;
  try {
    if (tcp && typeof tcp.resetAndDestroy === "function") {
      tcp.resetAndDestroy();
      socket.destroy();
      return;
    }
  } catch {
    // fall through to an ordinary close
  }
  socket.destroy();
}

// ---------------------------------------------------------------------------------------------
// forwarding

// connection-specific headers (RFC 9110 §7.6.1) are not forwarded
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function withoutHopByHop(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
  }
  return out;
}

/** Every `<name>.crt` with a `<name>.key` beside it in the test PKI, as an agent presenting it upstream, by fingerprint. */
function loadClientPki(dir: string, ca: Buffer): Map<string, Agent> {
  const byFingerprint = new Map<string, Agent>();
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".crt")) continue;
    const keyFile = join(dir, `${basename(file, ".crt")}.key`);
    if (!existsSync(keyFile)) continue;
    const cert = readFileSync(join(dir, file));
    byFingerprint.set(
      new X509Certificate(cert).fingerprint256,
      new Agent({ keepAlive: true, ca, cert, key: readFileSync(keyFile) }),
    );
  }
  return byFingerprint;
}

/** Writes `file`: the kubeconfig `source` with every cluster's server replaced by `server` (credentials untouched). */
export function repointKubeconfig(source: string, server: string, file: string): string {
  const config = new KubeConfig();
  config.loadFromFile(source);
  const clusters = config.clusters.map((cluster) => ({ ...cluster, server }));
  config.loadFromOptions({
    clusters,
    users: config.users,
    contexts: config.contexts,
    currentContext: config.currentContext,
  });
  writeFileSync(file, config.exportConfig());
  return file;
}

// ---------------------------------------------------------------------------------------------
// the proxy

/** Starts the proxy on a free port of 127.0.0.1. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const pkiDir = options.pkiDir ?? dirname(options.caFile);
  const ca = readFileSync(options.caFile);
  const serving = options.serving ?? {
    cert: join(pkiDir, "apiserver.crt"),
    key: join(pkiDir, "apiserver.key"),
  };
  const clientPki = loadClientPki(pkiDir, ca);
  const tokenAgent = new Agent({ keepAlive: true, ca });
  const logLimit = options.logLimit ?? 10_000;

  let seed = options.seed ?? defaultSeed();
  let rules = new FaultRuleSet([], seed);
  let injected: InjectedFault[] = [];
  let requestLog: RequestRecord[] = [];
  let requests = 0;
  const hanging = new Set<Socket>();
  const sockets = new Set<Socket>();

  const server: Server = createServer(
    {
      cert: readFileSync(serving.cert),
      key: readFileSync(serving.key),
      // ask for a client certificate (kubectl and client-node send theirs only when asked), accept
      // any: the API server, not the proxy, decides who is authenticated
      requestCert: true,
      rejectUnauthorized: false,
      ca,
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) answer(res, 502, `fault proxy: ${message}`);
        else res.destroy();
      });
    },
  );
  server.on("secureConnection", (socket: TLSSocket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      hanging.delete(socket);
    });
  });
  // a client that resets or times out mid-request is the client's business, not the proxy's
  server.on("clientError", (_error, socket) => socket.destroy());

  function record(entry: RequestRecord): void {
    requestLog.push(entry);
    if (requestLog.length > logLimit) requestLog = requestLog.slice(-logLimit);
  }

  function agentFor(req: IncomingMessage): Agent | string {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    if (!peer?.fingerprint256) return tokenAgent;
    const known = clientPki.get(peer.fingerprint256);
    if (known) return known;
    return `the client certificate ${peer.subject ? JSON.stringify(peer.subject) : ""} is not one of the test PKI's key pairs in ${pkiDir}: the proxy cannot present it upstream`;
  }

  interface Upstream {
    readonly res: IncomingMessage;
    /** the whole body, when buffered */
    readonly body?: Buffer;
  }

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    agent: Agent,
    buffer: boolean,
  ): Promise<Upstream> {
    return new Promise((resolvePromise, reject) => {
      const out = httpsRequest(
        {
          protocol: "https:",
          hostname: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...withoutHopByHop(req.headers), host: upstream.host },
          agent,
        },
        (upRes) => {
          if (!buffer) {
            resolvePromise({ res: upRes });
            return;
          }
          const chunks: Buffer[] = [];
          upRes.on("data", (chunk: Buffer) => chunks.push(chunk));
          upRes.on("end", () => resolvePromise({ res: upRes, body: Buffer.concat(chunks) }));
          upRes.on("error", reject);
        },
      );
      out.on("error", reject);
      // the client went away before its answer was complete: so does the request upstream (ends
      // watches too). A lost-ack request is let finish: it has landed, or is about to.
      res.on("close", () => {
        if (!res.writableFinished && !buffer) out.destroy();
      });
      req.pipe(out);
    });
  }

  function stream(up: IncomingMessage, res: ServerResponse): void {
    res.writeHead(up.statusCode ?? 502, up.statusMessage, withoutHopByHop(up.headers));
    // watches: headers now, then each event as it comes
    res.flushHeaders();
    up.pipe(res);
    up.on("error", () => res.destroy());
  }

  function hang(socket: Socket): void {
    hanging.add(socket);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const seq = ++requests;
    const method = (req.method ?? "GET").toUpperCase();
    const target = new URL(req.url ?? "/", "https://proxy.invalid");
    const path = target.pathname;
    const query = target.search.replace(/^\?/, "");
    const decision = rules.decide(method, path, query);
    const { applied, requestDelayMs: requestDelay, responseDelayMs: responseDelay, terminal } = decision;
    for (const delay of decision.delays) {
      injected.push({
        seq,
        rule: delay.rule,
        method,
        path,
        query,
        action: "delay",
        reply: `delay ${delay.ms}`,
      });
    }
    const log = (entry: Omit<InjectedFault, "seq" | "rule" | "method" | "path" | "query" | "action">) => {
      if (terminal) {
        injected.push({
          seq,
          rule: terminal.name,
          method,
          path,
          query,
          action: terminal.rule.action,
          ...entry,
        });
      }
    };
    const done = (outcome: RequestRecord["outcome"], upstreamStatus?: number) =>
      record({
        seq,
        method,
        path,
        query,
        outcome,
        faults: applied,
        ...(upstreamStatus ? { upstreamStatus } : {}),
      });

    let aborted = false;
    res.on("close", () => {
      if (!res.writableFinished) aborted = true;
    });
    if (requestDelay > 0) await sleep(requestDelay);
    if (aborted) return done("aborted");

    const rule = terminal?.rule;
    if (rule?.action === "before") {
      req.resume(); // drain the body so the connection stays usable
      if (rule.reply === "reset") {
        log({ reply: "reset" });
        resetConnection(req.socket);
        return done("reset");
      }
      const retryAfter = rule.retryAfterSeconds ?? (rule.reply === 429 ? 1 : undefined);
      log({ reply: String(rule.reply) });
      answer(res, rule.reply, `injected by the fault proxy (rule ${terminal?.name})`, retryAfter);
      return done(rule.reply);
    }
    if (rule?.action === "hang" && !rule.forward) {
      req.resume();
      log({ reply: "hang" });
      hang(req.socket);
      return done("hang");
    }

    const agent = agentFor(req);
    if (typeof agent === "string") {
      req.resume();
      answer(res, 502, `fault proxy: ${agent}`);
      return done(502);
    }
    const lostAck = rule?.action === "after" || rule?.action === "hang";
    const up = await forward(req, res, agent, lostAck);
    const upstreamStatus = up.res.statusCode ?? 0;
    if (rule?.action === "after") {
      log({ reply: String(rule.reply), upstreamStatus });
      if (responseDelay > 0) await sleep(responseDelay);
      if (rule.reply === "reset") {
        resetConnection(req.socket);
        return done("reset", upstreamStatus);
      }
      answer(
        res,
        rule.reply,
        `injected by the fault proxy after the request landed (rule ${terminal?.name})`,
      );
      return done(rule.reply, upstreamStatus);
    }
    if (rule?.action === "hang") {
      log({ reply: "hang", upstreamStatus });
      hang(req.socket);
      return done("hang", upstreamStatus);
    }
    if (responseDelay > 0) await sleep(responseDelay);
    if (aborted) {
      up.res.destroy();
      return done("aborted", upstreamStatus);
    }
    stream(up.res, res);
    done(upstreamStatus, upstreamStatus);
  }

  function releaseHanging(): void {
    for (const socket of hanging) socket.destroy();
    hanging.clear();
  }

  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolvePromise());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const proxy: FaultProxy = {
    url,
    get seed() {
      return seed;
    },
    setRules(next, opts) {
      if (opts?.seed !== undefined) seed = opts.seed;
      rules = new FaultRuleSet(next, seed);
    },
    clear() {
      rules = new FaultRuleSet([], seed);
      injected = [];
      requestLog = [];
      requests = 0;
      releaseHanging();
    },
    stats() {
      return {
        seed,
        requests,
        rules: rules.stats(),
        injected: [...injected],
      };
    },
    requestLog: () => [...requestLog],
    through: (env) => ({ ...env, server: url }),
    writeKubeconfig(identity, file) {
      if (identity === "admin") {
        writeKubeconfig(file, {
          server: url,
          caFile: options.caFile,
          user: "homeostat-admin",
          client: { cert: join(pkiDir, "admin.crt"), key: join(pkiDir, "admin.key") },
          context: "fault-proxy",
        });
      } else if ("token" in identity) {
        writeFileSync(
          file,
          tokenKubeConfig({ server: url, caFile: options.caFile }, identity.token).exportConfig(),
        );
      } else {
        repointKubeconfig(identity.kubeconfig, url, file);
      }
      return file;
    },
    async close() {
      rules = new FaultRuleSet([], seed);
      releaseHanging();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolvePromise) => server.close(() => resolvePromise()));
      tokenAgent.destroy();
      for (const agent of clientPki.values()) agent.destroy();
    },
  };
  return proxy;
}
