// Targets as a command writes them, both ways: `<namespace>/<name>`, `<namespace>/<kind>/<name>`, a
// node name or an EC2 instance id. formatTarget writes what the parsers read back.
import { isInstanceId } from "../domain/instance-id.ts";
import type { Target, WorkloadTarget } from "../domain/target.ts";
import { UsageError } from "./errors.ts";
import type { CommandName } from "./types.ts";

// the inverse of the parsers below, kept in domain/ where the verbs build their commands too
export { formatTarget } from "../domain/target.ts";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const WORKLOAD_KINDS: Record<string, WorkloadTarget["kind"]> = {
  deployment: "Deployment",
  deployments: "Deployment",
  deploy: "Deployment",
  statefulset: "StatefulSet",
  statefulsets: "StatefulSet",
  sts: "StatefulSet",
};

/** `<namespace>/<name>` or `<namespace>/<kind>/<name>`. */
export function parseWorkloadTarget(text: string | undefined, topic: CommandName): WorkloadTarget {
  if (!text) {
    throw new UsageError(`${topic} needs a workload as <namespace>/<deployment>, e.g. shop/checkout`, topic);
  }
  const parts = text.split("/");
  let kind: WorkloadTarget["kind"] = "Deployment";
  let namespace: string | undefined;
  let name: string | undefined;
  if (parts.length === 2) {
    [namespace, name] = parts;
  } else if (parts.length === 3) {
    const kindText = parts[1]?.toLowerCase() ?? "";
    const known = WORKLOAD_KINDS[kindText];
    if (!known) {
      throw new UsageError(
        `unknown workload kind '${parts[1]}' in '${text}'; use deployment or statefulset (e.g. shop/statefulset/db)`,
        topic,
      );
    }
    kind = known;
    [namespace, , name] = parts;
  } else {
    throw new UsageError(
      `${topic} needs a workload as <namespace>/<deployment>, e.g. shop/checkout; got '${text}'`,
      topic,
    );
  }
  if (!namespace || namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw new UsageError(
      `'${namespace}' is not a namespace name (lowercase letters, digits and '-', at most 63); got '${text}'`,
      topic,
    );
  }
  if (!name || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new UsageError(
      `'${name}' is not a ${kind} name (lowercase letters, digits, '-' and '.'); got '${text}'`,
      topic,
    );
  }
  return { kind, namespace, name };
}

/** A node's name or its EC2 instance id (`i-...`), as given. */
export function parseNodeName(text: string | undefined, topic: CommandName): string {
  if (!text) throw new UsageError(`${topic} needs a node name or an EC2 instance id (i-...)`, topic);
  if (text.startsWith("i-") && !isInstanceId(text)) {
    throw new UsageError(
      `'${text}' looks like an EC2 instance id but is not one (i- and 8 or 17 hex digits)`,
      topic,
    );
  }
  if (text.length > 253 || !DNS_SUBDOMAIN.test(text)) {
    throw new UsageError(`'${text}' is not a node name or an EC2 instance id`, topic);
  }
  return text;
}

/** A workload (it has a `/`) or a node; a node given by instance id keeps it as `instanceId`. */
export function parseTarget(text: string | undefined, topic: CommandName): Target {
  if (text === undefined) {
    throw new UsageError(`${topic} needs <namespace>/<deployment> or a node name or instance id`, topic);
  }
  if (text.includes("/")) return parseWorkloadTarget(text, topic);
  if (isInstanceId(text)) return { kind: "Node", name: text, instanceId: text };
  return { kind: "Node", name: parseNodeName(text, topic) };
}
