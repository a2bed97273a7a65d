import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { assertValidKey, assertValidPutOptions, StateStoreError } from "./errors.ts";
import {
  compareKeys,
  epochSeconds,
  isLive,
  liveMembers,
  newVersion,
  setExpiry,
  sortedMembers,
  toJson,
} from "./internal.ts";
import type { BoundedSetValue, ListOptions, PutOptions, StateStore, StoredRecord } from "./store.ts";

/**
 * The one table the infrastructure must create (stacks/state): partition key `pk` (string), sort key
 * `sk` (string), TTL on `expiresAt` (number, epoch seconds), on-demand billing. Items also carry
 * `value` (string: the JSON of the stored value) and `version` (string: a random token per write).
 *
 * `pk` is the key's first `#`-separated segment (`event`, `cooldown`, `audit`, …) and `sk` the whole
 * key, so `list(prefix)` is one Query within a partition. A single DynamoDB partition key serves
 * about 1,000 writes a second — far above what one account's cluster events produce.
 */
export const stateTableSchema = {
  partitionKey: "pk",
  sortKey: "sk",
  ttlAttribute: "expiresAt",
} as const;

export interface DynamoStateStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Epoch milliseconds; decides which records have expired. Defaults to `Date.now`. */
  clock?: () => number;
  /** Read-and-conditional-write rounds a set operation tries before giving up (default 64). */
  maxSetAttempts?: number;
}

interface Item {
  pk: string;
  sk: string;
  value: string;
  /** A token from `newVersion`; a number (a count) in items written before versions were tokens. */
  version: string | number;
  expiresAt?: number;
}

/**
 * The state store for Lambda: one DynamoDB table (see `stateTableSchema`). Conditional writes make
 * `ifAbsent` and `ifVersion` atomic; DynamoDB deletes expired items late (up to days), so reads and
 * conditions also treat an item whose `expiresAt` has passed as absent.
 *
 * @example
 * ```ts
 * const store = new DynamoStateStore({ client: new DynamoDBClient({}), tableName: Resource.State.name });
 * const first = await store.put("event#abc", {}, { ifAbsent: true, expiresAt: Date.now() / 1000 + 3600 });
 * ```
 */
export class DynamoStateStore implements StateStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: () => number;
  readonly #maxSetAttempts: number;

  constructor(options: DynamoStateStoreOptions) {
    this.#doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.#table = options.tableName;
    this.#clock = options.clock ?? Date.now;
    this.#maxSetAttempts = options.maxSetAttempts ?? 64;
  }

  async get<V>(key: string): Promise<StoredRecord<V> | undefined> {
    assertValidKey(key);
    const item = await this.#getItem(key);
    return item && isLive(item.expiresAt, this.#now()) ? toRecord<V>(item) : undefined;
  }

  async put<V>(key: string, value: V, options: PutOptions = {}): Promise<StoredRecord<V> | undefined> {
    assertValidKey(key);
    assertValidPutOptions(options);
    const names: Record<string, string> = { "#value": "value", "#version": "version", "#exp": "expiresAt" };
    const values: Record<string, unknown> = { ":value": toJson(key, value), ":version": newVersion() };
    let update = "SET #value = :value, #version = :version";
    if (options.expiresAt === undefined) update += " REMOVE #exp";
    else {
      update += ", #exp = :exp";
      values[":exp"] = options.expiresAt;
    }
    let condition: string | undefined;
    if (options.ifAbsent) {
      // An expired item may linger until DynamoDB's TTL sweep: it counts as absent.
      condition = "attribute_not_exists(pk) OR #exp <= :now";
      values[":now"] = this.#now();
    } else if (options.ifVersion !== undefined) {
      condition = "#version = :expected AND (attribute_not_exists(#exp) OR #exp > :now)";
      values[":expected"] = storedVersion(options.ifVersion);
      values[":now"] = this.#now();
    }
    try {
      const output = await this.#doc.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: itemKey(key),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return toRecord<V>(output.Attributes as Item);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw this.#failure("put", key, error);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    try {
      await this.#doc.send(new DeleteCommand({ TableName: this.#table, Key: itemKey(key) }));
    } catch (error) {
      throw this.#failure("delete", key, error);
    }
  }

  async list<V>(prefix: string, options: ListOptions = {}): Promise<StoredRecord<V>[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return [];
    const now = this.#now();
    const from = options.from !== undefined && compareKeys(options.from, prefix) > 0 ? options.from : prefix;
    const records: StoredRecord<V>[] = [];
    const keep = (item: Item): boolean => {
      if (isLive(item.expiresAt, now)) records.push(toRecord<V>(item));
      return records.length < limit;
    };

    if (!prefix.includes("#")) {
      // The prefix may span partitions (`audit` matches `audit#…` and `auditor#…`): only a Scan sees them all.
      const items: Item[] = [];
      let start: ScanCommandInput["ExclusiveStartKey"];
      do {
        const page = await this.#send("list", prefix, () =>
          this.#doc.send(
            new ScanCommand({
              TableName: this.#table,
              FilterExpression: "begins_with(sk, :prefix) AND sk >= :from",
              ExpressionAttributeValues: { ":prefix": prefix, ":from": from },
              ExclusiveStartKey: start,
              ConsistentRead: true,
            }),
          ),
        );
        items.push(...((page.Items ?? []) as Item[]));
        start = page.LastEvaluatedKey;
      } while (start);
      items.sort((a, b) => (options.reverse ? compareKeys(b.sk, a.sk) : compareKeys(a.sk, b.sk)));
      for (const item of items) if (!keep(item)) break;
      return records;
    }

    // Ascending: start at `from` and stop at the first key past the prefix. Descending: begins_with,
    // newest first, and stop below `from`.
    const input: QueryCommandInput = options.reverse
      ? {
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": partitionOf(prefix), ":prefix": prefix },
          ScanIndexForward: false,
          ConsistentRead: true,
        }
      : {
          TableName: this.#table,
          KeyConditionExpression: "pk = :pk AND sk >= :from",
          ExpressionAttributeValues: { ":pk": partitionOf(prefix), ":from": from },
          ConsistentRead: true,
        };
    let start: QueryCommandInput["ExclusiveStartKey"];
    do {
      const page = await this.#send("list", prefix, () =>
        this.#doc.send(
          new QueryCommand({
            ...input,
            ExclusiveStartKey: start,
            // Read about as many items as still wanted (a few more for expired ones) rather than 1 MB pages.
            Limit: Number.isFinite(limit) ? Math.min(limit - records.length + 10, 1000) : undefined,
          }),
        ),
      );
      for (const item of (page.Items ?? []) as Item[]) {
        if (!item.sk.startsWith(prefix) || compareKeys(item.sk, from) < 0) return records;
        if (!keep(item)) return records;
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }

  async addToBoundedSet(
    key: string,
    member: string,
    max: number,
    options: { expiresAt: number; now: number },
  ): Promise<{ added: boolean; members: string[] }> {
    assertValidKey(key);
    // Read, decide, then write only if nobody wrote in between (version CAS); on a lost race, re-read.
    for (let attempt = 0; attempt < this.#maxSetAttempts; attempt++) {
      const item = await this.#getItem(key);
      const members: BoundedSetValue =
        item && isLive(item.expiresAt, options.now) ? liveMembers(JSON.parse(item.value), options.now) : {};
      if (member in members) return { added: true, members: sortedMembers(members) };
      if (Object.keys(members).length >= max) return { added: false, members: sortedMembers(members) };
      members[member] = options.expiresAt;
      if (await this.#writeSet(key, item, members)) return { added: true, members: sortedMembers(members) };
      await backoff(attempt);
    }
    throw this.#contention(key);
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    assertValidKey(key);
    for (let attempt = 0; attempt < this.#maxSetAttempts; attempt++) {
      const item = await this.#getItem(key);
      if (!item) return;
      const stored = JSON.parse(item.value) as BoundedSetValue;
      if (!(member in stored)) return;
      delete stored[member];
      if (await this.#writeSet(key, item, liveMembers(stored, this.#now()))) return;
      await backoff(attempt);
    }
    throw this.#contention(key);
  }

  /** Writes the set if the item is still the one read (`previous`); false when someone else won. */
  async #writeSet(key: string, previous: Item | undefined, members: BoundedSetValue): Promise<boolean> {
    const condition = previous
      ? {
          ConditionExpression: "#version = :expected",
          ExpressionAttributeValues: { ":expected": previous.version },
        }
      : { ConditionExpression: "attribute_not_exists(pk)", ExpressionAttributeValues: undefined };
    const expiresAt = setExpiry(members);
    try {
      if (expiresAt === undefined) {
        await this.#doc.send(
          new DeleteCommand({
            TableName: this.#table,
            Key: itemKey(key),
            ExpressionAttributeNames: previous ? { "#version": "version" } : undefined,
            ...condition,
          }),
        );
      } else {
        const item: Item = {
          ...itemKey(key),
          value: JSON.stringify(members),
          version: newVersion(),
          expiresAt,
        };
        await this.#doc.send(
          new PutCommand({
            TableName: this.#table,
            Item: item,
            ExpressionAttributeNames: previous ? { "#version": "version" } : undefined,
            ...condition,
          }),
        );
      }
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw this.#failure("set update", key, error);
    }
  }

  async #getItem(key: string): Promise<Item | undefined> {
    const output = await this.#send("get", key, () =>
      this.#doc.send(new GetCommand({ TableName: this.#table, Key: itemKey(key), ConsistentRead: true })),
    );
    return output.Item as Item | undefined;
  }

  async #send<T>(operation: string, key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw this.#failure(operation, key, error);
    }
  }

  #now(): number {
    return epochSeconds(this.#clock);
  }

  #failure(operation: string, key: string, error: unknown): StateStoreError {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof Error && THROTTLING_ERRORS.has(error.name)) {
      // not a setup problem: telling the reader to check the table and the role would mislead them
      return new StateStoreError(
        "unavailable",
        `DynamoDB ${operation} of "${key}" in table "${this.#table}" was throttled after the SDK's retries ` +
          `(${reason}); a retry of the event can succeed. If it keeps happening, the table needs more capacity.`,
        { cause: error },
      );
    }
    return new StateStoreError(
      "unavailable",
      `DynamoDB ${operation} of "${key}" in table "${this.#table}" failed (${reason}). Check that the table exists ` +
        `with string keys pk (partition) and sk (sort), and that the function's role may read and write it.`,
      { cause: error },
    );
  }

  #contention(key: string): StateStoreError {
    return new StateStoreError(
      "contention",
      `The set "${key}" kept changing under us for ${this.#maxSetAttempts} attempts; too many writers at once. ` +
        "Retry the event, or raise maxSetAttempts.",
    );
  }
}

/**
 * Creates the state table (on-demand, TTL on `expiresAt`) and waits until it is active — for tests
 * and local DynamoDB; the deployed table comes from the SST stack. Already existing is fine.
 */
export async function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: stateTableSchema.partitionKey, AttributeType: "S" },
          { AttributeName: stateTableSchema.sortKey, AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: stateTableSchema.partitionKey, KeyType: "HASH" },
          { AttributeName: stateTableSchema.sortKey, KeyType: "RANGE" },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (ttl.TimeToLiveDescription?.TimeToLiveStatus === "ENABLED") return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: stateTableSchema.ttlAttribute, Enabled: true },
    }),
  );
}

function partitionOf(key: string): string {
  const hash = key.indexOf("#");
  return hash === -1 ? key : key.slice(0, hash);
}

function itemKey(key: string): { pk: string; sk: string } {
  return { pk: partitionOf(key), sk: key };
}

function toRecord<V>(item: Item): StoredRecord<V> {
  const record: StoredRecord<V> = {
    key: item.sk,
    value: JSON.parse(item.value) as V,
    version: String(item.version),
  };
  if (item.expiresAt !== undefined) record.expiresAt = item.expiresAt;
  return record;
}

/**
 * The version as the item stores it. Items written before versions were tokens hold a count (a
 * number), read as its decimal string; a token is never all digits, so the two cannot be confused.
 */
function storedVersion(version: string): string | number {
  return /^\d+$/.test(version) ? Number(version) : version;
}

/** Jittered exponential backoff (capped at ~100 ms) so concurrent set writers spread out. */
/** DynamoDB's answers for "too many requests right now" (not a problem with the table or the role). */
const THROTTLING_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
]);

function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(100, 5 * 2 ** Math.min(attempt, 5));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
