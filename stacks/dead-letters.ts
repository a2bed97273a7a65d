import type { AwsContext } from "./access.ts";
import { physicalName } from "./config.ts";

/**
 * Where events go when Homeostat could not handle them, instead of vanishing: EventBridge rule
 * targets that could not deliver, asynchronous invocations that still failed after Lambda's retries,
 * and hook-queue messages received too often. An ops alarm watches its depth (stacks/alarms.ts);
 * messages keep the original event, so they can be replayed with `homeostat invoke`.
 */
export function createDeadLetterQueue(context: AwsContext): sst.aws.Queue {
  const queue = new sst.aws.Queue("DeadLetters", {
    transform: {
      queue: (args) => {
        // the longest SQS allows: time for a person to look before evidence expires
        args.messageRetentionSeconds = 14 * 24 * 60 * 60;
      },
    },
  });
  const { partition, accountId, region } = context;
  // EventBridge delivers to a target's dead-letter queue as the service itself, so the queue must
  // allow it; the condition limits that to this stage's rules (all named homeostat-<stage>-*).
  new aws.sqs.QueuePolicy("DeadLettersPolicy", {
    queueUrl: queue.url,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "EventBridgeRuleTargets",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: queue.arn,
          Condition: {
            ArnLike: {
              "aws:SourceArn": $interpolate`arn:${partition}:events:${region}:${accountId}:rule/${physicalName("*")}`,
            },
          },
        },
      ],
    }),
  });
  return queue;
}
