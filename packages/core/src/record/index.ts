// The record stage: an audit record for each action that ran or was held back, handed to each sink
// (the state store's audit log, the result bus, and next Slack), each failing on its own.
export type { AuditRecord } from "../state/audit-log.ts";
export type { AuditContext } from "./audit-record.ts";
export {
  auditRecordFromResult,
  auditRecordId,
  skippedAuditRecord,
  summarizeTrigger,
} from "./audit-record.ts";
export { AuditPublishError } from "./errors.ts";
export type { ResultEventDetail } from "./event-bus.ts";
export { publishResult, resultDetailTypes, resultEventEntry, resultEventSource } from "./event-bus.ts";
export type { RecordedAction, RecordReport, SinkFailure } from "./record.ts";
export { auditRecordsOf, writeRecords } from "./record.ts";
export type { ResultSink } from "./sinks.ts";
export { auditLogSink, eventBusSink } from "./sinks.ts";
