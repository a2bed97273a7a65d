import type { V1Node } from "@kubernetes/client-node";
import { KubeVerbError } from "../domain/errors.ts";
import { isInstanceId } from "../domain/instance-id.ts";
import type { NodeTarget } from "../domain/target.ts";
import type { Kube } from "./client.ts";
import { apiStatus, toKubeVerbError } from "./errors.ts";

/**
 * The EC2 instance id in a node's `spec.providerID` (`aws:///us-east-1a/i-0abc…`): its last path
 * segment, or undefined when the node has no providerID.
 */
export function instanceIdOf(node: V1Node): string | undefined {
  const providerId = node.spec?.providerID;
  if (!providerId) return undefined;
  const last = providerId.slice(providerId.lastIndexOf("/") + 1);
  return last.length > 0 ? last : undefined;
}

export function nodeTarget(node: V1Node): NodeTarget {
  const instanceId = instanceIdOf(node);
  return { kind: "Node", name: node.metadata?.name ?? "", ...(instanceId ? { instanceId } : {}) };
}

export interface ResolvedNode {
  node: V1Node;
  target: NodeTarget;
}

/**
 * Among `nodes`, the one named `nodeOrInstanceId` or whose providerID ends in exactly that instance id
 * (never a prefix or substring: `i-0abc` does not match `i-0abc1`).
 */
export function matchNode(nodes: readonly V1Node[], nodeOrInstanceId: string): V1Node {
  const byName = nodes.find((node) => node.metadata?.name === nodeOrInstanceId);
  if (byName) return byName;
  const byInstance = nodes.filter((node) => instanceIdOf(node) === nodeOrInstanceId);
  if (byInstance.length === 1 && byInstance[0]) return byInstance[0];
  if (byInstance.length > 1) {
    throw new KubeVerbError(
      "ambiguous",
      `instance ${nodeOrInstanceId} matches ${byInstance.length} nodes (${byInstance
        .map((node) => node.metadata?.name)
        .join(", ")}); name the node instead`,
    );
  }
  throw new KubeVerbError(
    "not-found",
    `no node named ${nodeOrInstanceId} or with EC2 instance id ${nodeOrInstanceId} in spec.providerID; ` +
      "check the name (kubectl get nodes) or that the instance belongs to this cluster",
  );
}

const NODE_PAGE = 500;

/**
 * Finds a node by name or EC2 instance id. A name costs one GET; an instance id one LIST of the nodes
 * (providerID has no field selector), paginated only on clusters with more than 500 nodes.
 */
export async function resolveNode(kube: Kube, nodeOrInstanceId: string): Promise<ResolvedNode> {
  const wanted = nodeOrInstanceId.trim();
  if (wanted.length === 0) {
    throw new KubeVerbError("invalid", "no node given: pass a node name or an EC2 instance id (i-…)");
  }
  if (!isInstanceId(wanted)) {
    try {
      const node = await kube.core.readNode({ name: wanted });
      return { node, target: nodeTarget(node) };
    } catch (error) {
      if (apiStatus(error) === 404) {
        throw new KubeVerbError(
          "not-found",
          `node ${wanted} not found; check the name (kubectl get nodes) or pass its EC2 instance id`,
          { cause: error, status: 404 },
        );
      }
      throw toKubeVerbError(error, `node ${wanted}`);
    }
  }
  const nodes: V1Node[] = [];
  let continueToken: string | undefined;
  try {
    do {
      const page = await kube.core.listNode({ limit: NODE_PAGE, _continue: continueToken });
      nodes.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken);
  } catch (error) {
    throw toKubeVerbError(error, "the cluster's nodes");
  }
  const node = matchNode(nodes, wanted);
  return { node, target: nodeTarget(node) };
}
