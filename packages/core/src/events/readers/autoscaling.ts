/**
 * Auto Scaling lifecycle hooks (source `aws.autoscaling`): the terminate hook as an EventBridge event,
 * and the same hook sent straight to SQS or through SNS (fields at the top level). Launch hooks and
 * the test notification Auto Scaling sends when a hook's target is set up are recognised and ignored.
 */
import * as z from "zod";
import { InstanceIdSchema, NonEmptyIdSchema, TimestampSchema } from "../fields.ts";
import { describe, dropUndefined, rejection } from "../result.ts";
import type { InstanceTrigger } from "../trigger.ts";
import { invalid } from "../zod-errors.ts";
import { eventOrigin, instanceEventReader, type SourceReader } from "./reader.ts";

const SOURCE = "aws.autoscaling";
const TERMINATING_TRANSITION = "autoscaling:EC2_INSTANCE_TERMINATING";
const LAUNCHING_TRANSITION = "autoscaling:EC2_INSTANCE_LAUNCHING";
const TEST_NOTIFICATION_EVENT = "autoscaling:TEST_NOTIFICATION";

/** The lifecycle action fields: EventBridge `detail`, and the top level of SQS/SNS messages. */
const LifecycleActionSchema = z.object({
  LifecycleActionToken: z.string().min(1),
  AutoScalingGroupName: z.string().min(1),
  LifecycleHookName: z.string().min(1),
  EC2InstanceId: InstanceIdSchema,
  LifecycleTransition: z.literal(TERMINATING_TRANSITION),
  NotificationMetadata: z.string().optional(),
  /** AutoScalingGroup | WarmPool | EC2. */
  Origin: z.string().optional(),
  /** EC2 | WarmPool | AutoScalingGroup: `WarmPool` means the instance goes back to the warm pool. */
  Destination: z.string().optional(),
});

/** A lifecycle hook notification sent straight to SQS (or SNS): no EventBridge envelope. */
const LifecycleQueueMessageSchema = LifecycleActionSchema.extend({
  AccountId: z.string().optional(),
  RequestId: NonEmptyIdSchema.optional(),
  Service: z.string().optional(),
  Time: TimestampSchema.optional(),
});

type LifecycleAction = z.output<typeof LifecycleActionSchema>;

function lifecycleFields(action: LifecycleAction): NonNullable<InstanceTrigger["lifecycle"]> {
  const lifecycle: NonNullable<InstanceTrigger["lifecycle"]> = {
    autoScalingGroupName: action.AutoScalingGroupName,
    lifecycleHookName: action.LifecycleHookName,
    lifecycleActionToken: action.LifecycleActionToken,
  };
  if (action.Destination !== undefined) lifecycle.destination = action.Destination;
  if (action.Origin !== undefined) lifecycle.origin = action.Origin;
  if (action.NotificationMetadata !== undefined) lifecycle.notificationMetadata = action.NotificationMetadata;
  return lifecycle;
}

export const autoscaling: SourceReader = {
  source: SOURCE,
  events: [
    instanceEventReader("EC2 Instance-terminate Lifecycle Action", LifecycleActionSchema, (detail) => ({
      event: "asg-terminate",
      instanceId: detail.EC2InstanceId,
      lifecycle: lifecycleFields(detail),
    })),
    {
      detailType: "EC2 Instance-launch Lifecycle Action",
      read: () =>
        rejection(
          "ignored",
          "launch lifecycle hooks are not handled (only EC2_INSTANCE_TERMINATING); remove the launch hook's " +
            "rule target or the hook will wait for its timeout",
          "detail-type",
        ),
    },
  ],
  messages: [
    {
      shape: "an Auto Scaling lifecycle hook message (LifecycleTransition)",
      accepts: (value) =>
        "LifecycleTransition" in value ||
        "LifecycleActionToken" in value ||
        (typeof value.Event === "string" && value.Event.startsWith("autoscaling:")),
      read(value, delivery) {
        if (value.Event === TEST_NOTIFICATION_EVENT) {
          return rejection(
            "ignored",
            `Event: Auto Scaling test notification for ${describe(value.AutoScalingGroupName)} (sent when a hook's target is set up)`,
            "Event",
          );
        }
        if (
          !("LifecycleTransition" in value) &&
          typeof value.Event === "string" &&
          value.Event.startsWith("autoscaling:")
        ) {
          return rejection(
            "unsupported",
            `Event: Auto Scaling notification ${JSON.stringify(value.Event)} is not a lifecycle hook; Homeostat handles ` +
              `${TERMINATING_TRANSITION} lifecycle hooks`,
            "Event",
          );
        }
        if (value.LifecycleTransition === LAUNCHING_TRANSITION) {
          return rejection(
            "ignored",
            "LifecycleTransition: launch lifecycle hooks are not handled (only EC2_INSTANCE_TERMINATING); point only terminate hooks at Homeostat",
            "LifecycleTransition",
          );
        }
        const parsed = LifecycleQueueMessageSchema.safeParse(value);
        if (!parsed.success) return invalid("Auto Scaling lifecycle hook message", parsed.error, value);
        const message = parsed.data;
        const trigger: InstanceTrigger = {
          // RequestId is Auto Scaling's own id for the action; the envelope id and the token are fallbacks.
          id: message.RequestId ?? delivery.messageId ?? `lifecycle:${message.LifecycleActionToken}`,
          time: message.Time ?? delivery.now.toISOString(),
          origin: eventOrigin(SOURCE, delivery),
          region: delivery.region,
          account: message.AccountId ?? delivery.account,
          kind: "instance",
          event: "asg-terminate",
          instanceId: message.EC2InstanceId,
          lifecycle: lifecycleFields(message),
        };
        return { ok: true, triggers: [dropUndefined(trigger)] };
      },
    },
  ],
};
