import { randomUUID } from "node:crypto";
import { StateStoreError } from "./errors.ts";
import type { BoundedSetValue } from "./store.ts";

/**
 * A fresh version for a write: random, so it never repeats for a key, not even after the record was
 * deleted or expired and written again (a counter would restart there, and a compare-and-set with a
 * version read before could then pass against a different record).
 */
export function newVersion(): string {
  return randomUUID();
}

/** Epoch seconds (fractional) from a clock in epoch milliseconds. */
export function epochSeconds(clock: () => number): number {
  return clock() / 1000;
}

/** Live while it never expires or expires after `now` (epoch seconds). */
export function isLive(expiresAt: number | null | undefined, now: number): boolean {
  return expiresAt === null || expiresAt === undefined || expiresAt > now;
}

/**
 * Keys compare by their UTF-8 bytes in both backends (SQLite BINARY collation, DynamoDB sort keys);
 * JavaScript's `<` compares UTF-16 code units, which orders some characters differently.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function toJson(key: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new StateStoreError(
      "invalid",
      `put ${key}: the value is not JSON-serializable (undefined, a function or a symbol); store plain data.`,
    );
  }
  return json;
}

/** The live members of a stored set (members expire one by one). */
export function liveMembers(value: unknown, now: number): BoundedSetValue {
  const members: BoundedSetValue = {};
  if (value === null || typeof value !== "object") return members;
  for (const [member, expiresAt] of Object.entries(value)) {
    if (typeof expiresAt === "number" && expiresAt > now) members[member] = expiresAt;
  }
  return members;
}

/** The set record lives as long as its longest-lived member. */
export function setExpiry(members: BoundedSetValue): number | undefined {
  const expiries = Object.values(members);
  return expiries.length === 0 ? undefined : Math.max(...expiries);
}

export function sortedMembers(members: BoundedSetValue): string[] {
  return Object.keys(members).sort(compareKeys);
}
