/**
 * The project's own EventBridge bus. Every action result (audit record) is published here, so Slack
 * notification and anyone else (a SIEM, a dashboard, another team) can subscribe without touching the
 * functions. AWS service events (alarms, EC2, Health, Auto Scaling) arrive on the account's *default*
 * bus instead; their rules live in stacks/triggers.ts.
 */
export function createResultBus(): sst.aws.Bus {
  return new sst.aws.Bus("Results");
}
