import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  RecordLifecycleActionHeartbeatCommand,
} from "@aws-sdk/client-auto-scaling";
import { ConflictException, CreateScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import type { LifecycleActionTarget } from "../domain/target.ts";
import { deferredPayload } from "../events/index.ts";
import type { Trigger } from "../events/trigger.ts";

/** The pipeline's AWS side effects besides Kubernetes: small interfaces, SDK-backed below. */
export interface LifecycleHooks {
  complete(target: LifecycleActionTarget, result: "CONTINUE" | "ABANDON"): Promise<void>;
  heartbeat(target: LifecycleActionTarget): Promise<void>;
}

export interface DeferredRun {
  /** Unique per instance and time: a redelivered Health event finds the schedule already there. */
  name: string;
  /** RFC 3339 UTC. */
  at: string;
  trigger: Trigger;
}

export interface DeferScheduler {
  /** Returns false when a schedule of that name already exists (a duplicate event). */
  scheduleOnce(run: DeferredRun): Promise<boolean>;
}

export function autoScalingLifecycleHooks(
  client: AutoScalingClient = new AutoScalingClient({}),
): LifecycleHooks {
  const ids = (target: LifecycleActionTarget) => ({
    AutoScalingGroupName: target.autoScalingGroupName,
    LifecycleHookName: target.lifecycleHookName,
    LifecycleActionToken: target.lifecycleActionToken,
    InstanceId: target.instanceId,
  });
  return {
    async complete(target, result) {
      await client.send(
        new CompleteLifecycleActionCommand({ ...ids(target), LifecycleActionResult: result }),
      );
    },
    async heartbeat(target) {
      await client.send(new RecordLifecycleActionHeartbeatCommand(ids(target)));
    },
  };
}

export interface SchedulerTargetConfig {
  /** The schedule group the deferred runs go in. */
  groupName: string;
  /** ARN of the function that handles node events (the deferred trigger is delivered to it). */
  targetArn: string;
  /** The role EventBridge Scheduler assumes to invoke it. */
  roleArn: string;
}

export function eventBridgeDeferScheduler(
  target: SchedulerTargetConfig,
  client: SchedulerClient = new SchedulerClient({}),
): DeferScheduler {
  return {
    async scheduleOnce(run) {
      try {
        await client.send(
          new CreateScheduleCommand({
            Name: run.name,
            GroupName: target.groupName,
            // at() takes local time in ScheduleExpressionTimezone, without zone suffix or fraction
            ScheduleExpression: `at(${run.at.replace(/(\.\d+)?Z$/, "")})`,
            ScheduleExpressionTimezone: "UTC",
            FlexibleTimeWindow: { Mode: "OFF" },
            ActionAfterCompletion: "DELETE",
            Target: {
              Arn: target.targetArn,
              RoleArn: target.roleArn,
              Input: JSON.stringify(deferredPayload(run.trigger, run.at)),
              RetryPolicy: { MaximumRetryAttempts: 10 },
            },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConflictException) return false;
        throw error;
      }
    },
  };
}
