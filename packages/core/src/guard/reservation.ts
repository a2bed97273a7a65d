import { stateKeys } from "../state/keys.ts";
import { releaseClaim, releaseDisruption } from "../state/records.ts";
import type { StateStore } from "../state/store.ts";
import { EVENT_CLAIM_TTL_SECONDS, eventClaimKey, plannedActionKey } from "./claims.ts";
import type { GuardedAction } from "./types.ts";

/** How one guarded action ended, as far as its claims are concerned. */
export interface ActionEnd {
  action: GuardedAction;
  ok: boolean;
}

/**
 * What the guard took in the state store for one trigger on one cluster — the event claim, node +
 * action claims, cooldowns, disruption budget places — and the only way to give it back. The whole
 * claim lifecycle lives here, so the pipeline never handles a key:
 * - `release(actions)` when the actions have ended: their budget places go back;
 * - `markDone(ends)` then `releaseForRetry(ends)` when a redelivery is asked for: what ran is marked
 *   done for this event (the redelivery skips it), and the event claim and the failed actions' claims
 *   go back (the redelivery may act on them);
 * - `releaseAll()` when the guard itself failed half-way.
 */
export class Reservation {
  /** Every claim taken, in order (the event's first). */
  readonly claims: string[] = [];
  /** Budget places taken by this run (a node another run already held is not among them). */
  readonly nodes: string[] = [];

  readonly #store: StateStore;
  readonly cluster: string;
  readonly triggerId: string;
  readonly dryRun: boolean;

  constructor(store: StateStore, cluster: string, triggerId: string, dryRun: boolean) {
    this.#store = store;
    this.cluster = cluster;
    this.triggerId = triggerId;
    this.dryRun = dryRun;
  }

  /** Gives back every action's budget places: call once the actions have ended, success or failure. */
  async release(actions: readonly Pick<GuardedAction, "reservedNodes">[]): Promise<void> {
    for (const action of actions) {
      for (const node of action.reservedNodes) await releaseDisruption(this.#store, this.cluster, node);
    }
  }

  /**
   * Marks each action that ran as done for this event, so a redelivery (after another action of the
   * event failed retryably) skips it instead of applying it twice.
   */
  async markDone(ends: readonly ActionEnd[], now: Date = new Date()): Promise<void> {
    const expiresAt = Math.floor(now.getTime() / 1000) + EVENT_CLAIM_TTL_SECONDS;
    for (const { action, ok } of ends) {
      if (!ok || action.dryRun) continue;
      const key = stateKeys.actionDone(this.cluster, this.triggerId, plannedActionKey(action));
      await this.#store.put(key, { at: now.toISOString() }, { expiresAt });
    }
  }

  /** Gives back the event claim and the failed actions' claims, so a redelivery acts on them. */
  async releaseForRetry(ends: readonly ActionEnd[]): Promise<void> {
    await releaseClaim(this.#store, eventClaimKey(this.cluster, this.triggerId, this.dryRun));
    // only the failed actions' node claims and cooldowns: what did run stays claimed (and marked done)
    for (const { action, ok } of ends) {
      if (ok) continue;
      for (const claim of action.claims) await releaseClaim(this.#store, claim);
    }
  }

  /** Gives back everything taken so far; best effort, for a guard that failed half-way. */
  async releaseAll(): Promise<void> {
    for (const claim of this.claims) await releaseClaim(this.#store, claim).catch(() => undefined);
    for (const node of this.nodes) {
      await releaseDisruption(this.#store, this.cluster, node).catch(() => undefined);
    }
  }

  /** In a plan printed as JSON: what is held, not how. */
  toJSON(): { claims: string[]; nodes: string[] } {
    return { claims: [...this.claims], nodes: [...this.nodes] };
  }
}
