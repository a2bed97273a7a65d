/**
 * The state store: a small key-value contract with the conditional operations that make duplicate
 * and concurrent deliveries safe. Two implementations pass one contract suite: DynamoDB (single
 * table, TTL, conditional writes) for Lambda, and an embedded one (node:sqlite) for local runs.
 * The domain records (idempotency keys, cooldowns, budgets, prior replicas, approvals, audit, Slack
 * threads) are built on these primitives once, in this folder, not per backend.
 *
 * Keys are strings like `event#<id>`, `cooldown#<cluster>#<target>`; a `prefix` groups records for
 * `list`. Every record may expire (`expiresAt`, epoch seconds): an expired record reads as absent,
 * and conditions treat it as absent too (a record is live while `expiresAt` is unset or later than
 * now). Values round-trip through JSON in every backend, so they must be JSON-serializable (no
 * Dates, Maps or `undefined` inside arrays).
 */
export interface StoredRecord<V = unknown> {
  key: string;
  value: V;
  /** Epoch seconds; absent = never expires. */
  expiresAt?: number;
  /**
   * An opaque token for compare-and-set (`ifVersion`), new with every write. It never repeats for a
   * key, not even after the record was deleted or expired and the key written again, so a condition
   * on a version read earlier fails once anyone else wrote in between. Compare it only for equality.
   */
  version: string;
}

export interface ListOptions {
  /** At most this many live records. */
  limit?: number;
  /** Only keys at or after this one (byte order of the UTF-8 key, like DynamoDB sort keys). */
  from?: string;
  /** Newest first: descending key order (`from` then bounds from below, as in ascending order). */
  reverse?: boolean;
}

/**
 * How `addToBoundedSet` stores a set at its key (what `get` returns for that key): each member
 * mapped to its own `expiresAt` (epoch seconds). The record's `expiresAt` is the latest member's,
 * so a set whose members all expired disappears like any other record.
 */
export type BoundedSetValue = Record<string, number>;

export interface PutOptions {
  expiresAt?: number;
  /** Write only when no live (unexpired) record has this key. */
  ifAbsent?: boolean;
  /** Write only when the live record has exactly this version (compare-and-set). */
  ifVersion?: string;
}

export interface StateStore {
  get<V>(key: string): Promise<StoredRecord<V> | undefined>;
  /** Returns the written record, or `undefined` when a condition (ifAbsent / ifVersion) failed. */
  put<V>(key: string, value: V, options?: PutOptions): Promise<StoredRecord<V> | undefined>;
  delete(key: string): Promise<void>;
  /** Live records whose key starts with `prefix`, in key order. */
  list<V>(prefix: string, options?: ListOptions): Promise<StoredRecord<V>[]>;
  /**
   * Atomically add `member` to the set at `key` when the set has fewer than `max` live members
   * (members expire individually at their `expiresAt`). Already a member: succeeds without change.
   * Returns whether it is (now) a member, and the live members after the call (sorted).
   * Members whose `expiresAt` is not after `now` are dropped; a re-added member keeps its expiry.
   */
  addToBoundedSet(
    key: string,
    member: string,
    max: number,
    options: { expiresAt: number; now: number },
  ): Promise<{ added: boolean; members: string[] }>;
  removeFromSet(key: string, member: string): Promise<void>;
  close?(): Promise<void>;
}
