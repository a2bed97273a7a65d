import type { AwsContext } from "./access.ts";
import { physicalName } from "./config.ts";

/**
 * EventBridge Scheduler: the group our schedules live in and the role the scheduler assumes to
 * invoke our functions. Schedules themselves are created at runtime (from the policies'
 * `schedule` entries, and one-time deferred drains for AWS Health maintenance), not here: they follow
 * the config, which changes more often than the infrastructure.
 *
 * Why a group: it scopes the functions' scheduler permissions to `schedule/<group>/*`, and deleting
 * the group on teardown deletes every schedule in it.
 */
export interface Schedules {
  group: aws.scheduler.ScheduleGroup;
  invokerRole: aws.iam.Role;
}

export interface ScheduleTargets {
  /** Config schedules (scale at 20:00, restore at 07:30) invoke the schedule function. */
  scheduleFunctionArn: $util.Input<string>;
  /** Deferred drains (AWS Health lead time) deliver their trigger to the node-events function. */
  nodeEventsFunctionArn: $util.Input<string>;
  deadLetterQueueArn: $util.Input<string>;
}

export function createSchedules(context: AwsContext, targets: ScheduleTargets): Schedules {
  const group = new aws.scheduler.ScheduleGroup("ScheduleGroup", { name: physicalName("schedules") });

  const invokerRole = new aws.iam.Role("SchedulerRole", {
    description: `Homeostat ${$app.stage}: assumed by EventBridge Scheduler to invoke Homeostat's functions`,
    assumeRolePolicy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "scheduler.amazonaws.com" },
          Action: "sts:AssumeRole",
          // confused-deputy guard: only schedules in this account may assume it
          Condition: { StringEquals: { "aws:SourceAccount": context.accountId } },
        },
      ],
    }),
  });
  new aws.iam.RolePolicy("SchedulerRolePolicy", {
    role: invokerRole.id,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: [targets.scheduleFunctionArn, targets.nodeEventsFunctionArn],
        },
        {
          // a schedule's dead-letter queue is written with this role
          Effect: "Allow",
          Action: "sqs:SendMessage",
          Resource: targets.deadLetterQueueArn,
        },
      ],
    }),
  });
  return { group, invokerRole };
}
