import type { AwsContext } from "./access.ts";
import type { ScheduleDefinition } from "./clusters.ts";
import { physicalName } from "./config.ts";

/**
 * EventBridge Scheduler: the group our schedules live in, the role the scheduler assumes to invoke
 * our functions, and the schedules the config's `schedule` policies declare.
 *
 * Config schedules are created here, at deploy time, from homeostat.config.ts (stacks/clusters.ts
 * reads them), so they follow the config declaratively: an entry removed from the config loses its
 * schedule on the next deploy. The functions bundle the same config, so a schedule and the entry it
 * fires always come from one deploy. Only one-time deferred drains (AWS Health lead time) are created
 * at runtime, by the functions, in the same group.
 *
 * Why a group: it scopes the functions' scheduler permissions to `schedule/<group>/*`, and deleting
 * the group on teardown deletes every schedule in it.
 */
export interface Schedules {
  group: aws.scheduler.ScheduleGroup;
  invokerRole: aws.iam.Role;
  /** The invoker role's permissions: schedules wait for it, so a first firing is not denied. */
  invokerPolicy: aws.iam.RolePolicy;
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
  const invokerPolicy = new aws.iam.RolePolicy("SchedulerRolePolicy", {
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
  return { group, invokerRole, invokerPolicy };
}

export interface ConfigScheduleTargets {
  /** The schedule function's `arn` output (not the derived ARN), so each schedule waits for it. */
  scheduleFunctionArn: $util.Input<string>;
  deadLetterQueueArn: $util.Input<string>;
}

/**
 * Scheduler retries a failed delivery (throttling, the function briefly unavailable) for up to an
 * hour, then dead-letters it: a scale-down or restore an hour late is still wanted, one from yesterday
 * is not. The function's own failures are Lambda's to retry (stacks/functions.ts).
 */
const CONFIG_SCHEDULE_RETRY = { maximumEventAgeInSeconds: 60 * 60, maximumRetryAttempts: 10 };

/** One schedule per definition, in the group, invoking the schedule function with the entry's payload. */
export function createConfigSchedules(
  schedules: Schedules,
  definitions: readonly ScheduleDefinition[],
  targets: ConfigScheduleTargets,
): aws.scheduler.Schedule[] {
  return definitions.map(
    (definition) =>
      // the logical name follows the schedule name (unique, stable), so renaming an entry replaces it
      new aws.scheduler.Schedule(
        `Schedule-${definition.name}`,
        {
          name: definition.name,
          groupName: schedules.group.name,
          description: definition.description,
          scheduleExpression: definition.expression,
          scheduleExpressionTimezone: definition.timezone,
          flexibleTimeWindow: { mode: "OFF" },
          target: {
            arn: targets.scheduleFunctionArn,
            roleArn: schedules.invokerRole.arn,
            input: definition.input,
            retryPolicy: CONFIG_SCHEDULE_RETRY,
            deadLetterConfig: { arn: targets.deadLetterQueueArn },
          },
        },
        { dependsOn: [schedules.invokerPolicy] },
      ),
  );
}
