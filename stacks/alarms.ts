import { physicalName } from "./config.ts";
import { functionName, type HomeostatFunctions } from "./functions.ts";
import type { HandlerKey } from "./handlers.ts";

/**
 * Alarms on Homeostat itself: automation that fails quietly is worse than none. Any handler error
 * and any message in the dead-letter queue (an event nobody handled) notify the ops topic.
 *
 * Their names start with `homeostat-<stage>-`, which the alarm rule in stacks/triggers.ts excludes,
 * so Homeostat never reacts to its own alarms.
 */
export interface OpsAlarmInputs {
  functions: HomeostatFunctions;
  deadLetterQueueName: $util.Input<string>;
  /** Subscribed to the ops topic when set (the address must confirm the subscription). */
  opsEmail: string | undefined;
}

export interface OpsAlarms {
  topic: sst.aws.SnsTopic;
  alarms: aws.cloudwatch.MetricAlarm[];
}

export function createOpsAlarms(inputs: OpsAlarmInputs): OpsAlarms {
  const topic = new sst.aws.SnsTopic("OpsAlerts");
  if (inputs.opsEmail) {
    new aws.sns.TopicSubscription("OpsAlertsEmail", {
      topic: topic.arn,
      protocol: "email",
      endpoint: inputs.opsEmail,
    });
  }
  const notify = { alarmActions: [topic.arn], okActions: [topic.arn] };

  const functionAlarms = (Object.keys(inputs.functions) as HandlerKey[]).map(
    (key) =>
      new aws.cloudwatch.MetricAlarm(`Alarm-${key}-errors`, {
        // function names already start with homeostat-<stage>-, the prefix the alarm rule excludes
        name: `${functionName(key)}-errors`,
        alarmDescription: `Homeostat's ${functionName(key)} function failed: read its log group, and the dead-letter queue for the event`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: inputs.functions[key].name },
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // no invocations is not a failure
        treatMissingData: "notBreaching",
        ...notify,
      }),
  );

  const deadLetters = new aws.cloudwatch.MetricAlarm("Alarm-dead-letters", {
    name: physicalName("dead-letters-not-empty"),
    alarmDescription:
      "Events Homeostat could not handle are waiting in its dead-letter queue: inspect them, then replay with `homeostat invoke` or delete them",
    namespace: "AWS/SQS",
    metricName: "ApproximateNumberOfMessagesVisible",
    dimensions: { QueueName: inputs.deadLetterQueueName },
    statistic: "Maximum",
    period: 300,
    evaluationPeriods: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
    ...notify,
  });

  return { topic, alarms: [...functionAlarms, deadLetters] };
}
