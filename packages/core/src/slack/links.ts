// The console links a responder wants next to a result: the alarm, the instance, and the logs of the
// function that acted, filtered to this event's correlation id (the trigger id).
import type { HandlerName } from "../domain/handlers.ts";
import type { AuditRecord } from "../state/audit-log.ts";

export interface ResultLinks {
  alarm?: string;
  instance?: string;
  logs?: string;
}

export interface LinkOptions {
  /** The AWS region, when the trigger does not say (the notify function's own). */
  region?: string;
  /**
   * What comes before a handler's name in its function name, e.g. `homeostat-prod-`: the log group
   * is `/aws/lambda/<prefix><handler>`. Without it there is no logs link.
   */
  functionNamePrefix?: string;
}

/** The handler that ran a trigger kind's pipeline (commands arrive through Slack's endpoint: none here). */
const handlerOf: Record<string, HandlerName | undefined> = {
  alarm: "alarm",
  instance: "node-events",
  schedule: "schedule",
  "rollout-stalled": "rollout-guard",
};

const consoleBase = (region: string) => `https://${region}.console.aws.amazon.com`;

/** The CloudWatch console's fragment encoding of a value: URI-encoded twice, `%` written as `$`. */
const fragment = (text: string) => encodeURIComponent(encodeURIComponent(text)).replace(/%/g, "$");

export function resultLinks(record: AuditRecord, options: LinkOptions = {}): ResultLinks {
  const trigger = record.trigger.detail;
  const region = trigger?.region ?? options.region;
  if (!region) return {};
  const links: ResultLinks = {};
  if (trigger?.kind === "alarm") {
    links.alarm = `${consoleBase(region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(trigger.alarmName)}`;
  }
  if (trigger?.kind === "instance") {
    links.instance = `${consoleBase(region)}/ec2/home?region=${region}#InstanceDetails:instanceId=${trigger.instanceId}`;
  }
  const handler = handlerOf[record.trigger.kind];
  if (handler && options.functionNamePrefix !== undefined) {
    const group = `/aws/lambda/${options.functionNamePrefix}${handler}`;
    links.logs = `${consoleBase(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${fragment(group)}/log-events$3FfilterPattern$3D${fragment(`"${record.trigger.id}"`)}`;
  }
  return links;
}
