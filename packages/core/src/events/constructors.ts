/**
 * Triggers made in-process rather than parsed from AWS: a stalled rollout found by the rollout
 * guard, and a command from a person (CLI, Slack).
 */
import { randomUUID } from "node:crypto";
import type { CommandTrigger, RolloutStalledTrigger } from "./trigger.ts";

/** A constructor was given something that cannot make a valid trigger (a programming error upstream). */
export class TriggerInputError extends Error {
  override readonly name = "TriggerInputError";
}

function required(what: string, value: string, hint: string): string {
  const trimmed = value.trim();
  if (!trimmed) throw new TriggerInputError(`${what} is empty: ${hint}`);
  return trimmed;
}

export interface RolloutStalledInput {
  namespace: string;
  deployment: string;
  /** Why the guard thinks the rollout stalled, for people (e.g. the ProgressDeadlineExceeded message). */
  reason: string;
  /** The Deployment revision that stalled (`deployment.kubernetes.io/revision`). */
  revision?: number;
  region?: string;
  account?: string;
  now?: Date;
}

/**
 * The trigger for a stalled rollout. Its id names the deployment and revision, so every periodic
 * scan that finds the same stalled revision yields the same id and the guard acts once.
 *
 * @example
 * rolloutStalledTrigger({ namespace: "shop", deployment: "checkout", revision: 7,
 *   reason: 'Progressing=False: ProgressDeadlineExceeded: ReplicaSet "checkout-5d9c" has timed out progressing.' })
 * // { kind: "rollout-stalled", id: "rollout-stalled:shop/checkout@7", … }
 */
export function rolloutStalledTrigger(input: RolloutStalledInput): RolloutStalledTrigger {
  const namespace = required("namespace", input.namespace, "name the Deployment's namespace");
  const deployment = required("deployment", input.deployment, "name the Deployment that stalled");
  const reason = required("reason", input.reason, "say why the rollout is considered stalled");
  if (input.revision !== undefined && (!Number.isInteger(input.revision) || input.revision < 0)) {
    throw new TriggerInputError(`revision must be a non-negative integer, got ${input.revision}`);
  }
  const trigger: RolloutStalledTrigger = {
    id: `rollout-stalled:${namespace}/${deployment}@${input.revision ?? "unknown"}`,
    time: (input.now ?? new Date()).toISOString(),
    origin: "rollout-guard",
    kind: "rollout-stalled",
    namespace,
    deployment,
    reason,
  };
  if (input.revision !== undefined) trigger.revision = input.revision;
  if (input.region !== undefined) trigger.region = input.region;
  if (input.account !== undefined) trigger.account = input.account;
  return trigger;
}

export interface CommandInput {
  /** Who asked: a CLI user name or a Slack user id. */
  actor: string;
  /** The command in the shared grammar, e.g. `scale shop/checkout +3`. */
  text: string;
  /** An id from the caller (a Slack trigger_id); a random one otherwise, since each command is new. */
  id?: string;
  /** `cli` (default) or `slack`. */
  origin?: string;
  now?: Date;
}

/**
 * The trigger for a command from a person.
 *
 * @example
 * commandTrigger({ actor: "alice", text: "scale shop/checkout +3" })
 */
export function commandTrigger(input: CommandInput): CommandTrigger {
  const actor = required("actor", input.actor, "say who is asking (a user name or Slack user id)");
  const text = required("command text", input.text, "give a command such as `scale shop/checkout +3`");
  const id =
    input.id === undefined ? `command:${randomUUID()}` : required("id", input.id, "omit it for a random id");
  return {
    id,
    time: (input.now ?? new Date()).toISOString(),
    origin: input.origin ?? "cli",
    kind: "command",
    actor,
    text,
  };
}
