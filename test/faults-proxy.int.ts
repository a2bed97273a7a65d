// The fault-injecting proxies of the test environment work: the HTTP fault proxy (test/env/fault-proxy.ts)
// answers what its rules say, lets a lost-ack write land, replays a seeded sequence, counts what it
// injected and passes watches through; toxiproxy (test/env/toxiproxy.ts) slows and resets connections;
// kubectl, the project's Kube client and token identities all work through the proxy.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ApiException, KubeConfig, Watch } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Kube, kubeFromKubeconfigFile } from "../packages/core/src/kube/client.ts";
import { createNamespace, createPauseDeployment, type TestNamespace, waitFor } from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { outcomeOf, type RawClient, rawClient } from "./env/fault-client.ts";
import { type FaultProxy, type FaultRule, repointKubeconfig, startFaultProxy } from "./env/fault-proxy.ts";
import { automationKube } from "./env/identity.ts";
import { applyAutomationRbac } from "./env/rbac.ts";
import { startToxiproxy, type Toxiproxy, type ToxiproxyProxy } from "./env/toxiproxy.ts";

const run = promisify(execFile);

let env: TestEnv;
let admin: Kube;
let ns: TestNamespace;
let proxy: FaultProxy;
let dir: string;
let viaProxy: RawClient;
let direct: RawClient;

const DEPLOYMENT = "web";
const deploymentPath = () => `/apis/apps/v1/namespaces/${ns.name}/deployments/${DEPLOYMENT}`;
const scalePath = () => `${deploymentPath()}/scale`;

async function replicas(): Promise<number | undefined> {
  const scale = await admin.apps.readNamespacedDeploymentScale({ name: DEPLOYMENT, namespace: ns.name });
  return scale.spec?.replicas;
}

beforeAll(async () => {
  env = loadTestEnv();
  admin = adminKube(env);
  ns = await createNamespace(admin, "faults-proxy");
  await createPauseDeployment(admin, ns.name, DEPLOYMENT, 1);
  proxy = await startFaultProxy({ upstream: env.server, caFile: env.caFile, seed: 1234 });
  dir = mkdtempSync(join(tmpdir(), "homeostat-faults-"));
  viaProxy = rawClient(proxy.url, env.caFile);
  direct = rawClient(env.server, env.caFile);
});

afterAll(async () => {
  await proxy?.close();
  await ns?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => proxy.clear());

describe("the HTTP fault proxy", () => {
  it("forwards requests untouched when no rule is set, as the admin's client certificate", async () => {
    const through = await viaProxy("GET", deploymentPath());
    const straight = await direct("GET", deploymentPath());
    expect(outcomeOf(through)).toBe(200);
    expect(outcomeOf(straight)).toBe(200);
    const name = (o: typeof through) => ("body" in o ? JSON.parse(o.body).metadata.uid : undefined);
    expect(name(through)).toBe(name(straight));
    expect(proxy.stats()).toMatchObject({ requests: 1, injected: [] });
    expect(proxy.requestLog()).toEqual([
      {
        seq: 1,
        method: "GET",
        path: deploymentPath(),
        query: "",
        outcome: 200,
        upstreamStatus: 200,
        faults: [],
      },
    ]);
  });

  it("answers a scale GET with 429 and Retry-After without forwarding, and leaves other paths alone", async () => {
    proxy.setRules([
      {
        name: "throttle scale reads",
        methods: ["GET"],
        path: /\/scale$/,
        action: "before",
        reply: 429,
        retryAfterSeconds: 3,
      },
    ]);
    const throttled = await viaProxy("GET", scalePath());
    expect(outcomeOf(throttled)).toBe(429);
    if (!("status" in throttled)) throw new Error("no answer");
    expect(throttled.headers["retry-after"]).toBe("3");
    expect(JSON.parse(throttled.body)).toMatchObject({
      kind: "Status",
      reason: "TooManyRequests",
      code: 429,
      details: { retryAfterSeconds: 3 },
    });
    // the same path's PUT and the Deployment itself do not match
    expect(outcomeOf(await viaProxy("GET", deploymentPath()))).toBe(200);
    expect(proxy.stats().rules).toEqual([{ name: "throttle scale reads", matched: 1, injected: 1 }]);
    expect(proxy.stats().injected).toEqual([
      expect.objectContaining({ seq: 1, method: "GET", path: scalePath(), action: "before", reply: "429" }),
    ]);
    // not forwarded: nothing upstream
    expect(proxy.requestLog()[0]).not.toHaveProperty("upstreamStatus");
  });

  it("lets a scale PUT land and answers 504 (a lost acknowledgement), through the project's Kube client", async () => {
    const kube = kubeFromKubeconfigFile(proxy.writeKubeconfig("admin", join(dir, "admin.kubeconfig")));
    proxy.setRules([
      {
        name: "lost scale ack",
        methods: ["PUT", "PATCH"],
        path: /\/deployments\/[^/]+\/scale$/,
        action: "after",
        reply: 504,
      },
    ]);
    const before = await replicas();
    const scale = await kube.apps.readNamespacedDeploymentScale({ name: DEPLOYMENT, namespace: ns.name });
    const target = (before ?? 0) + 2;
    const error = await kube.apps
      .replaceNamespacedDeploymentScale({
        name: DEPLOYMENT,
        namespace: ns.name,
        body: { ...scale, spec: { replicas: target } },
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(504);
    // read back directly, not through the proxy: the write landed
    expect(await replicas()).toBe(target);
    expect(proxy.stats().injected).toEqual([
      expect.objectContaining({ method: "PUT", action: "after", reply: "504", upstreamStatus: 200 }),
    ]);
  });

  it("lets a scale PATCH land and then resets the connection (the other lost acknowledgement)", async () => {
    proxy.setRules([
      { name: "reset after scale", methods: ["PATCH"], path: /\/scale$/, action: "after", reply: "reset" },
    ]);
    const target = ((await replicas()) ?? 0) + 1;
    const outcome = await viaProxy("PATCH", scalePath(), { spec: { replicas: target } });
    expect(outcomeOf(outcome)).toBe("ECONNRESET");
    expect(await replicas()).toBe(target);
    expect(proxy.stats().injected).toEqual([
      expect.objectContaining({ method: "PATCH", action: "after", reply: "reset", upstreamStatus: 200 }),
    ]);
  });

  it("resets before forwarding: that write never lands", async () => {
    proxy.setRules([{ methods: ["PATCH"], path: /\/scale$/, action: "before", reply: "reset" }]);
    const start = await replicas();
    const outcome = await viaProxy("PATCH", scalePath(), { spec: { replicas: (start ?? 0) + 5 } });
    expect(outcomeOf(outcome)).toBe("ECONNRESET");
    expect(await replicas()).toBe(start);
    expect(proxy.stats().rules).toEqual([{ name: "rule 0", matched: 1, injected: 1 }]);
  });

  it("replays the same faults for the same seed at a 30% rate, and counts them", async () => {
    const rules: FaultRule[] = [
      {
        name: "flaky reads",
        methods: ["GET"],
        path: /\/deployments\/web$/,
        rate: 0.3,
        action: "before",
        reply: 503,
      },
    ];
    const sequence = async (seed: number): Promise<(number | string)[]> => {
      proxy.clear();
      proxy.setRules(rules, { seed });
      const seen: (number | string)[] = [];
      for (let i = 0; i < 40; i++) seen.push(outcomeOf(await viaProxy("GET", deploymentPath())));
      return seen;
    };
    const first = await sequence(42);
    const firstStats = proxy.stats();
    const second = await sequence(42);
    const other = await sequence(43);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
    const injected = first.filter((s) => s === 503).length;
    expect(first.filter((s) => s !== 503 && s !== 200)).toEqual([]);
    // 30% of 40: the seeded draw gives some, not none and not all
    expect(injected).toBeGreaterThan(4);
    expect(injected).toBeLessThan(24);
    expect(firstStats.rules).toEqual([{ name: "flaky reads", matched: 40, injected }]);
    expect(firstStats.injected.map((f) => f.seq)).toEqual(
      first.flatMap((s, i) => (s === 503 ? [i + 1] : [])),
    );
    expect(firstStats.seed).toBe(42);
  });

  it("skips the first matches and stops after `times` injections", async () => {
    proxy.setRules([
      { methods: ["GET"], path: /\/deployments\/web$/, skip: 1, times: 2, action: "before", reply: 500 },
    ]);
    const seen: (number | string)[] = [];
    for (let i = 0; i < 5; i++) seen.push(outcomeOf(await viaProxy("GET", deploymentPath())));
    expect(seen).toEqual([200, 500, 500, 200, 200]);
    expect(proxy.stats().rules).toEqual([{ name: "rule 0", matched: 5, injected: 2 }]);
  });

  it("delays requests, and a hanging request times the client out until clear() lets it go", async () => {
    proxy.setRules([
      { methods: ["GET"], path: /\/deployments\/web$/, action: "delay", ms: 600, jitterMs: 100 },
    ]);
    const slow = await viaProxy("GET", deploymentPath());
    expect(outcomeOf(slow)).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(490);
    const applied = Number(proxy.stats().injected[0]?.reply.replace("delay ", ""));
    expect(applied).toBeGreaterThanOrEqual(500);
    expect(applied).toBeLessThanOrEqual(700);

    proxy.setRules([{ methods: ["GET"], path: /\/deployments\/web$/, action: "hang" }]);
    const hung = await viaProxy("GET", deploymentPath(), undefined, { timeoutMs: 800 });
    expect(outcomeOf(hung)).toBe("TIMEOUT");
    const pending = viaProxy("GET", deploymentPath(), undefined, { timeoutMs: 10_000 });
    await waitFor(() => proxy.requestLog().filter((r) => r.outcome === "hang").length === 2, {
      what: "2 hung requests",
    });
    proxy.clear(); // closes the hung connection
    expect(outcomeOf(await pending)).toBe("ECONNRESET");
  });

  it("passes a watch through (the rules leave watches alone unless they ask for them)", async () => {
    const config = new KubeConfig();
    config.loadFromFile(proxy.writeKubeconfig("admin", join(dir, "watch.kubeconfig")));
    proxy.setRules([{ name: "deployments", path: /\/deployments/, action: "before", reply: 503 }]);
    const events: string[] = [];
    const watch = await new Watch(config).watch(
      `/apis/apps/v1/namespaces/${ns.name}/deployments`,
      { fieldSelector: `metadata.name=${DEPLOYMENT}` },
      (type, object: { spec?: { replicas?: number } }) => events.push(`${type} ${object.spec?.replicas}`),
      () => {},
    );
    try {
      await waitFor(() => events.length > 0, { what: "the watch's first event", timeoutMs: 15_000 });
      const scale = await admin.apps.readNamespacedDeploymentScale({ name: DEPLOYMENT, namespace: ns.name });
      await admin.apps.replaceNamespacedDeploymentScale({
        name: DEPLOYMENT,
        namespace: ns.name,
        body: { ...scale, spec: { replicas: 7 } },
      });
      await waitFor(() => events.includes("MODIFIED 7"), {
        what: "a MODIFIED event with 7 replicas",
        timeoutMs: 15_000,
      });
    } finally {
      watch.abort();
    }
    expect(proxy.stats().rules).toEqual([{ name: "deployments", matched: 0, injected: 0 }]);
    // with watch: "only" the same rule does fail the watch
    proxy.setRules([{ name: "watches", path: /\/deployments/, watch: "only", action: "before", reply: 503 }]);
    const refused = await viaProxy("GET", `/apis/apps/v1/namespaces/${ns.name}/deployments?watch=true`);
    expect(outcomeOf(refused)).toBe(503);
    expect(outcomeOf(await viaProxy("GET", deploymentPath()))).toBe(200);
  });

  it("forwards token identities as they are: the EKS-style automation role reads, and RBAC still applies", async () => {
    await applyAutomationRbac(admin);
    const kube = await automationKube(proxy.through(env), "readonly");
    const read = await kube.apps.readNamespacedDeployment({ name: DEPLOYMENT, namespace: ns.name });
    expect(read.metadata?.name).toBe(DEPLOYMENT);
    const write = await kube.apps
      .patchNamespacedDeployment({ name: DEPLOYMENT, namespace: ns.name, body: [] })
      .then(
        () => 0,
        (e: ApiException<unknown>) => e.code,
      );
    expect(write).toBe(403); // the read-only role: the API server decided, behind the proxy
    const log = proxy.requestLog().filter((r) => r.path === deploymentPath());
    expect(log.map((r) => r.outcome)).toEqual([200, 403]);
  });

  it("refuses a client certificate outside the test PKI instead of forwarding it anonymously", async () => {
    const { stdout } = await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-subj",
      "/CN=stranger",
      "-days",
      "1",
      "-keyout",
      join(dir, "stranger.key"),
      "-out",
      join(dir, "stranger.crt"),
    ]);
    expect(stdout).toBe("");
    const stranger = rawClient(proxy.url, env.caFile, {
      cert: join(dir, "stranger.crt"),
      key: join(dir, "stranger.key"),
    });
    const outcome = await stranger("GET", deploymentPath());
    if (!("status" in outcome)) throw new Error(`no answer: ${outcome.error}`);
    expect(JSON.parse(outcome.body).message).toMatch(/not one of the test PKI's key pairs/);
    expect(proxy.requestLog()[0]).not.toHaveProperty("upstreamStatus");
    expect(outcome.status).toBe(502);
  });
});

describe("kubectl through the fault proxy", () => {
  let kubeconfig: string;
  const kubectl = (...args: string[]) =>
    run("kubectl", ["--kubeconfig", kubeconfig, "-n", ns.name, ...args], { timeout: 60_000 });

  beforeAll(() => {
    kubeconfig = proxy.writeKubeconfig({ kubeconfig: env.kubeconfig }, join(dir, "kubectl.kubeconfig"));
  });

  it("gets the Deployment through the proxy", async () => {
    const { stdout } = await kubectl("get", "deploy", DEPLOYMENT, "-o", "jsonpath={.metadata.name}");
    expect(stdout).toBe(DEPLOYMENT);
    expect(proxy.requestLog().some((r) => r.path === deploymentPath() && r.outcome === 200)).toBe(true);
  });

  it("waits out a 429 with Retry-After and succeeds (client-go retries it)", async () => {
    proxy.setRules([
      {
        name: "one 429",
        methods: ["GET"],
        path: /\/deployments\/web$/,
        times: 1,
        action: "before",
        reply: 429,
        retryAfterSeconds: 1,
      },
    ]);
    const started = Date.now();
    const { stdout } = await kubectl("get", "deploy", DEPLOYMENT, "-o", "jsonpath={.metadata.name}");
    expect(stdout).toBe(DEPLOYMENT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(proxy.stats().rules).toEqual([{ name: "one 429", matched: 2, injected: 1 }]);
  });

  it("fails on a 500 without Retry-After, and says so", async () => {
    proxy.setRules([{ methods: ["GET"], path: /\/deployments\/web$/, action: "before", reply: 500 }]);
    const failure = await kubectl("get", "deploy", DEPLOYMENT).then(
      () => "",
      (e: { stderr: string }) => e.stderr,
    );
    expect(failure).toMatch(/injected by the fault proxy/);
  });
});

describe("toxiproxy (TCP faults)", () => {
  let toxi: Toxiproxy;
  let api: ToxiproxyProxy;
  let viaToxi: RawClient;

  beforeAll(async () => {
    toxi = await startToxiproxy();
    api = await toxi.createProxy("apiserver", env.server);
    viaToxi = rawClient(api.url, env.caFile);
  });

  afterAll(async () => {
    await toxi?.close();
  });

  afterEach(async () => {
    await api?.clearToxics();
  });

  it("passes TLS through: the admin's client certificate works as on the API server", async () => {
    expect(api.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(outcomeOf(await viaToxi("GET", deploymentPath()))).toBe(200);
  });

  it("adds latency that a client observes, and removing the toxic takes it away", async () => {
    const baseline = await viaToxi("GET", deploymentPath());
    const id = await api.addToxic({ type: "latency", attributes: { latency: 400, jitter: 0 } });
    const slow = await viaToxi("GET", deploymentPath());
    expect(outcomeOf(slow)).toBe(200);
    // a fresh connection: the TLS handshake's answers and the response each wait 400 ms
    expect(slow.ms).toBeGreaterThanOrEqual(800);
    expect(slow.ms).toBeGreaterThan(baseline.ms + 700);
    await api.removeToxic(id);
    const fast = await viaToxi("GET", deploymentPath());
    expect(fast.ms).toBeLessThan(slow.ms - 600);
  });

  it("resets connections with reset_peer: kubectl retries the GET, then reports the reset", async () => {
    const kubeconfig = repointKubeconfig(env.kubeconfig, api.url, join(dir, "toxiproxy.kubeconfig"));
    const kubectl = (...args: string[]) =>
      run(
        "kubectl",
        ["--kubeconfig", kubeconfig, "--cache-dir", join(dir, "toxi-cache"), "-n", ns.name, ...args],
        {
          timeout: 60_000,
        },
      );
    // warm the discovery cache first, so only the GET itself meets the resets
    expect((await kubectl("get", "deploy", DEPLOYMENT, "-o", "name")).stdout.trim()).toBe(
      `deployment.apps/${DEPLOYMENT}`,
    );
    await api.addToxic({ type: "reset_peer", attributes: { timeout: 0 } });
    expect(outcomeOf(await viaToxi("GET", deploymentPath()))).toMatch(/ECONNRESET|EPIPE/);
    const failure = await kubectl("get", "deploy", DEPLOYMENT, "--request-timeout=3s", "-v=6").then(
      () => "",
      (e: { stderr: string }) => e.stderr,
    );
    expect(failure).toMatch(/connection reset by peer/);
    // client-go retries a GET on a reset (1 s apart) until the request timeout
    expect(failure.match(/Got a Retry-After 1s response for attempt/g)?.length ?? 0).toBeGreaterThanOrEqual(
      1,
    );
  });

  it("cuts a response with limit_data, and times a client out with timeout", async () => {
    await api.addToxic({ type: "limit_data", attributes: { bytes: 6000 } });
    const cut = await viaToxi("GET", `/api/v1/namespaces/kube-system/configmaps`);
    // the handshake passes within the limit, the list does not arrive whole
    expect(outcomeOf(cut)).toMatch(/ECONNRESET|socket hang up|ABORTED|EPROTO/);
    await api.clearToxics();
    await api.addToxic({ type: "timeout", attributes: { timeout: 0 } });
    expect(outcomeOf(await viaToxi("GET", deploymentPath(), undefined, { timeoutMs: 1000 }))).toBe("TIMEOUT");
  });

  it("chains with the HTTP fault proxy: TCP latency in front of HTTP faults", async () => {
    const chained = await toxi.createProxy("fault-proxy", proxy.url);
    await chained.addToxic({ type: "latency", attributes: { latency: 200 } });
    proxy.setRules([
      { methods: ["GET"], path: /\/scale$/, action: "before", reply: 503, retryAfterSeconds: 2 },
    ]);
    const outcome = await rawClient(chained.url, env.caFile)("GET", scalePath());
    expect(outcomeOf(outcome)).toBe(503);
    expect(outcome.ms).toBeGreaterThanOrEqual(400);
    expect(proxy.stats().rules[0]).toMatchObject({ matched: 1, injected: 1 });
  });
});
