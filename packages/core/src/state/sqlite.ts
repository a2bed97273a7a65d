import { DatabaseSync, type StatementSync } from "node:sqlite";
import { assertValidKey, assertValidPutOptions } from "./errors.ts";
import {
  epochSeconds,
  isLive,
  liveMembers,
  newVersion,
  setExpiry,
  sortedMembers,
  toJson,
} from "./internal.ts";
import type { BoundedSetValue, ListOptions, PutOptions, StateStore, StoredRecord } from "./store.ts";

export interface SqliteStateStoreOptions {
  /** A file path, or ":memory:" (the default) for a store that lives as long as the process. */
  path?: string;
  /** Epoch milliseconds; decides which records have expired. Defaults to `Date.now`. */
  clock?: () => number;
  /** How long a writer waits for another process holding the database file (ms). */
  busyTimeoutMs?: number;
}

interface Row {
  key: string;
  value: string;
  expires_at: number | null;
  /** A token from `newVersion`; an integer in rows written before versions were tokens. */
  version: string | number;
}

/**
 * The embedded state store for local runs (`homeostat invoke`, the CLI, unit-speed tests), on
 * `node:sqlite`. Every conditional operation reads and writes inside one `BEGIN IMMEDIATE`
 * transaction, so it is atomic against other processes sharing the file as well; inside one process
 * the synchronous driver already serializes calls.
 *
 * @example
 * ```ts
 * const store = new SqliteStateStore({ path: ".homeostat/state.db" });
 * await store.put("event#abc", { at: Date.now() }, { ifAbsent: true, expiresAt: Date.now() / 1000 + 3600 });
 * ```
 */
export class SqliteStateStore implements StateStore {
  readonly #db: DatabaseSync;
  readonly #clock: () => number;
  readonly #select: StatementSync;
  readonly #upsert: StatementSync;
  readonly #delete: StatementSync;
  readonly #purge: StatementSync;
  readonly #listAscending: StatementSync;
  readonly #listDescending: StatementSync;

  constructor(options: SqliteStateStoreOptions = {}) {
    const path = options.path ?? ":memory:";
    this.#clock = options.clock ?? Date.now;
    this.#db = new DatabaseSync(path);
    this.#db.exec(`PRAGMA busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
    if (path !== ":memory:") this.#db.exec("PRAGMA journal_mode = WAL");
    this.#db.exec(`CREATE TABLE IF NOT EXISTS state (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL,
      expires_at REAL,
      version TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.#select = this.#db.prepare("SELECT key, value, expires_at, version FROM state WHERE key = ?");
    this.#upsert = this.#db.prepare(
      `INSERT INTO state (key, value, expires_at, version) VALUES (?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, version = excluded.version`,
    );
    this.#delete = this.#db.prepare("DELETE FROM state WHERE key = ?");
    // substr/length count characters in SQLite itself, so multi-byte prefixes match exactly; `key >=`
    // compares UTF-8 bytes (BINARY collation), the same order DynamoDB uses for sort keys.
    const list = (order: "ASC" | "DESC") =>
      this.#db.prepare(
        `SELECT key, value, expires_at, version FROM state
         WHERE substr(key, 1, length(?)) = ? AND key >= ? AND (expires_at IS NULL OR expires_at > ?)
         ORDER BY key ${order} LIMIT ?`,
      );
    this.#listAscending = list("ASC");
    this.#listDescending = list("DESC");
    this.#purge = this.#db.prepare("DELETE FROM state WHERE expires_at IS NOT NULL AND expires_at <= ?");
  }

  async get<V>(key: string): Promise<StoredRecord<V> | undefined> {
    assertValidKey(key);
    const row = this.#row(key);
    return row && isLive(row.expires_at, this.#now()) ? toRecord<V>(row) : undefined;
  }

  async put<V>(key: string, value: V, options: PutOptions = {}): Promise<StoredRecord<V> | undefined> {
    assertValidKey(key);
    assertValidPutOptions(options);
    const json = toJson(key, value);
    return this.#transaction(() => {
      const row = this.#row(key);
      const live = row !== undefined && isLive(row.expires_at, this.#now());
      if (options.ifAbsent && live) return undefined;
      const sameVersion = live && String(row.version) === options.ifVersion;
      if (options.ifVersion !== undefined && !sameVersion) return undefined;
      const version = newVersion();
      this.#upsert.run(key, json, options.expiresAt ?? null, version);
      return toRecord<V>({ key, value: json, expires_at: options.expiresAt ?? null, version });
    });
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    this.#delete.run(key);
  }

  async list<V>(prefix: string, options: ListOptions = {}): Promise<StoredRecord<V>[]> {
    const statement = options.reverse ? this.#listDescending : this.#listAscending;
    const rows = statement.all(
      prefix,
      prefix,
      options.from ?? "",
      this.#now(),
      options.limit ?? -1,
    ) as unknown as Row[];
    return rows.map((row) => toRecord<V>(row));
  }

  async addToBoundedSet(
    key: string,
    member: string,
    max: number,
    options: { expiresAt: number; now: number },
  ): Promise<{ added: boolean; members: string[] }> {
    assertValidKey(key);
    return this.#transaction(() => {
      const row = this.#row(key);
      const members: BoundedSetValue =
        row && isLive(row.expires_at, options.now) ? liveMembers(JSON.parse(row.value), options.now) : {};
      if (member in members) return { added: true, members: sortedMembers(members) };
      if (Object.keys(members).length >= max) return { added: false, members: sortedMembers(members) };
      members[member] = options.expiresAt;
      this.#upsert.run(key, JSON.stringify(members), setExpiry(members) ?? null, newVersion());
      return { added: true, members: sortedMembers(members) };
    });
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    assertValidKey(key);
    this.#transaction(() => {
      const row = this.#row(key);
      if (!row) return;
      const members = JSON.parse(row.value) as BoundedSetValue;
      if (!(member in members)) return;
      delete members[member];
      const remaining = liveMembers(members, this.#now());
      if (Object.keys(remaining).length === 0) this.#delete.run(key);
      else this.#upsert.run(key, JSON.stringify(remaining), setExpiry(remaining) ?? null, newVersion());
    });
  }

  /** Deletes expired rows (they already read as absent); returns how many. Local files only grow otherwise. */
  async purgeExpired(): Promise<number> {
    return Number(this.#purge.run(this.#now()).changes);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  #now(): number {
    return epochSeconds(this.#clock);
  }

  #row(key: string): Row | undefined {
    return this.#select.get(key) as Row | undefined;
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = work();
      this.#db.exec("COMMIT");
      return result;
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }
}

function toRecord<V>(row: Row): StoredRecord<V> {
  const record: StoredRecord<V> = {
    key: row.key,
    value: JSON.parse(row.value) as V,
    version: String(row.version),
  };
  if (row.expires_at !== null) record.expiresAt = row.expires_at;
  return record;
}
