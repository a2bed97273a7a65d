import { type Target, targetKey } from "../domain/target.ts";

/**
 * Every key the domain records use, in one place, so two writers of the same fact always meet on
 * the same key. The first `#` segment is the record kind (the DynamoDB partition).
 */
export const stateKeys = {
  /** An event handled once, by its delivery id. */
  event: (eventId: string) => `event#${eventId}`,
  /** One action on one node, whichever of the several events about that instance asked for it. */
  nodeAction: (cluster: string, node: string, action: string) => `node#${cluster}#${node}#${action}`,
  /**
   * One planned action of one event that has run: a redelivery (a retry after another action of the
   * same event failed) skips it instead of running it twice.
   */
  actionDone: (cluster: string, eventId: string, action: string) => `done#${cluster}#${eventId}#${action}`,
  /**
   * What one planned action of one event set out to do (the count a relative scale is based on, a
   * restart's stamp), written before it writes: every retry completes this intent instead of
   * computing a new one from a cluster its first attempt may already have changed.
   */
  intent: (cluster: string, eventId: string, action: string) => `intent#${cluster}#${eventId}#${action}`,
  /** A cooldown per target (and per policy, when given). */
  cooldown: (cluster: string, target: Target, policy?: string) =>
    `cooldown#${cluster}#${targetKey(target)}${policy === undefined ? "" : `#${policy}`}`,
  /** The set of nodes automation is cordoning or draining in a cluster right now. */
  disruption: (cluster: string) => `disruption#${cluster}`,
  replicas: (cluster: string, namespace: string, kind: string, name: string) =>
    `replicas#${cluster}#${namespace}#${kind}#${name}`,
  approval: (id: string) => `approval#${id}`,
  thread: (incidentKey: string) => `thread#${incidentKey}`,
  /** One result's Slack message: a redelivered result event posts nothing new. */
  notification: (recordId: string, recordTime: string) => `notified#${recordId}#${recordTime}`,
  /** ISO time first, so keys sort in time order. */
  audit: (isoTime: string, id: string) => `audit#${isoTime}#${id}`,
  /** Which `audit#` key holds the record of an audit id: what a Slack Undo button (its value) is read by. */
  auditById: (id: string) => `audit-id#${id}`,
} as const;
