// Applies the project's shipped RBAC manifest (packages/core/manifests/rbac.yaml) to the test cluster,
// so tests run the verbs as the restricted identity with exactly the rights a user would grant.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AuthorizationV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
} from "@kubernetes/client-node";
import type { Kube } from "../../packages/core/src/kube/client.ts";
import { REPO_ROOT } from "./binaries.ts";
import { waitFor } from "./cluster.ts";

export const AUTOMATION_GROUP = "homeostat:automation";
export const READONLY_GROUP = "homeostat:readonly";

export const RBAC_MANIFEST = join(REPO_ROOT, "packages/core/manifests/rbac.yaml");

/** The objects in the manifest (ClusterRoles and ClusterRoleBindings). */
export function rbacObjects(file: string = RBAC_MANIFEST): KubernetesObject[] {
  return (loadAllYaml(readFileSync(file, "utf8")) as KubernetesObject[]).filter((object) => object);
}

/**
 * Server-side applies the manifest as the admin (idempotent; several test files may call it), then
 * waits until the automation group's rights are visible to the authorizer (RBAC is cached briefly).
 */
export async function applyAutomationRbac(admin: Kube, file: string = RBAC_MANIFEST): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(admin.config);
  for (const object of rbacObjects(file)) {
    await objects.patch(object, undefined, undefined, "homeostat-tests", true, PatchStrategy.ServerSideApply);
  }
  const authorization = admin.config.makeApiClient(AuthorizationV1Api);
  await waitFor(
    async () => {
      const review = await authorization.createSubjectAccessReview({
        body: {
          spec: {
            user: "rbac-probe",
            groups: [AUTOMATION_GROUP],
            resourceAttributes: {
              resource: "pods",
              subresource: "eviction",
              verb: "create",
              namespace: "default",
            },
          },
        },
      });
      return review.status?.allowed === true;
    },
    { what: `the RBAC authorizer to grant ${AUTOMATION_GROUP} pods/eviction`, timeoutMs: 30_000 },
  );
}
