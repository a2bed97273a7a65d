// Undo from Slack: a change's reply carries an Undo button whose value is only the id of a stored undo
// record (the record is authoritative: a button cannot carry an action). The click runs the undo as a
// command of the clicker's — the same authorization and guard as any command — under a trigger id of
// the record's, so a second click (or a redelivered job) finds it already handled and acts once.
import { randomBytes } from "node:crypto";
import { formatTarget } from "../../command/index.ts";
import type { UndoAction } from "../../domain/verb.ts";
import { type VerbRequest, verbCommandArgs } from "../../domain/verbs/index.ts";
import type { StateStore } from "../../state/store.ts";

/** How long an Undo button works. */
export const UNDO_LIFETIME_SECONDS = 24 * 3600;

export interface UndoRecord {
  id: string;
  cluster: string;
  /** The command that undoes the change, in the grammar: what the click runs. */
  text: string;
  /** What it undoes, for the reply. */
  undoes: string;
  requestedBy: string;
  createdAt: string;
}

const undoKey = (id: string) => `slack-undo#${id}`;

/** The undo as a command of the grammar: `scale shop/web 3`, `uncordon ip-10-0-1-2`. */
export function undoCommandText(undo: UndoAction): string {
  // an undo is the registry's own verb, target and params: TypeScript cannot pair them through the union
  const request = { verb: undo.verb, target: undo.target, params: undo.params } as VerbRequest;
  return [undo.verb, formatTarget(undo.target), ...verbCommandArgs(request)].join(" ");
}

export async function storeUndo(
  store: StateStore,
  fields: Omit<UndoRecord, "id" | "createdAt">,
  now: Date,
): Promise<UndoRecord> {
  const record: UndoRecord = { ...fields, id: randomBytes(8).toString("hex"), createdAt: now.toISOString() };
  await store.put(undoKey(record.id), record, {
    ifAbsent: true,
    expiresAt: Math.floor(now.getTime() / 1000) + UNDO_LIFETIME_SECONDS,
  });
  return record;
}

export async function loadUndo(store: StateStore, id: string): Promise<UndoRecord | undefined> {
  if (!/^[0-9a-f]{16}$/.test(id)) return undefined;
  return (await store.get<UndoRecord>(undoKey(id)))?.value;
}
