import { describe, expect, it } from "vitest";
import { KubeVerbError } from "../domain/errors.ts";
import {
  controlledBy,
  type DeploymentJson,
  deploymentHistory,
  labelSelectorString,
  type ReplicaSetJson,
  revisionOf,
} from "./history.ts";
import {
  chooseRollbackReplicaSet,
  type PodTemplateJson,
  rollbackAnnotations,
  rollbackPatch,
  templatesEqualIgnoringHash,
} from "./rollback.ts";

const DEPLOYMENT_UID = "d-uid";

function template(image: string, hash?: string) {
  return {
    metadata: { labels: { app: "web", ...(hash ? { "pod-template-hash": hash } : {}) } },
    spec: { containers: [{ name: "web", image }] },
  };
}

function rs(
  name: string,
  revision: string | undefined,
  image: string,
  extra: Record<string, string> = {},
): ReplicaSetJson {
  return {
    metadata: {
      name,
      annotations: {
        ...(revision === undefined ? {} : { "deployment.kubernetes.io/revision": revision }),
        ...extra,
      },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: DEPLOYMENT_UID, controller: true },
      ],
    },
    spec: { selector: { matchLabels: { app: "web" } }, template: template(image, `${name}-hash`) },
  };
}

const deployment: DeploymentJson = {
  metadata: {
    name: "web",
    uid: DEPLOYMENT_UID,
    annotations: {
      "deployment.kubernetes.io/revision": "3",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
      "kubernetes.io/change-cause": "image v3",
      "team.example.com/owner": "shop",
    },
  },
  spec: { selector: { matchLabels: { app: "web" } }, template: template("web:v3") },
};

describe("chooseRollbackReplicaSet", () => {
  const sets = [rs("web-1", "1", "web:v1"), rs("web-3", "3", "web:v3"), rs("web-2", "2", "web:v2")];

  it("defaults to the second-highest revision", () => {
    expect(chooseRollbackReplicaSet("web", sets).revision).toBe(2);
  });

  it("finds a given revision", () => {
    expect(chooseRollbackReplicaSet("web", sets, 1).replicaSet.metadata?.name).toBe("web-1");
  });

  it("finds a revision the controller renumbered by its old number (revision-history), so a retry or an undo stays valid", () => {
    // rolling back to 2 made web-2 revision 4, its old number kept in revision-history
    const renumbered = [
      rs("web-1", "1", "web:v1"),
      rs("web-3", "3", "web:v3"),
      rs("web-2", "4", "web:v2", { "deployment.kubernetes.io/revision-history": "2" }),
    ];
    expect(chooseRollbackReplicaSet("web", renumbered, 2)).toMatchObject({ revision: 4, was: 2 });
    expect(chooseRollbackReplicaSet("web", renumbered, 2).replicaSet.metadata?.name).toBe("web-2");
    // a revision that is still there wins over an old number
    expect(chooseRollbackReplicaSet("web", renumbered, 3).replicaSet.metadata?.name).toBe("web-3");
  });

  it("takes an intent's ReplicaSet by name, and says so when it is gone", () => {
    expect(chooseRollbackReplicaSet("web", sets, 0, "web-1")).toMatchObject({ revision: 1 });
    expect(() => chooseRollbackReplicaSet("web", sets, 0, "web-9")).toThrow(
      /ReplicaSet web-9 this rollback restores is no longer in the history/,
    );
  });

  it("reports a revision that is not there, with the ones that are", () => {
    expect(() => chooseRollbackReplicaSet("web", sets, 7)).toThrow(
      'unable to find specified revision 7 in history of deployment "web"; revisions: 1, 2, 3',
    );
  });

  it("reports no history when only one revision exists", () => {
    try {
      chooseRollbackReplicaSet("web", [rs("web-1", "1", "web:v1")]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(KubeVerbError);
      expect((error as KubeVerbError).code).toBe("no-history");
      expect((error as KubeVerbError).message).toContain('no rollout history found for deployment "web"');
    }
  });

  it("rejects negative revisions", () => {
    expect(() => chooseRollbackReplicaSet("web", sets, -1)).toThrow(
      "--to-revision must be a whole number ≥ 0",
    );
  });

  it("counts a missing revision annotation as 0 and skips unparsable ones, like kubectl", () => {
    expect(revisionOf(rs("x", undefined, "a"))).toBe(0);
    expect(revisionOf(rs("x", "abc", "a"))).toBeUndefined();
    const chosen = chooseRollbackReplicaSet("web", [
      rs("a", undefined, "a"),
      rs("b", "abc", "b"),
      rs("c", "4", "c"),
    ]);
    expect(chosen.replicaSet.metadata?.name).toBe("a");
  });
});

describe("templatesEqualIgnoringHash", () => {
  it("ignores pod-template-hash and empty versus absent fields", () => {
    expect(templatesEqualIgnoringHash(template("a", "h1"), template("a"))).toBe(true);
    const withEmpty = { ...template("a"), spec: { containers: [{ name: "web", image: "a", env: [] }] } };
    expect(templatesEqualIgnoringHash(withEmpty, template("a", "h2"))).toBe(true);
  });

  it("sees a different image or label", () => {
    expect(templatesEqualIgnoringHash(template("a"), template("b"))).toBe(false);
    const relabelled = { ...template("a"), metadata: { labels: { app: "web", tier: "x" } } };
    expect(templatesEqualIgnoringHash(relabelled, template("a"))).toBe(false);
  });
});

describe("rollbackPatch", () => {
  const target = rs("web-1", "1", "web:v1", {
    "kubernetes.io/change-cause": "image v1",
    "deployment.kubernetes.io/desired-replicas": "9",
  });

  it("keeps the Deployment's kept annotations and takes the others from the ReplicaSet", () => {
    expect(rollbackAnnotations(deployment, target)).toEqual({
      "deployment.kubernetes.io/revision": "3",
      "kubectl.kubernetes.io/last-applied-configuration": "{}",
      "kubernetes.io/change-cause": "image v1",
    });
  });

  it("replaces the template (without pod-template-hash) and the annotations in one JSON Patch", () => {
    const patch = rollbackPatch(deployment, target);
    expect(patch.map((op) => [op.op, op.path])).toEqual([
      ["replace", "/spec/template"],
      ["replace", "/metadata/annotations"],
    ]);
    expect(patch[0]?.value).toEqual(template("web:v1"));
    // the ReplicaSet itself is left alone
    expect(target.spec?.template?.metadata?.labels?.["pod-template-hash"]).toBe("web-1-hash");
  });
});

describe("fields client-node's models do not know (a cluster newer than the client)", () => {
  // what a newer API server may send: a pod field, a container field and a template metadata field
  // that no model has; JSON read raw carries them, and a rollback must put them back
  const futureJson = {
    metadata: {
      labels: { app: "web", "pod-template-hash": "web-1-hash" },
      someFutureMetadata: "kept",
    },
    spec: {
      containers: [{ name: "web", image: "web:v1", futureContainerField: { mode: "strict", level: 3 } }],
      someFutureField: { enabled: true, list: [1, 2] },
    },
  };
  type FutureTemplate = typeof futureJson;
  /** The JSON as a raw read types it (the models know nothing of the future fields). */
  const asTemplate = (json: FutureTemplate): PodTemplateJson =>
    structuredClone(json) as unknown as PodTemplateJson;
  const futureReplicaSet: ReplicaSetJson = {
    ...rs("web-1", "1", "web:v1", { "kubernetes.io/change-cause": "image v1" }),
    spec: { selector: { matchLabels: { app: "web" } }, template: asTemplate(futureJson) },
  };

  it("survive into the rollback patch's template, and only pod-template-hash is removed", () => {
    const [templateOp] = rollbackPatch(deployment, futureReplicaSet);
    const expected = structuredClone(futureJson);
    expected.metadata.labels = { app: "web" } as FutureTemplate["metadata"]["labels"];
    expect(templateOp?.value).toEqual(expected);
    expect(templateOp?.value).toMatchObject({
      spec: {
        someFutureField: { enabled: true, list: [1, 2] },
        containers: [{ futureContainerField: { mode: "strict", level: 3 } }],
      },
      metadata: { someFutureMetadata: "kept" },
    });
  });

  it("count when comparing templates: a difference only there is not skipped as 'already matches'", () => {
    const same = structuredClone(futureJson);
    expect(templatesEqualIgnoringHash(asTemplate(futureJson), asTemplate(same))).toBe(true);
    const changed = structuredClone(futureJson);
    changed.spec.someFutureField.enabled = false;
    expect(templatesEqualIgnoringHash(asTemplate(futureJson), asTemplate(changed))).toBe(false);
    const changedContainer = structuredClone(futureJson);
    for (const container of changedContainer.spec.containers) container.futureContainerField.level = 4;
    expect(templatesEqualIgnoringHash(asTemplate(futureJson), asTemplate(changedContainer))).toBe(false);
  });
});

describe("history", () => {
  it("lists controlled ReplicaSets by revision with change-cause", () => {
    const foreign: ReplicaSetJson = {
      ...rs("other", "9", "x"),
      metadata: { name: "other", ownerReferences: [] },
    };
    const sets = controlledBy(deployment, [
      rs("web-2", "2", "web:v2"),
      rs("web-3", "3", "web:v3", { "kubernetes.io/change-cause": "image v3" }),
      foreign,
    ]);
    const view = deploymentHistory(deployment, sets);
    expect(view.revisions).toEqual([
      { revision: 2, replicaSet: "web-2", images: ["web:v2"], current: false },
      { revision: 3, changeCause: "image v3", replicaSet: "web-3", images: ["web:v3"], current: true },
    ]);
  });

  it("writes label selectors the API server reads", () => {
    expect(
      labelSelectorString({
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "tier", operator: "In", values: ["a", "b"] },
          { key: "env", operator: "NotIn", values: ["dev"] },
          { key: "canary", operator: "DoesNotExist" },
          { key: "team", operator: "Exists" },
        ],
      }),
    ).toBe("app=web,tier in (a,b),env notin (dev),!canary,team");
  });
});
