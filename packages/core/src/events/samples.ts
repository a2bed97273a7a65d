/**
 * A realistic event of each supported kind, in the shapes AWS documents (EventBridge event patterns
 * for CloudWatch, EC2, AWS Health and Auto Scaling; CloudWatch's SNS alarm message; Auto Scaling's
 * SQS hook message; Lambda's SQS and SNS event records), filled with EKS-flavoured values. Used by
 * `homeostat events sample <kind>` as a starting point and by the tests.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const sampleKinds = [
  "alarm",
  "alarm-metric-math",
  "alarm-composite",
  "alarm-sns",
  "spot-interruption",
  "rebalance-recommendation",
  "instance-state-change",
  "health-scheduled-change",
  "asg-terminate",
  "asg-terminate-sqs",
  "asg-terminate-sns",
  "asg-test-notification",
  "schedule",
] as const;

export type SampleKind = (typeof sampleKinds)[number];

export function isSampleKind(value: string): value is SampleKind {
  return (sampleKinds as readonly string[]).includes(value);
}

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

/** Instance ids the samples use (the spot sample's is also a node's providerID suffix in tests). */
export const sampleInstanceIds = {
  spot: "i-0a1b2c3d4e5f60718",
  rebalance: "i-0b1c2d3e4f5a60718",
  stateChange: "i-0c1d2e3f4a5b60718",
  healthA: "i-0d1e2f3a4b5c60718",
  healthB: "i-0e1f2a3b4c5d60718",
  asg: "i-0f1a2b3c4d5e60718",
} as const;

function eventBridge(
  id: string,
  detailType: string,
  source: string,
  time: string,
  resources: string[],
  detail: JsonObject,
): JsonObject {
  return {
    version: "0",
    id,
    "detail-type": detailType,
    source,
    account: ACCOUNT,
    time,
    region: REGION,
    resources,
    detail,
  };
}

const checkoutCpuMetric = {
  namespace: "ContainerInsights",
  name: "pod_cpu_utilization",
  dimensions: { ClusterName: "prod", Namespace: "shop", Service: "checkout" },
};

function alarm(): JsonObject {
  return eventBridge(
    "c4c1c1c9-6542-e61b-6ef0-8c4d36933a92",
    "CloudWatch Alarm State Change",
    "aws.cloudwatch",
    "2019-10-02T17:04:40Z",
    [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:checkout-cpu-high`],
    {
      alarmName: "checkout-cpu-high",
      state: {
        value: "ALARM",
        reason:
          "Threshold Crossed: 1 out of the last 1 datapoints [91.5 (02/10/19 16:59:00)] was greater than the threshold (80.0) (minimum 1 datapoint for OK -> ALARM transition).",
        reasonData:
          '{"version":"1.0","queryDate":"2019-10-02T17:04:40.985+0000","startDate":"2019-10-02T16:59:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[91.5],"threshold":80.0,"evaluatedDatapoints":[{"timestamp":"2019-10-02T16:59:00.000+0000","sampleCount":5.0,"value":91.5}]}',
        timestamp: "2019-10-02T17:04:40.989+0000",
      },
      previousState: {
        value: "OK",
        reason:
          "Threshold Crossed: 1 out of the last 1 datapoints [42.1 (01/10/19 13:46:00)] was not greater than the threshold (80.0) (minimum 1 datapoint for ALARM -> OK transition).",
        reasonData:
          '{"version":"1.0","queryDate":"2019-10-01T13:56:40.985+0000","startDate":"2019-10-01T13:46:00.000+0000","statistic":"Average","period":300,"recentDatapoints":[42.1],"threshold":80.0}',
        timestamp: "2019-10-01T13:56:40.987+0000",
      },
      configuration: {
        description: "checkout pods use more than 80% of their CPU limit",
        metrics: [
          {
            id: "30b6c6b2-a864-43a2-4877-c09a1afc3b87",
            metricStat: { metric: checkoutCpuMetric, period: 300, stat: "Average" },
            returnData: true,
          },
        ],
      },
    },
  );
}

function alarmMetricMath(): JsonObject {
  const metric = (name: string) => ({
    namespace: "ContainerInsights",
    name,
    dimensions: { ClusterName: "prod", Namespace: "shop", Service: "checkout" },
  });
  return eventBridge(
    "2dde0eb1-528b-d2d5-9ca6-6d590caf2329",
    "CloudWatch Alarm State Change",
    "aws.cloudwatch",
    "2019-10-02T17:20:48Z",
    [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:checkout-restarts-ratio`],
    {
      alarmName: "checkout-restarts-ratio",
      state: {
        value: "ALARM",
        reason:
          "Threshold Crossed: 1 out of the last 1 datapoints [12.5 (02/10/19 17:10:00)] was greater than the threshold (10.0) (minimum 1 datapoint for OK -> ALARM transition).",
        reasonData:
          '{"version":"1.0","queryDate":"2019-10-02T17:20:48.551+0000","startDate":"2019-10-02T17:10:00.000+0000","period":600,"recentDatapoints":[12.5],"threshold":10.0}',
        timestamp: "2019-10-02T17:20:48.554+0000",
      },
      previousState: {
        value: "OK",
        reason:
          "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (01/10/19 21:44:00)] was not greater than the threshold (10.0) (minimum 1 datapoint for ALARM -> OK transition).",
        reasonData:
          '{"version":"1.0","queryDate":"2019-10-01T21:54:44.779+0000","startDate":"2019-10-01T21:44:00.000+0000","period":600,"recentDatapoints":[0.0],"threshold":10.0}',
        timestamp: "2019-10-01T21:54:44.781+0000",
      },
      configuration: {
        description: "restarts per 100 running pods",
        metrics: [
          { expression: "100 * m1 / m2", id: "e1", label: "restarts per 100 pods", returnData: true },
          {
            id: "m1",
            metricStat: { metric: metric("pod_number_of_container_restarts"), period: 600, stat: "Sum" },
            returnData: false,
          },
          {
            id: "m2",
            metricStat: { metric: metric("service_number_of_running_pods"), period: 600, stat: "Average" },
            returnData: false,
          },
        ],
      },
    },
  );
}

function alarmComposite(): JsonObject {
  return eventBridge(
    "d3dfc86d-384d-24c8-0345-9f7986db0b80",
    "CloudWatch Alarm State Change",
    "aws.cloudwatch",
    "2021-04-30T10:27:00Z",
    [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:checkout-degraded`],
    {
      alarmName: "checkout-degraded",
      state: {
        actionsSuppressedBy: "WaitPeriod",
        value: "ALARM",
        reason: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:checkout-cpu-high transitioned to ALARM at Friday 30 April, 2021 10:26:34 UTC`,
        reasonData: `{"triggeringAlarms":[{"arn":"arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:checkout-cpu-high","state":{"value":"ALARM","timestamp":"2021-04-30T10:26:34.001+0000"}}]}`,
        timestamp: "2021-04-30T10:27:00.051+0000",
      },
      previousState: {
        value: "OK",
        reason: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:checkout-cpu-high transitioned to OK at Friday 30 April, 2021 10:10:00 UTC`,
        reasonData: "{}",
        timestamp: "2021-04-30T10:10:00.051+0000",
      },
      configuration: {
        alarmRule: "ALARM(checkout-cpu-high) AND ALARM(checkout-latency-high)",
        actionsSuppressor: "deploy-in-progress",
        actionsSuppressorWaitPeriod: 120,
        actionsSuppressorExtensionPeriod: 180,
      },
    },
  );
}

function snsRecord(
  messageId: string,
  topic: string,
  subject: string,
  message: JsonObject,
  timestamp: string,
) {
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:${topic}`;
  return {
    Records: [
      {
        EventSource: "aws:sns",
        EventVersion: "1.0",
        EventSubscriptionArn: `${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: "Notification",
          MessageId: messageId,
          TopicArn: topicArn,
          Subject: subject,
          Message: JSON.stringify(message),
          Timestamp: timestamp,
          SignatureVersion: "1",
          Signature:
            "EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=",
          SigningCertUrl:
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
          UnsubscribeUrl: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${topicArn}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
          MessageAttributes: {},
        },
      },
    ],
  };
}

function alarmSns(): JsonObject {
  return snsRecord(
    "4d3a8c1e-2f5b-5c6d-9e7f-0a1b2c3d4e5f",
    "homeostat-alarms",
    'ALARM: "checkout-cpu-high" in US East (N. Virginia)',
    {
      AlarmName: "checkout-cpu-high",
      AlarmDescription: "checkout pods use more than 80% of their CPU limit",
      AWSAccountId: ACCOUNT,
      AlarmConfigurationUpdatedTimestamp: "2023-05-01T08:00:00.000+0000",
      NewStateValue: "ALARM",
      NewStateReason:
        "Threshold Crossed: 1 out of the last 1 datapoints [91.5 (08/05/23 09:15:00)] was greater than the threshold (80.0) (minimum 1 datapoint for OK -> ALARM transition).",
      StateChangeTime: "2023-05-08T09:20:33.166+0000",
      Region: "US East (N. Virginia)",
      AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:checkout-cpu-high`,
      OldStateValue: "OK",
      OKActions: [],
      AlarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:homeostat-alarms`],
      InsufficientDataActions: [],
      Trigger: {
        MetricName: "pod_cpu_utilization",
        Namespace: "ContainerInsights",
        StatisticType: "Statistic",
        Statistic: "AVERAGE",
        Unit: null,
        Dimensions: [
          { value: "prod", name: "ClusterName" },
          { value: "shop", name: "Namespace" },
          { value: "checkout", name: "Service" },
        ],
        Period: 300,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        ComparisonOperator: "GreaterThanThreshold",
        Threshold: 80.0,
        TreatMissingData: "missing",
        EvaluateLowSampleCountPercentile: "",
      },
    },
    "2023-05-08T09:20:33.210Z",
  );
}

function spotInterruption(): JsonObject {
  const id = sampleInstanceIds.spot;
  return eventBridge(
    "12345678-1234-1234-1234-123456789012",
    "EC2 Spot Instance Interruption Warning",
    "aws.ec2",
    "2024-03-14T09:26:53Z",
    // zone-scoped, unlike other EC2 ARNs: the instance id is read from detail
    [`arn:aws:ec2:${REGION}a:instance/${id}`],
    { "instance-id": id, "instance-action": "terminate" },
  );
}

function rebalanceRecommendation(): JsonObject {
  const id = sampleInstanceIds.rebalance;
  return eventBridge(
    "98765432-1234-1234-1234-123456789012",
    "EC2 Instance Rebalance Recommendation",
    "aws.ec2",
    "2024-03-14T09:20:11Z",
    [`arn:aws:ec2:${REGION}b:instance/${id}`],
    { "instance-id": id },
  );
}

function instanceStateChange(): JsonObject {
  const id = sampleInstanceIds.stateChange;
  return eventBridge(
    "7bf73129-1428-4cd3-a780-95db273d1602",
    "EC2 Instance State-change Notification",
    "aws.ec2",
    "2024-03-14T10:02:19Z",
    [`arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`],
    { "instance-id": id, state: "stopping" },
  );
}

function healthScheduledChange(): JsonObject {
  const { healthA, healthB } = sampleInstanceIds;
  const code = "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED";
  return eventBridge(
    "f9d1ba6c-9a7e-4c6b-a2ef-6c2fbd4b7a11",
    "AWS Health Event",
    "aws.health",
    "2024-03-01T12:00:00Z",
    [healthA, healthB],
    {
      eventArn: `arn:aws:health:${REGION}::event/EC2/${code}/${code}_0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d`,
      service: "EC2",
      eventTypeCode: code,
      eventTypeCategory: "scheduledChange",
      eventScopeCode: "ACCOUNT_SPECIFIC",
      communicationId: "0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b-1",
      startTime: "Fri, 15 Mar 2024 14:00:00 GMT",
      endTime: "Fri, 15 Mar 2024 16:00:00 GMT",
      lastUpdatedTime: "Fri, 01 Mar 2024 12:00:00 GMT",
      statusCode: "upcoming",
      eventRegion: REGION,
      eventDescription: [
        {
          language: "en_US",
          latestDescription:
            "EC2 has detected degradation of the underlying hardware hosting your Amazon EC2 instance(s) in the us-east-1 region. Due to this degradation your instance(s) could already be unreachable. We will stop your instance(s) after 2024-03-15 14:00:00 UTC.",
        },
      ],
      affectedEntities: [{ entityValue: healthA }, { entityValue: healthB }],
    },
  );
}

const lifecycleAction = {
  LifecycleActionToken: "87654321-4321-4321-4321-210987654321",
  AutoScalingGroupName: "eks-prod-ng-general-20240101",
  LifecycleHookName: "homeostat-drain",
  EC2InstanceId: sampleInstanceIds.asg,
  LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
  NotificationMetadata: '{"cluster":"prod"}',
  Origin: "AutoScalingGroup",
  Destination: "EC2",
};

function asgTerminate(): JsonObject {
  return eventBridge(
    "468fb8ba-2c5b-4b2b-9a8e-1c0ea6cf7df6",
    "EC2 Instance-terminate Lifecycle Action",
    "aws.autoscaling",
    "2024-03-14T19:16:56Z",
    [
      `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:042cba90-ad2f-431c-9b4d-6d9055bcc9fb:autoScalingGroupName/${lifecycleAction.AutoScalingGroupName}`,
    ],
    { ...lifecycleAction },
  );
}

/** The message Auto Scaling sends straight to a hook's SQS queue or SNS topic. */
function asgQueueMessage(): JsonObject {
  return {
    Origin: lifecycleAction.Origin,
    Destination: lifecycleAction.Destination,
    LifecycleHookName: lifecycleAction.LifecycleHookName,
    AccountId: ACCOUNT,
    RequestId: "63f5b5c2-58b3-0574-b7d5-b3162d0268f0",
    LifecycleTransition: lifecycleAction.LifecycleTransition,
    AutoScalingGroupName: lifecycleAction.AutoScalingGroupName,
    Service: "AWS Auto Scaling",
    Time: "2024-03-14T19:16:56.533Z",
    EC2InstanceId: lifecycleAction.EC2InstanceId,
    LifecycleActionToken: lifecycleAction.LifecycleActionToken,
    NotificationMetadata: lifecycleAction.NotificationMetadata,
  };
}

function sqsEvent(messageId: string, body: JsonObject, sentTimestamp: string): JsonObject {
  return {
    Records: [
      {
        messageId,
        receiptHandle: "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
        body: JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: sentTimestamp,
          SenderId: "AROAIWPX5BD2BHG722MW4:AutoScaling",
          ApproximateFirstReceiveTimestamp: sentTimestamp,
        },
        messageAttributes: {},
        md5OfBody: "e4e68fb7bd0e697a0ae8f1bb342846b3",
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:homeostat-lifecycle`,
        awsRegion: REGION,
      },
    ],
  };
}

function asgTerminateSqs(): JsonObject {
  return sqsEvent("059f36b4-87a3-44ab-83d2-661975830a7d", asgQueueMessage(), "1710443816533");
}

function asgTerminateSns(): JsonObject {
  return snsRecord(
    "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
    "homeostat-lifecycle",
    `Auto Scaling:  Lifecycle action 'TERMINATING' for instance ${sampleInstanceIds.asg} in progress.`,
    asgQueueMessage(),
    "2024-03-14T19:16:56.601Z",
  );
}

function asgTestNotification(): JsonObject {
  return sqsEvent(
    "2e1424d4-f796-459a-8184-9c92662be6da",
    {
      AccountId: ACCOUNT,
      RequestId: "4e6156f4-a9e2-4bda-a7fd-33f2ae528958",
      AutoScalingGroupARN: `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:042cba90-ad2f-431c-9b4d-6d9055bcc9fb:autoScalingGroupName/${lifecycleAction.AutoScalingGroupName}`,
      AutoScalingGroupName: lifecycleAction.AutoScalingGroupName,
      Service: "AWS Auto Scaling",
      Event: "autoscaling:TEST_NOTIFICATION",
      Time: "2024-03-14T19:10:52.359Z",
    },
    "1710443452359",
  );
}

/** What our own EventBridge Scheduler schedules deliver, placeholders filled in. */
function schedule(): JsonObject {
  return {
    homeostat: "schedule",
    version: 1,
    policy: "dev-office-hours",
    entry: "scale-down",
    scheduledTime: "2024-03-14T19:00:00Z",
    executionId: "a2c1f9e6-3b9d-4e1a-9a7c-2d6f1c0e8b44",
  };
}

const builders: Record<SampleKind, () => JsonObject> = {
  alarm,
  "alarm-metric-math": alarmMetricMath,
  "alarm-composite": alarmComposite,
  "alarm-sns": alarmSns,
  "spot-interruption": spotInterruption,
  "rebalance-recommendation": rebalanceRecommendation,
  "instance-state-change": instanceStateChange,
  "health-scheduled-change": healthScheduledChange,
  "asg-terminate": asgTerminate,
  "asg-terminate-sqs": asgTerminateSqs,
  "asg-terminate-sns": asgTerminateSns,
  "asg-test-notification": asgTestNotification,
  schedule,
};

/**
 * A fresh copy of the sample event of `kind` (safe to modify).
 *
 * @example
 * const event = sampleEvent("spot-interruption");
 * console.log(JSON.stringify(event, null, 2));
 */
export function sampleEvent(kind: SampleKind): JsonObject {
  return builders[kind]();
}
