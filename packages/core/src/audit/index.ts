// Audit: building the record of each action and publishing it on the project's EventBridge bus.
// Storing and listing records lives with the other state records (state/audit-log.ts).
export type { AuditRecord } from "../state/audit-log.ts";
export { AuditPublishError } from "./errors.ts";
export type { ResultEventDetail } from "./publish.ts";
export { publishResult, resultDetailTypes, resultEventEntry, resultEventSource } from "./publish.ts";
export type { AuditContext } from "./record.ts";
export { auditRecordFromResult, skippedAuditRecord, summarizeTrigger } from "./record.ts";
