// The test environment's services are real: EKS-like token authentication through the webhook into
// RBAC, DynamoDB on moto, and the Slack stand-in as @slack/web-api sees it.
import { randomBytes } from "node:crypto";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { ApiException, AuthenticationV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { ErrorCode, WebClient } from "@slack/web-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Kube } from "../packages/core/src/kube/client.ts";
import { kubeFromConfig } from "../packages/core/src/kube/client.ts";
import { mintEksToken } from "../packages/core/src/kube/eks-token.ts";
import { assumeRole, clientConfig } from "./env/aws.ts";
import { createNamespace, type TestNamespace, waitFor } from "./env/cluster.ts";
import { adminKube, loadTestEnv } from "./env/env.ts";
import { automationKube, roleKube, tokenKubeConfig } from "./env/identity.ts";
import { slackControl } from "./env/slack-control.ts";

const env = loadTestEnv();
const suffix = randomBytes(3).toString("hex");

/** The HTTP status a Kubernetes call failed with, or 200 when it succeeded. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

async function whoAmI(kube: Kube): Promise<{ username?: string; groups?: string[] }> {
  const review = await kube.config.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  });
  return review.status?.userInfo ?? {};
}

describe("EKS-like authentication: minted token → webhook → RBAC", () => {
  const admin = adminKube(env);
  let ns: TestNamespace;
  let automation: Kube;
  let readonly: Kube;

  beforeAll(async () => {
    ns = await createNamespace(admin, "svc-auth");
    // a right the shipped least-privilege ClusterRole does not give, so only this Role can grant it
    const rbac = admin.config.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: "configmap-reader" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: "automation-reads-configmaps" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmap-reader" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: env.groups.automation }],
      },
    });
    automation = await automationKube(env);
    readonly = await automationKube(env, "readonly");
  });

  afterAll(async () => {
    await ns?.cleanup();
  });

  it("authenticates the automation role as its assumed-role session in the mapped group", async () => {
    const user = await whoAmI(automation);
    expect(user.username).toBe(
      `arn:aws:sts::${env.accountId}:assumed-role/homeostat-automation/homeostat-automation`,
    );
    expect(user.groups).toContain(env.groups.automation);
    expect(user.groups).toContain("system:authenticated");
    expect(user.groups).not.toContain(env.groups.readonly);
  });

  it("maps the read-only role to its own group", async () => {
    const user = await whoAmI(readonly);
    expect(user.groups).toContain(env.groups.readonly);
    expect(user.groups).not.toContain(env.groups.automation);
  });

  it("allows what the group's Role grants and denies the rest", async () => {
    // RBAC bindings reach the authorizer through an informer: wait until the grant is visible
    await waitFor(
      async () => (await statusOf(automation.core.listNamespacedConfigMap({ namespace: ns.name }))) === 200,
      {
        what: `the automation group to list configmaps in ${ns.name}`,
        timeoutMs: 30_000,
      },
    );
    expect(
      await statusOf(
        automation.core.readNamespacedConfigMap({ name: "kube-root-ca.crt", namespace: ns.name }),
      ),
    ).toBe(200);
    expect(await statusOf(automation.core.listNamespacedSecret({ namespace: ns.name }))).toBe(403);
    expect(await statusOf(automation.core.listNamespacedConfigMap({ namespace: "kube-system" }))).toBe(403);
    expect(await statusOf(automation.core.deleteNamespace({ name: ns.name }))).toBe(403);
    expect(await statusOf(readonly.core.listNamespacedConfigMap({ namespace: ns.name }))).toBe(403);
  });

  it("rejects an expired token (signed 20 minutes ago) with 401", async () => {
    const credentials = await assumeRole(env, env.roles.automation, "expired-token");
    const { token } = await mintEksToken({
      clusterName: env.clusterName,
      region: env.region,
      credentials,
      signingDate: new Date(Date.now() - 20 * 60_000),
    });
    const kube = kubeFromConfig(tokenKubeConfig(env, token));
    expect(await statusOf(kube.core.listNamespace())).toBe(401);
  });

  it("rejects malformed tokens with 401", async () => {
    for (const token of [
      "k8s-aws-v1.not-a-url",
      "k8s-aws-v1.",
      `k8s-aws-v1.${Buffer.from("https://evil.example/").toString("base64url")}`,
    ]) {
      const kube = kubeFromConfig(tokenKubeConfig(env, token));
      expect(await statusOf(kube.core.listNamespace()), token).toBe(401);
    }
  });

  it("rejects a role that has no access entry with 401", async () => {
    const unmapped = await roleKube(env, `arn:aws:iam::${env.accountId}:role/homeostat-unmapped-${suffix}`);
    expect(await statusOf(unmapped.core.listNamespace())).toBe(401);
  });

  it("accepts a token signed for another region of the partition, as EKS does", async () => {
    // aws-iam-authenticator accepts every regional STS host of its partition
    const credentials = await assumeRole(env, env.roles.automation, "other-region");
    const { token } = await mintEksToken({ clusterName: env.clusterName, region: "eu-west-1", credentials });
    const kube = kubeFromConfig(tokenKubeConfig(env, token));
    expect((await whoAmI(kube)).groups).toContain(env.groups.automation);
  });
});

describe("DynamoDB on moto", () => {
  const dynamo = new DynamoDBClient(clientConfig(env));
  const table = `homeostat-svc-${suffix}`;

  afterAll(async () => {
    await dynamo.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    dynamo.destroy();
  });

  it("round-trips an item and refuses a conditional put on an existing key", async () => {
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const item = { pk: { S: "incident#1" }, replicas: { N: "3" } };
    await dynamo.send(
      new PutItemCommand({ TableName: table, Item: item, ConditionExpression: "attribute_not_exists(pk)" }),
    );
    const got = await dynamo.send(new GetItemCommand({ TableName: table, Key: { pk: { S: "incident#1" } } }));
    expect(got.Item).toEqual(item);
    await expect(
      dynamo.send(
        new PutItemCommand({
          TableName: table,
          Item: { ...item, replicas: { N: "5" } },
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    const after = await dynamo.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: "incident#1" } } }),
    );
    expect(after.Item?.replicas).toEqual({ N: "3" });
  });
});

describe("Slack stand-in through @slack/web-api", () => {
  const control = slackControl(env.slackUrl);
  const channel = `CSVC${suffix.toUpperCase()}`;
  const web = new WebClient(env.slackToken, {
    slackApiUrl: `${env.slackUrl}/api/`,
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 },
  });
  const callsTo = async (method: string) =>
    (await control.calls({ method })).filter(
      (call) => (call.body as { channel?: string }).channel === channel,
    );

  afterEach(async () => {
    await control.clearFailures();
  });

  it("records a posted message and lets it be updated", async () => {
    const posted = await web.chat.postMessage({ channel, text: "checkout scaled to 5" });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe(channel);
    const [call] = await callsTo("chat.postMessage");
    expect(call?.body).toMatchObject({ channel, text: "checkout scaled to 5" });
    expect(call?.headers.authorization).toBe(`Bearer ${env.slackToken}`);
    await web.chat.update({ channel, ts: posted.ts as string, text: "checkout scaled to 5 (undone)" });
    const messages = await control.messages({ channel });
    expect(messages).toEqual([
      expect.objectContaining({ ts: posted.ts, text: "checkout scaled to 5 (undone)" }),
    ]);
  });

  it("retries a 429 after Retry-After and a 503", async () => {
    await control.fail({ method: "chat.postMessage", status: 429, retryAfter: 1, times: 1 });
    const rateLimited = await web.chat.postMessage({ channel, text: "after a rate limit" });
    expect(rateLimited.ok).toBe(true);
    await control.fail({ method: "chat.postMessage", status: 503, times: 1 });
    const afterOutage = await web.chat.postMessage({ channel, text: "after an outage" });
    expect(afterOutage.ok).toBe(true);
    const statuses = (await callsTo("chat.postMessage"))
      .filter((call) => (call.body as { text?: string }).text?.startsWith("after"))
      .map((call) => call.response.status);
    expect(statuses).toEqual([429, 200, 503, 200]);
  });

  it("answers invalid_auth to a wrong token", async () => {
    const wrong = new WebClient("xoxb-wrong", {
      slackApiUrl: `${env.slackUrl}/api/`,
      retryConfig: { retries: 0 },
    });
    await expect(wrong.chat.postMessage({ channel, text: "nope" })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: "invalid_auth" },
    });
  });

  it("takes response-URL posts and refuses the sixth", async () => {
    const posted = await web.chat.postMessage({ channel, text: "approve?" });
    const url = await control.responseUrl({ channel, ts: posted.ts as string });
    const use = (text: string) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ replace_original: true, text }),
      });
    for (let n = 1; n <= 5; n++) expect((await use(`update ${n}`)).status).toBe(200);
    const sixth = await use("update 6");
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: "used_url" });
    expect((await control.messages({ channel })).find((m) => m.ts === posted.ts)?.text).toBe("update 5");
  });
});
