import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { type AuditRecord, putAudit } from "../state/audit-log.ts";
import type { StateStore } from "../state/store.ts";
import { publishResult } from "./event-bus.ts";

/**
 * Where the record stage hands each audit record. Each sink fails on its own: one that throws is
 * logged and counted, and the others still get the record.
 */
export interface ResultSink {
  /** Names the sink in logs and failure reports. */
  name: string;
  write(record: AuditRecord): Promise<void>;
}

/** The audit log in the state store (90 days), where `homeostat history` and the buttons read. */
export function auditLogSink(store: StateStore): ResultSink {
  return {
    name: "audit-log",
    write: async (record) => {
      await putAudit(store, record);
    },
  };
}

/** Homeostat's result bus on EventBridge: the notify function and anyone else consume it there. */
export function eventBusSink(client: EventBridgeClient, busName: string): ResultSink {
  return {
    name: `event-bus ${busName}`,
    write: async (record) => {
      await publishResult(client, busName, record);
    },
  };
}
