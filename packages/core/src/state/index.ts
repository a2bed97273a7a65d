// The state store (two backends, one contract) and the domain records built on it. The contract
// suite (`./contract.ts`) is test-only and imports vitest, so it is not exported here.
export type { AuditRecord } from "./audit-log.ts";
export { defaultAuditRetentionDays, listAudit, putAudit, readAudit } from "./audit-log.ts";
export type { DynamoStateStoreOptions } from "./dynamodb.ts";
export { createStateTable, DynamoStateStore, stateTableSchema } from "./dynamodb.ts";
export type { StateStoreErrorCode } from "./errors.ts";
export { StateStoreError } from "./errors.ts";
export { stateKeys } from "./keys.ts";
export type {
  Approval,
  ApprovalDecision,
  CooldownResult,
  IncidentThread,
  NotificationClaim,
  RememberedReplicas,
  ResolveApprovalResult,
  WorkloadRef,
} from "./records.ts";
export {
  acquireCooldown,
  claimEvent,
  claimNotification,
  completeNotification,
  describeApprovalRequest,
  disruptionHolders,
  forgetReplicas,
  getApproval,
  getThread,
  listThreads,
  priorReplicas,
  recordPendingApproval,
  releaseClaim,
  releaseDisruption,
  releaseNotification,
  rememberReplicas,
  reserveDisruption,
  resolveApproval,
  writeThread,
} from "./records.ts";
export type { SqliteStateStoreOptions } from "./sqlite.ts";
export { SqliteStateStore } from "./sqlite.ts";
export type { BoundedSetValue, ListOptions, PutOptions, StateStore, StoredRecord } from "./store.ts";
