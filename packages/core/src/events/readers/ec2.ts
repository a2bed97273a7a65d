/**
 * EC2 (source `aws.ec2`): spot interruption warnings, rebalance recommendations and instance state
 * changes, each about one instance named in `detail` (the spot warning's `resources` ARN is
 * zone-scoped, so the id always comes from `detail`).
 */
import * as z from "zod";
import { InstanceIdSchema } from "../fields.ts";
import { InstanceActionSchema, InstanceStateSchema } from "../trigger-schema.ts";
import { instanceEventReader, type SourceReader } from "./reader.ts";

const SpotInterruptionDetailSchema = z.object({
  "instance-id": InstanceIdSchema,
  "instance-action": InstanceActionSchema,
});

const RebalanceRecommendationDetailSchema = z.object({
  "instance-id": InstanceIdSchema,
});

// An exact set of states: substring matching accepts garbage.
const InstanceStateChangeDetailSchema = z.object({
  "instance-id": InstanceIdSchema,
  state: InstanceStateSchema,
});

export const ec2: SourceReader = {
  source: "aws.ec2",
  events: [
    instanceEventReader("EC2 Spot Instance Interruption Warning", SpotInterruptionDetailSchema, (detail) => ({
      event: "spot-interruption",
      instanceId: detail["instance-id"],
      instanceAction: detail["instance-action"],
    })),
    instanceEventReader(
      "EC2 Instance Rebalance Recommendation",
      RebalanceRecommendationDetailSchema,
      (detail) => ({
        event: "rebalance-recommendation",
        instanceId: detail["instance-id"],
      }),
    ),
    instanceEventReader(
      "EC2 Instance State-change Notification",
      InstanceStateChangeDetailSchema,
      (detail) => ({
        event: "instance-state-change",
        instanceId: detail["instance-id"],
        state: detail.state,
      }),
    ),
  ],
  messages: [],
};
