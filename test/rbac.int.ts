// The shipped ClusterRole (packages/core/manifests/rbac.yaml) gives the automation identity what the
// verbs need and nothing they don't: checked with real requests made through the EKS-style token path.
import { ApiException, AuthenticationV1Api, AuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { createNamespace, removeNode, type TestNamespace } from "./env/cluster.ts";
import { adminKube, loadTestEnv, type TestEnv } from "./env/env.ts";
import { automationKube } from "./env/identity.ts";
import { addDedicatedNode, createBarePod, uniqueId, waitForPodsOnNode } from "./env/node-fixtures.ts";
import { applyAutomationRbac, rbacObjects } from "./env/rbac.ts";

let env: TestEnv;
let admin: Kube;
let automation: Kube;
let readonly: Kube;
let ns: TestNamespace;
let nodeName: string;
const podName = `victim-${uniqueId()}`;

/** The HTTP status of a request: 200 when it succeeded. */
async function statusOf(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

beforeAll(async () => {
  env = loadTestEnv();
  admin = adminKube(env);
  await applyAutomationRbac(admin);
  automation = await automationKube(env);
  readonly = await automationKube(env, "readonly");
  ns = await createNamespace(admin, "rbac");
  const node = await addDedicatedNode(admin, `rbac-${uniqueId()}`);
  nodeName = node.name;
  await createBarePod(admin, ns.name, podName, nodeName);
  await waitForPodsOnNode(admin, ns.name, nodeName, 1);
  await admin.core.createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: "db-password" }, stringData: { password: "hunter2" } },
  });
});

afterAll(async () => {
  await ns?.cleanup();
  if (nodeName) await removeNode(admin, nodeName);
});

describe("the automation identity (group homeostat:automation)", () => {
  it("is in the automation group, with no wildcard rules and no rule on Secrets", async () => {
    const self = await automation.config
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: {} });
    expect(self.status?.userInfo?.groups).toContain(env.groups.automation);
    expect(self.status?.userInfo?.groups).not.toContain("system:masters");
    const review = await automation.config.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({
      body: { spec: { namespace: ns.name } },
    });
    const rules = review.status?.resourceRules ?? [];
    expect(rules.some((rule) => rule.resources?.includes("*"))).toBe(false);
    expect(rules.some((rule) => rule.resources?.includes("secrets"))).toBe(false);
  });

  it("can do what cordon, uncordon and drain need", async () => {
    const dryRun = "All";
    expect(await statusOf(automation.core.readNode({ name: nodeName }))).toBe(200);
    expect(await statusOf(automation.core.listNode({ limit: 1 }))).toBe(200);
    expect(
      await statusOf(
        automation.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}`, limit: 10 }),
      ),
    ).toBe(200);
    expect(await statusOf(automation.core.readNamespacedPod({ namespace: ns.name, name: podName }))).toBe(
      200,
    );
    expect(
      await statusOf(
        automation.core.createNamespacedPodEviction({
          namespace: ns.name,
          name: podName,
          dryRun,
          body: {
            apiVersion: "policy/v1",
            kind: "Eviction",
            metadata: { namespace: ns.name, name: podName },
          },
        }),
      ),
    ).toBe(200);
    // a DaemonSet that does not exist: 404 (allowed to look), not 403
    expect(
      await statusOf(automation.apps.readNamespacedDaemonSet({ namespace: ns.name, name: "none" })),
    ).toBe(404);
    // the workload verbs: reads of deployments, their scale, ReplicaSets and HPAs
    expect(await statusOf(automation.apps.listNamespacedDeployment({ namespace: ns.name }))).toBe(200);
    expect(
      await statusOf(automation.apps.readNamespacedDeploymentScale({ namespace: ns.name, name: "none" })),
    ).toBe(404);
    expect(await statusOf(automation.apps.listNamespacedReplicaSet({ namespace: ns.name }))).toBe(200);
    expect(
      await statusOf(automation.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ns.name })),
    ).toBe(200);
  });

  it("cannot read Secrets, delete namespaces, or delete pods around the Eviction API", async () => {
    expect(await statusOf(automation.core.listNamespacedSecret({ namespace: ns.name }))).toBe(403);
    expect(
      await statusOf(automation.core.readNamespacedSecret({ namespace: ns.name, name: "db-password" })),
    ).toBe(403);
    expect(await statusOf(automation.core.listSecretForAllNamespaces())).toBe(403);
    expect(await statusOf(automation.core.deleteNamespace({ name: ns.name }))).toBe(403);
    expect((await admin.core.readNamespace({ name: ns.name })).status?.phase).toBe("Active");
    expect(await statusOf(automation.core.deleteNamespacedPod({ namespace: ns.name, name: podName }))).toBe(
      403,
    );
    expect(await statusOf(automation.core.deleteNode({ name: nodeName }))).toBe(403);
    expect(await statusOf(automation.core.listNamespacedConfigMap({ namespace: ns.name }))).toBe(403);
    expect(
      await statusOf(
        automation.core.createNamespace({ body: { metadata: { name: `rbac-x-${uniqueId()}` } } }),
      ),
    ).toBe(403);
  });
});

describe("the read-only identity (group homeostat:readonly)", () => {
  it("can look but not cordon or evict", async () => {
    expect(await statusOf(readonly.core.readNode({ name: nodeName }))).toBe(200);
    expect(await statusOf(readonly.core.listNamespacedPod({ namespace: ns.name }))).toBe(200);
    expect(
      await statusOf(
        readonly.core.createNamespacedPodEviction({
          namespace: ns.name,
          name: podName,
          dryRun: "All",
          body: {
            apiVersion: "policy/v1",
            kind: "Eviction",
            metadata: { namespace: ns.name, name: podName },
          },
        }),
      ),
    ).toBe(403);
    expect(await statusOf(readonly.core.listNamespacedSecret({ namespace: ns.name }))).toBe(403);
  });
});

describe("the manifest", () => {
  it("binds the automation ClusterRole to the group the access entry maps the role to", () => {
    const binding = rbacObjects().find(
      (o) => o.kind === "ClusterRoleBinding" && o.metadata?.name === "homeostat-automation",
    ) as { subjects?: { kind: string; name: string }[] } | undefined;
    expect(binding?.subjects).toEqual([
      expect.objectContaining({ kind: "Group", name: env.groups.automation }),
    ]);
  });
});
