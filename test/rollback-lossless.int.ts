// rollback copies a ReplicaSet's pod template back into its Deployment whole. It must lose nothing: it
// reads raw JSON (kube/raw.ts), never client-node's typed models, which drop fields they don't know.
// Here, as the restricted identity: a template using a wide spread of pod and container fields comes
// back field for field (checked on the JSON kubectl reads, not through client-node), exactly as kubectl
// rollout undo restores its twin; and the raw reads themselves authenticate, count, page and fail as
// the typed calls do.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeVerbError } from "../packages/core/src/domain/errors.ts";
import type { WorkloadTarget } from "../packages/core/src/domain/target.ts";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { history } from "../packages/core/src/kube/history.ts";
import { rawGet, rawList } from "../packages/core/src/kube/raw.ts";
import { rollback } from "../packages/core/src/kube/rollback.ts";
import { createNamespace, type TestNamespace, waitFor } from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { automationKube } from "./env/identity.ts";
import { applyAutomationRbac } from "./env/rbac.ts";

type Json = Record<string, unknown>;

let env: TestEnv;
let admin: Kube;
let kube: Kube;
let ns: TestNamespace;

/** kubectl as admin in the test namespace; `input` goes to stdin. */
function kubectl(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/kubectl", ["--kubeconfig", env.kubeconfig, "-n", ns.name, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      timeout: 60_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`kubectl ${args.join(" ")}: ${stderr || stdout}`)),
    );
    child.stdin.end(input ?? "");
  });
}

/** An object as kubectl reads it: the API server's JSON, untouched by client-node. */
async function getJson(resource: string): Promise<Json> {
  return JSON.parse(await kubectl(["get", resource, "-o", "json"])) as Json;
}

function field(object: unknown, ...path: string[]): unknown {
  let current = object;
  for (const key of path) {
    current = current && typeof current === "object" ? (current as Json)[key] : undefined;
  }
  return current;
}

function revisionOf(object: Json): string | undefined {
  return field(object, "metadata", "annotations", "deployment.kubernetes.io/revision") as string | undefined;
}

async function waitForRevision(name: string, revision: number): Promise<Json> {
  return waitFor(
    async () => {
      const deployment = await getJson(`deployment/${name}`);
      const observed = (field(deployment, "status", "observedGeneration") as number | undefined) ?? 0;
      const generation = (field(deployment, "metadata", "generation") as number | undefined) ?? 0;
      return revisionOf(deployment) === String(revision) && observed >= generation ? deployment : undefined;
    },
    { what: `deployment ${name} at revision ${revision}` },
  );
}

/** The controlled ReplicaSet holding `revision`, as kubectl reads it. */
async function replicaSetAt(name: string, revision: number): Promise<Json> {
  const list = JSON.parse(await kubectl(["get", "replicasets", "-o", "json"])) as { items: Json[] };
  const found = list.items.find(
    (rs) =>
      revisionOf(rs) === String(revision) &&
      (field(rs, "metadata", "ownerReferences") as { name: string }[] | undefined)?.some(
        (ref) => ref.name === name,
      ),
  );
  if (!found) throw new Error(`no ReplicaSet of ${name} at revision ${revision}`);
  return found;
}

function withoutHash(template: unknown): Json {
  const copy = structuredClone(template) as Json;
  const labels = field(copy, "metadata", "labels") as Record<string, string> | undefined;
  if (labels) delete labels["pod-template-hash"];
  return copy;
}

/** A template with the twin label made equal everywhere (labels and selectors), for comparing twins. */
function comparable(template: unknown): Json {
  return JSON.parse(JSON.stringify(template).replace(/"twin":"(ours|theirs)"/g, '"twin":"<twin>"')) as Json;
}

/**
 * A pod template that uses a wide spread of fields, recent ones included (sidecar init containers,
 * resize policies, sleep pre-stop hooks, AppArmor profiles, matchLabelKeys, pod-level resources…).
 * Written as JSON through kubectl so client-node never sees it.
 */
function richTemplate(twin: string): Json {
  return {
    metadata: {
      labels: { app: "rich", twin },
      annotations: { "example.com/team": "shop", "example.com/dashboard": "https://grafana/d/rich" },
    },
    spec: {
      initContainers: [
        {
          name: "log-shipper",
          image: "busybox:1.36",
          restartPolicy: "Always",
          command: ["sh", "-c", "sleep 1d"],
          resizePolicy: [{ resourceName: "cpu", restartPolicy: "NotRequired" }],
        },
      ],
      containers: [
        {
          name: "web",
          image: "nginx:1.27",
          args: ["--port", "8080"],
          ports: [
            { name: "http", containerPort: 8080, protocol: "TCP" },
            { name: "grpc", containerPort: 9090, protocol: "TCP" },
          ],
          env: [
            { name: "MODE", value: "strict" },
            { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
            {
              name: "MEMORY_LIMIT",
              valueFrom: {
                resourceFieldRef: { containerName: "web", resource: "limits.memory", divisor: "1Mi" },
              },
            },
          ],
          envFrom: [{ prefix: "CFG_", configMapRef: { name: "web-config", optional: true } }],
          resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
          resizePolicy: [{ resourceName: "memory", restartPolicy: "RestartContainer" }],
          readinessProbe: { httpGet: { path: "/ready", port: "http", scheme: "HTTP" }, periodSeconds: 5 },
          livenessProbe: { grpc: { port: 9090, service: "health" }, initialDelaySeconds: 3 },
          startupProbe: { tcpSocket: { port: 8080 }, failureThreshold: 30, periodSeconds: 2 },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
            appArmorProfile: { type: "RuntimeDefault" },
          },
          volumeMounts: [
            { name: "cache", mountPath: "/cache" },
            { name: "token", mountPath: "/var/run/token", readOnly: true },
            { name: "config", mountPath: "/etc/web", subPath: "web" },
          ],
          terminationMessagePolicy: "FallbackToLogsOnError",
        },
      ],
      volumes: [
        { name: "cache", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
        {
          name: "token",
          projected: {
            sources: [
              { serviceAccountToken: { audience: "homeostat", expirationSeconds: 3600, path: "token" } },
            ],
          },
        },
        { name: "config", configMap: { name: "web-config", optional: true, defaultMode: 0o440 } },
      ],
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 50,
              podAffinityTerm: {
                labelSelector: { matchLabels: { app: "rich", twin } },
                topologyKey: "kubernetes.io/hostname",
                matchLabelKeys: ["pod-template-hash"],
              },
            },
          ],
        },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: { app: "rich", twin } },
          matchLabelKeys: ["pod-template-hash"],
          nodeTaintsPolicy: "Honor",
        },
      ],
      tolerations: [{ key: "example.com/dedicated", operator: "Exists", effect: "NoSchedule" }],
      dnsConfig: { options: [{ name: "ndots", value: "2" }] },
      hostAliases: [{ ip: "10.0.0.1", hostnames: ["db.internal"] }],
      os: { name: "linux" },
      securityContext: {
        fsGroup: 2000,
        fsGroupChangePolicy: "OnRootMismatch",
        sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
      },
      resources: { limits: { cpu: "1", memory: "256Mi" } },
      terminationGracePeriodSeconds: 45,
      enableServiceLinks: false,
      shareProcessNamespace: true,
    },
  };
}

/** A Deployment whose revision 1 is the rich template and revision 2 a bare one. */
async function richDeployment(name: string, twin: string): Promise<{ revision1: Json }> {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, annotations: { "kubernetes.io/change-cause": "rich template" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "rich", twin } },
      template: richTemplate(twin),
    },
  };
  await kubectl(["create", "-f", "-"], JSON.stringify(deployment));
  const revision1 = await waitForRevision(name, 1);
  // revision 2 drops nearly everything: only a full restore brings revision 1 back
  const bare = {
    metadata: { labels: { app: "rich", twin } },
    spec: { containers: [{ name: "web", image: "nginx:2" }] },
  };
  await kubectl([
    "patch",
    `deployment/${name}`,
    "--type=json",
    "-p",
    JSON.stringify([
      { op: "replace", path: "/spec/template", value: bare },
      { op: "replace", path: "/metadata/annotations/kubernetes.io~1change-cause", value: "bare template" },
    ]),
  ]);
  await waitForRevision(name, 2);
  return { revision1 };
}

const target = (name: string): WorkloadTarget => ({ kind: "Deployment", namespace: ns.name, name });

beforeAll(async () => {
  env = loadTestEnv();
  admin = adminKube(env);
  await applyAutomationRbac(admin);
  kube = await automationKube(env);
  ns = await createNamespace(admin, "rollback-lossless");
});

afterAll(async () => {
  await ns?.cleanup();
});

describe("rollback restores a template field for field", () => {
  it("brings back every field of revision 1's template, as kubectl rollout undo does", async () => {
    const [ours] = await Promise.all([richDeployment("ours", "ours"), richDeployment("theirs", "theirs")]);
    const stored = field(ours.revision1, "spec", "template") as Json;
    // the server kept what we wrote (so the check below covers these fields, not defaults alone)
    expect(stored).toMatchObject({
      spec: {
        initContainers: [{ restartPolicy: "Always", resizePolicy: [{ resourceName: "cpu" }] }],
        containers: [
          { lifecycle: { preStop: { sleep: { seconds: 5 } } }, livenessProbe: { grpc: { port: 9090 } } },
        ],
        topologySpreadConstraints: [{ matchLabelKeys: ["pod-template-hash"] }],
        os: { name: "linux" },
      },
    });

    const result = await rollback(kube, target("ours"));
    await kubectl(["rollout", "undo", "deployment/theirs"]);
    expect(result).toMatchObject({ ok: true, changed: true, apiRequests: 3 });
    expect(result.message).toBe(`rolled back deployment ${ns.name}/ours to revision 1 (rich template)`);

    const [oursAfter, theirsAfter] = await Promise.all([
      waitForRevision("ours", 3),
      waitForRevision("theirs", 3),
    ]);
    const restored = field(oursAfter, "spec", "template");
    // the whole template, as JSON: equal to the revision's ReplicaSet's without pod-template-hash…
    expect(restored).toStrictEqual(withoutHash(field(await replicaSetAt("ours", 3), "spec", "template")));
    // …and to what revision 1 was before revision 2 replaced it
    expect(restored).toStrictEqual(stored);
    // kubectl's twin ends up the same, template and annotations
    expect(comparable(restored)).toStrictEqual(comparable(field(theirsAfter, "spec", "template")));
    expect(field(oursAfter, "metadata", "annotations")).toStrictEqual(
      field(theirsAfter, "metadata", "annotations"),
    );

    // the history reads the same raw objects: two requests, three revisions
    const view = await history(kube, target("ours"));
    expect(view.apiRequests).toBe(2);
    expect(view.after?.revisions.map((r) => [r.revision, r.changeCause, r.current])).toEqual([
      [2, "bare template", false],
      [3, "rich template", true],
    ]);
    // revision 1's ReplicaSet became revision 3: the created time is the ReplicaSet's, read as text
    expect(view.after?.revisions[1]?.createdAt).toBe(
      new Date(field(await replicaSetAt("ours", 3), "metadata", "creationTimestamp") as string).toISOString(),
    );

    // and back again: the undo of the rollback is the bare template, also restored whole
    const undo = await rollback(kube, target("ours"));
    expect(undo).toMatchObject({ changed: true, apiRequests: 3 });
    const bareAgain = await waitForRevision("ours", 4);
    expect(field(bareAgain, "spec", "template")).toStrictEqual(
      withoutHash(field(await replicaSetAt("ours", 4), "spec", "template")),
    );
    expect(field(bareAgain, "spec", "template", "spec", "initContainers")).toBeUndefined();
  });
});

describe("raw reads as the restricted identity", () => {
  it("read the object kubectl reads, and count one request each", async () => {
    const before = kube.requests.count;
    const raw = await rawGet<Json>(kube, `/apis/apps/v1/namespaces/${ns.name}/deployments/ours`);
    expect(kube.requests.count - before).toBe(1);
    const seen = await getJson("deployment/ours");
    expect(field(raw, "metadata", "uid")).toBe(field(seen, "metadata", "uid"));
    expect(field(raw, "spec")).toStrictEqual(field(seen, "spec"));
    // timestamps stay text, as sent
    expect(field(raw, "metadata", "creationTimestamp")).toBe(field(seen, "metadata", "creationTimestamp"));
    // the admin's client certificate works the same way as the automation's bearer token
    const asAdmin = await rawGet<Json>(admin, `/apis/apps/v1/namespaces/${ns.name}/deployments/ours`);
    expect(field(asAdmin, "spec")).toStrictEqual(field(seen, "spec"));
  });

  it("page through a list with continue tokens, one request per page", async () => {
    const all = JSON.parse(await kubectl(["get", "replicasets", "-o", "json"])) as { items: Json[] };
    const names = all.items.map((rs) => field(rs, "metadata", "name")).sort();
    expect(names.length).toBeGreaterThanOrEqual(4);
    const before = kube.requests.count;
    const items = await rawList<Json>(kube, `/apis/apps/v1/namespaces/${ns.name}/replicasets`, { limit: 1 });
    expect(items.map((rs) => field(rs, "metadata", "name")).sort()).toEqual(names);
    expect(kube.requests.count - before).toBe(names.length);
    const selected = await rawList<Json>(kube, `/apis/apps/v1/namespaces/${ns.name}/replicasets`, {
      limit: 1,
      query: { labelSelector: "twin=theirs" },
    });
    expect(selected.every((rs) => field(rs, "metadata", "labels", "twin") === "theirs")).toBe(true);
    expect(selected.length).toBe(names.length / 2);
  });

  it("fail with the typed calls' error codes: not-found, forbidden", async () => {
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error("expected the read to fail");
        },
        (error: unknown) => error as KubeVerbError,
      );
    const before = kube.requests.count;
    const missing = await failure(
      rawGet(kube, `/apis/apps/v1/namespaces/${ns.name}/deployments/nope`, {
        what: `deployment ${ns.name}/nope`,
      }),
    );
    expect(missing).toBeInstanceOf(KubeVerbError);
    expect(missing).toMatchObject({ code: "not-found", status: 404, exitCode: 2 });
    expect(missing.message).toContain(`deployment ${ns.name}/nope not found`);
    // the shipped RBAC never reads Secrets
    const denied = await failure(rawGet(kube, `/api/v1/namespaces/${ns.name}/secrets`, { what: "secrets" }));
    expect(denied).toMatchObject({ code: "forbidden", status: 403 });
    expect(denied.message).toMatch(/not allowed to act on secrets: .*secrets is forbidden/);
    expect(kube.requests.count - before).toBe(2);

    await expect(rollback(kube, target("nope"))).rejects.toMatchObject({ code: "not-found", status: 404 });
  });
});
