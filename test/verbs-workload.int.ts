// scale / restart / rollback / status / history against the local cluster, run as the restricted
// automation identity (EKS-style token → webhook → RBAC from packages/core/manifests/rbac.yaml), with
// kubectl (as admin) as the oracle on twin Deployments.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { CreateClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import type { V1Deployment, V1PodTemplateSpec } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeVerbError } from "../packages/core/src/domain/errors.ts";
import type { WorkloadTarget } from "../packages/core/src/domain/target.ts";
import {
  cachedEksEndpoint,
  clearEksAccessCache,
  describeEksCluster,
  kubeForEksCluster,
} from "../packages/core/src/kube/access.ts";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { history } from "../packages/core/src/kube/history.ts";
import { restart } from "../packages/core/src/kube/restart.ts";
import { jsonPatch, strategicMergePatch } from "../packages/core/src/kube/result.ts";
import { rollback } from "../packages/core/src/kube/rollback.ts";
import { scale } from "../packages/core/src/kube/scale.ts";
import { status } from "../packages/core/src/kube/status.ts";
import { assumeRole, clientConfig } from "./env/aws.ts";
import { createNamespace, type TestNamespace, waitFor } from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { automationKube } from "./env/identity.ts";
import { applyAutomationRbac } from "./env/rbac.ts";

const run = promisify(execFile);

let env: TestEnv;
let admin: Kube;
let kube: Kube;
let ns: TestNamespace;

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run("/usr/bin/kubectl", ["--kubeconfig", env.kubeconfig, "-n", ns.name, ...args], {
    timeout: 60_000,
  });
  return stdout;
}

const deploymentTarget = (name: string): WorkloadTarget => ({ kind: "Deployment", namespace: ns.name, name });

async function readDeployment(name: string): Promise<V1Deployment> {
  return admin.apps.readNamespacedDeployment({ name, namespace: ns.name });
}

async function waitForRevision(name: string, revision: number): Promise<V1Deployment> {
  return waitFor(
    async () => {
      const d = await readDeployment(name);
      return d.metadata?.annotations?.["deployment.kubernetes.io/revision"] === String(revision) &&
        (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
        ? d
        : undefined;
    },
    { what: `deployment ${name} at revision ${revision}` },
  );
}

/**
 * A Deployment with `images.length` revisions: each later image is set with a change-cause, the way
 * `kubectl set image` + `kubectl annotate` leave it. `twin` tells twins apart in their pod labels so
 * their ReplicaSets never select each other's pods.
 */
async function deploymentWithHistory(name: string, images: string[], twin = name): Promise<void> {
  const [first, ...rest] = images;
  await admin.apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name, annotations: { "kubernetes.io/change-cause": `image ${first}` } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web", twin } },
        template: {
          metadata: { labels: { app: "web", twin }, annotations: { "example.com/team": "shop" } },
          spec: { containers: [{ name: "web", image: first ?? "nginx:1" }] },
        },
      },
    },
  });
  await waitForRevision(name, 1);
  let revision = 1;
  for (const image of rest) {
    await admin.apps.patchNamespacedDeployment(
      {
        name,
        namespace: ns.name,
        body: {
          metadata: { annotations: { "kubernetes.io/change-cause": `image ${image}` } },
          spec: { template: { spec: { containers: [{ name: "web", image }] } } },
        },
      },
      strategicMergePatch(),
    );
    revision++;
    await waitForRevision(name, revision);
  }
}

/** What a write would change (status moves on its own while pods start, so not the resourceVersion). */
function specOf(d: V1Deployment) {
  return { generation: d.metadata?.generation, annotations: d.metadata?.annotations, spec: d.spec };
}

/** The template and annotations with the twin label made equal, for comparing twins. */
function comparable(d: V1Deployment) {
  const template = JSON.parse(JSON.stringify(d.spec?.template)) as V1PodTemplateSpec;
  if (template.metadata?.labels) template.metadata.labels.twin = "<twin>";
  return { template, annotations: d.metadata?.annotations };
}

async function expectVerbError(promise: Promise<unknown>, code: string, message: string | RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KubeVerbError);
  expect((error as KubeVerbError).code).toBe(code);
  expect((error as KubeVerbError).message).toMatch(message);
}

beforeAll(async () => {
  env = loadTestEnv();
  admin = adminKube(env);
  await applyAutomationRbac(admin);
  kube = await automationKube(env);
  ns = await createNamespace(admin, "verbs-workload");
});

afterAll(async () => {
  await ns?.cleanup();
});

describe("rollback, with kubectl rollout undo as the oracle", () => {
  it("rolls back to the previous revision exactly as kubectl does", async () => {
    await Promise.all([
      deploymentWithHistory("ours", ["nginx:1.1", "nginx:1.2", "nginx:1.3"]),
      deploymentWithHistory("theirs", ["nginx:1.1", "nginx:1.2", "nginx:1.3"]),
    ]);
    const result = await rollback(kube, deploymentTarget("ours"));
    await kubectl("rollout", "undo", "deployment/theirs");
    expect(result).toMatchObject({ ok: true, changed: true, dryRun: false });
    expect(result.message).toBe(`rolled back deployment ${ns.name}/ours to revision 2 (image nginx:1.2)`);
    expect(result.before).toMatchObject({ revision: 3, images: ["nginx:1.3"] });
    expect(result.after).toMatchObject({
      templateRevision: 2,
      images: ["nginx:1.2"],
      changeCause: "image nginx:1.2",
    });
    expect(result.undo).toEqual({
      verb: "rollback",
      target: deploymentTarget("ours"),
      params: { toRevision: 3 },
    });
    const [ours, theirs] = await Promise.all([waitForRevision("ours", 4), waitForRevision("theirs", 4)]);
    expect(comparable(ours)).toEqual(comparable(theirs));
    expect(ours.metadata?.annotations?.["kubernetes.io/change-cause"]).toBe("image nginx:1.2");
    // the history both leave behind is the same too
    const [ourHistory, theirHistory] = await Promise.all([
      history(kube, deploymentTarget("ours")),
      history(kube, deploymentTarget("theirs")),
    ]);
    const shape = (h: typeof ourHistory) =>
      h.after?.revisions.map(({ revision, changeCause, images, current }) => ({
        revision,
        changeCause,
        images,
        current,
      }));
    expect(shape(ourHistory)).toEqual(shape(theirHistory));
  });

  it("rolls back to a given revision exactly as kubectl --to-revision does", async () => {
    const result = await rollback(kube, deploymentTarget("ours"), { toRevision: 1 });
    await kubectl("rollout", "undo", "deployment/theirs", "--to-revision=1");
    expect(result).toMatchObject({ ok: true, changed: true, after: { images: ["nginx:1.1"] } });
    const [ours, theirs] = await Promise.all([waitForRevision("ours", 5), waitForRevision("theirs", 5)]);
    expect(comparable(ours)).toEqual(comparable(theirs));
  });

  it("skips, with kubectl's message, when the template already matches the revision", async () => {
    const result = await rollback(kube, deploymentTarget("ours"), { toRevision: 5 });
    const theirs = await kubectl("rollout", "undo", "deployment/theirs", "--to-revision=5");
    expect(result).toMatchObject({ ok: true, changed: false });
    expect(result.message).toBe("skipped rollback (current template already matches revision 5)");
    expect(theirs).toContain("skipped rollback (current template already matches revision 5)");
  });

  it("dry run changes nothing and reports the template the server would store", async () => {
    const before = await readDeployment("ours");
    const result = await rollback(kube, deploymentTarget("ours"), {}, { dryRun: true });
    expect(result).toMatchObject({ ok: true, changed: true, dryRun: true });
    // revisions 3 (1.3), 4 (1.2) and 5 (1.1, current) remain: the previous one is 4
    expect(result.after).toMatchObject({ templateRevision: 4, images: ["nginx:1.2"] });
    expect(specOf(await readDeployment("ours"))).toEqual(specOf(before));
  });

  it("refuses a missing revision, a paused deployment and a deployment without history, changing nothing", async () => {
    await expectVerbError(
      rollback(kube, deploymentTarget("ours"), { toRevision: 99 }),
      "revision-not-found",
      /unable to find specified revision 99/,
    );
    const kubectlError = await kubectl("rollout", "undo", "deployment/theirs", "--to-revision=99").catch(
      (e: { stderr: string }) => e.stderr,
    );
    expect(kubectlError).toContain("unable to find specified revision 99 in history");

    await deploymentWithHistory("single", ["nginx:1.1"]);
    await expectVerbError(
      rollback(kube, deploymentTarget("single")),
      "no-history",
      /no rollout history found/,
    );

    await admin.apps.patchNamespacedDeployment(
      { name: "ours", namespace: ns.name, body: [{ op: "add", path: "/spec/paused", value: true }] },
      jsonPatch(),
    );
    const paused = await readDeployment("ours");
    await expectVerbError(
      rollback(kube, deploymentTarget("ours")),
      "paused",
      /cannot rollback a paused deployment/,
    );
    await expectVerbError(
      restart(kube, deploymentTarget("ours")),
      "paused",
      /can't restart paused deployment/,
    );
    expect(specOf(await readDeployment("ours"))).toEqual(specOf(paused));
    await admin.apps.patchNamespacedDeployment(
      { name: "ours", namespace: ns.name, body: [{ op: "replace", path: "/spec/paused", value: false }] },
      jsonPatch(),
    );
  });

  it("reports unknown deployments and namespaces as not found", async () => {
    await expectVerbError(
      rollback(kube, deploymentTarget("nope")),
      "not-found",
      /deployment .*\/nope not found/,
    );
    await expectVerbError(
      rollback(kube, { kind: "Deployment", namespace: "no-such-namespace", name: "web" }),
      "not-found",
      /not found/,
    );
  });
});

describe("restart, with kubectl rollout restart as the oracle", () => {
  it("stamps the template the same way kubectl does and rolls the pods", async () => {
    await Promise.all([
      deploymentWithHistory("r-ours", ["nginx:1.1"]),
      deploymentWithHistory("r-theirs", ["nginx:1.1"]),
    ]);
    const result = await restart(kube, deploymentTarget("r-ours"));
    await kubectl("rollout", "restart", "deployment/r-theirs");
    expect(result).toMatchObject({
      ok: true,
      changed: true,
      before: { generation: 1 },
      after: { generation: 2 },
    });
    expect(result.undo).toBeUndefined();
    const [ours, theirs] = await Promise.all([waitForRevision("r-ours", 2), waitForRevision("r-theirs", 2)]);
    const stamp = (d: V1Deployment) =>
      d.spec?.template?.metadata?.annotations?.["kubectl.kubernetes.io/restartedAt"];
    expect(stamp(ours)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/);
    expect(stamp(theirs)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/);
    // apart from the stamp's value, the templates are the same
    const unstamped = (d: V1Deployment) => {
      const c = comparable(d);
      const annotations = c.template.metadata?.annotations ?? {};
      annotations["kubectl.kubernetes.io/restartedAt"] = "<time>";
      return c.template;
    };
    expect(unstamped(ours)).toEqual(unstamped(theirs));
  });

  it("dry run changes nothing", async () => {
    const before = await readDeployment("r-ours");
    const now = () => new Date("2030-01-02T03:04:05.678Z");
    const result = await restart(kube, deploymentTarget("r-ours"), {}, { dryRun: true, now });
    expect(result).toMatchObject({
      ok: true,
      changed: true,
      dryRun: true,
      after: { restartedAt: "2030-01-02T03:04:05Z" },
    });
    expect(result.before?.restartedAt).not.toBe("2030-01-02T03:04:05Z");
    expect(specOf(await readDeployment("r-ours"))).toEqual(specOf(before));
  });
});

describe("scale, with kubectl scale as the oracle", () => {
  it("scales to a count, by a delta and by a factor, like kubectl scale --replicas", async () => {
    await Promise.all([
      deploymentWithHistory("s-ours", ["nginx:1.1"]),
      deploymentWithHistory("s-theirs", ["nginx:1.1"]),
    ]);
    const absolute = await scale(kube, deploymentTarget("s-ours"), { change: "5" });
    await kubectl("scale", "deployment/s-theirs", "--replicas=5");
    expect(absolute).toMatchObject({
      ok: true,
      changed: true,
      before: { replicas: 2 },
      after: { replicas: 5 },
    });
    expect(absolute.undo).toEqual({
      verb: "scale",
      target: deploymentTarget("s-ours"),
      params: { change: "2" },
    });
    const [ours, theirs] = await Promise.all([readDeployment("s-ours"), readDeployment("s-theirs")]);
    expect(ours.spec?.replicas).toBe(theirs.spec?.replicas);

    expect(await scale(kube, deploymentTarget("s-ours"), { change: "-2" })).toMatchObject({
      after: { replicas: 3 },
    });
    expect(await scale(kube, deploymentTarget("s-ours"), { change: "x1.5" })).toMatchObject({
      after: { replicas: 5 },
    });
    const clamped = await scale(kube, deploymentTarget("s-ours"), { change: "+10", max: 7 });
    expect(clamped).toMatchObject({ after: { replicas: 7 } });
    expect(clamped.warnings.join()).toContain("limited by --max to 7");
    expect((await readDeployment("s-ours")).spec?.replicas).toBe(7);
  });

  it("returns changed:false when the count already holds", async () => {
    const before = await readDeployment("s-ours");
    const result = await scale(kube, deploymentTarget("s-ours"), { change: "7" });
    expect(result).toMatchObject({
      ok: true,
      changed: false,
      before: { replicas: 7 },
      after: { replicas: 7 },
    });
    expect(result.undo).toBeUndefined();
    expect(specOf(await readDeployment("s-ours"))).toEqual(specOf(before));
  });

  it("dry run reports the server's would-be count and changes nothing", async () => {
    const result = await scale(kube, deploymentTarget("s-ours"), { change: "+3" }, { dryRun: true });
    expect(result).toMatchObject({
      ok: true,
      changed: true,
      dryRun: true,
      before: { replicas: 7 },
      after: { replicas: 10 },
    });
    expect((await readDeployment("s-ours")).spec?.replicas).toBe(7);
  });

  it("never applies a relative change twice: concurrent +1s add exactly one per success", async () => {
    await scale(kube, deploymentTarget("s-ours"), { change: "2" });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, () => scale(kube, deploymentTarget("s-ours"), { change: "+1" })),
    );
    const succeeded = outcomes.filter((o) => o.status === "fulfilled" && o.value.changed).length;
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") {
        expect(outcome.reason).toBeInstanceOf(KubeVerbError);
        expect((outcome.reason as KubeVerbError).code).toBe("conflict");
      }
    }
    expect(succeeded).toBeGreaterThan(0);
    expect((await readDeployment("s-ours")).spec?.replicas).toBe(2 + succeeded);
  });

  it("with --current-replicas, a retried change is applied once", async () => {
    await scale(kube, deploymentTarget("s-ours"), { change: "4" });
    const first = await scale(kube, deploymentTarget("s-ours"), { change: "+2", currentReplicas: 4 });
    const retry = await scale(kube, deploymentTarget("s-ours"), { change: "+2", currentReplicas: 4 });
    expect(first).toMatchObject({ changed: true, after: { replicas: 6 } });
    expect(retry).toMatchObject({ ok: true, changed: false });
    expect(retry.message).toContain("was applied before");
    await expectVerbError(
      scale(kube, deploymentTarget("s-ours"), { change: "+2", currentReplicas: 3 }),
      "precondition",
      /has 6 replicas, not the 3/,
    );
    expect((await readDeployment("s-ours")).spec?.replicas).toBe(6);
  });

  it("warns when an HPA scales the workload", async () => {
    await admin.autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace: ns.name,
      body: {
        metadata: { name: "s-theirs" },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "s-theirs" },
          minReplicas: 1,
          maxReplicas: 10,
        },
      },
    });
    const result = await scale(kube, deploymentTarget("s-theirs"), { change: "+1" }, { dryRun: true });
    expect(result.warnings.join()).toContain("HorizontalPodAutoscaler s-theirs");
    const plain = await scale(kube, deploymentTarget("s-ours"), { change: "+1" }, { dryRun: true });
    expect(plain.warnings).toEqual([]);
  });

  it("scales a StatefulSet", async () => {
    await admin.apps.createNamespacedStatefulSet({
      namespace: ns.name,
      body: {
        metadata: { name: "db" },
        spec: {
          replicas: 2,
          serviceName: "db",
          selector: { matchLabels: { app: "db" } },
          template: {
            metadata: { labels: { app: "db" } },
            spec: { containers: [{ name: "db", image: "postgres:17" }] },
          },
        },
      },
    });
    const target: WorkloadTarget = { kind: "StatefulSet", namespace: ns.name, name: "db" };
    expect(await scale(kube, target, { change: "x2" })).toMatchObject({
      changed: true,
      after: { replicas: 4 },
    });
    expect(
      (await admin.apps.readNamespacedStatefulSet({ name: "db", namespace: ns.name })).spec?.replicas,
    ).toBe(4);
    expect(await status(kube, target)).toMatchObject({
      ok: true,
      after: { kind: "StatefulSet", replicas: 4 },
    });
  });

  it("refuses bad input and unknown workloads, changing nothing", async () => {
    await expectVerbError(scale(kube, deploymentTarget("s-ours"), { change: "abc" }), "invalid", /got 'abc'/);
    await expectVerbError(
      scale(kube, deploymentTarget("s-ours"), { change: "x0" }),
      "invalid",
      /greater than 0/,
    );
    await expectVerbError(
      scale(kube, deploymentTarget("s-ours"), { change: "+1", min: 5, max: 1 }),
      "invalid",
      /--min 5 is above --max 1/,
    );
    await expectVerbError(
      scale(kube, deploymentTarget("missing"), { change: "3" }),
      "not-found",
      /not found/,
    );
    expect((await readDeployment("s-ours")).spec?.replicas).toBe(6);
  });
});

describe("status and history", () => {
  it("history lists revisions with change-cause like kubectl rollout history", async () => {
    const result = await history(kube, deploymentTarget("theirs"));
    const kubectlLines = (await kubectl("rollout", "history", "deployment/theirs"))
      .split("\n")
      .filter((line) => /^\d+\s/.test(line))
      .map((line) => {
        const [revision, ...cause] = line.trim().split(/\s+/);
        return { revision: Number(revision), changeCause: cause.join(" ") };
      });
    expect(
      result.after?.revisions.map((r) => ({ revision: r.revision, changeCause: r.changeCause ?? "<none>" })),
    ).toEqual(kubectlLines);
    expect(result.after?.revisions.filter((r) => r.current).map((r) => r.revision)).toEqual([5]);
  });

  it("status of a deployment", async () => {
    const result = await status(kube, deploymentTarget("theirs"));
    expect(result).toMatchObject({
      ok: true,
      changed: false,
      after: { kind: "Deployment", replicas: 2, revision: "5", paused: false, images: ["nginx:1.1"] },
    });
    expect(result.after?.kind === "Deployment" && result.after.conditions.map((c) => c.type)).toContain(
      "Progressing",
    );
  });

  it("status of a node, by name and by instance id", async () => {
    const nodeName = env.nodes[0] ?? "";
    const node = await admin.core.readNode({ name: nodeName });
    const instanceId = node.spec?.providerID?.split("/").at(-1) ?? "";
    const byName = await status(kube, { kind: "Node", name: nodeName });
    const byInstance = await status(kube, { kind: "Node", name: instanceId, instanceId });
    expect(byName.after).toMatchObject({ kind: "Node", ready: "True", instanceId });
    expect(byInstance.target).toEqual({ kind: "Node", name: nodeName, instanceId });
    expect(byInstance.after).toEqual(byName.after);
  });
});

describe("reaching an EKS cluster", () => {
  it("describes the cluster on EKS (moto) once per container, and reports an unknown one", async () => {
    clearEksAccessCache();
    const eks = new EKSClient(clientConfig(env));
    const name = `describe-${Date.now()}`;
    await eks.send(
      new CreateClusterCommand({
        name,
        roleArn: `arn:aws:iam::${env.accountId}:role/eks-cluster`,
        resourcesVpcConfig: { subnetIds: [] },
      }),
    );
    const endpoint = await describeEksCluster(eks, name);
    expect(endpoint.endpoint).toMatch(/^https:\/\//);
    expect(endpoint.certificateAuthorityData.length).toBeGreaterThan(0);
    const first = cachedEksEndpoint(eks, name, env.region);
    expect(cachedEksEndpoint(eks, name, env.region)).toBe(first);
    await expectVerbError(
      describeEksCluster(eks, "no-such-cluster"),
      "not-found",
      /EKS cluster "no-such-cluster" not found/,
    );
    eks.destroy();
  });

  it("acts as the Lambda would: assumed-role credentials, a minted token, the webhook, RBAC", async () => {
    clearEksAccessCache();
    const credentials = await assumeRole(env, env.roles.automation, "homeostat-access-test");
    // moto's DescribeCluster invents an endpoint; the local API server stands in for it
    const endpoint = {
      endpoint: env.server,
      certificateAuthorityData: readFileSync(env.caFile).toString("base64"),
    };
    const input = { clusterName: env.clusterName, region: env.region, credentials, endpoint };
    const lambdaKube = await kubeForEksCluster(input);
    expect(await kubeForEksCluster(input)).toBe(lambdaKube);
    const result = await status(lambdaKube, deploymentTarget("theirs"));
    expect(result).toMatchObject({ ok: true, after: { kind: "Deployment" } });
    // the automation role may not read Secrets
    const denied = await lambdaKube.core.listNamespacedSecret({ namespace: ns.name }).then(
      () => undefined,
      (e: { code?: number }) => e.code,
    );
    expect(denied).toBe(403);
    clearEksAccessCache();
  });
});
