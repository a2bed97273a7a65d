// Every source normalize reads. Adding one: a reader module in this folder and a line in `sources`.
import { autoscaling } from "./autoscaling.ts";
import { cloudwatch } from "./cloudwatch.ts";
import { ec2 } from "./ec2.ts";
import { health } from "./health.ts";
import type { SourceReader } from "./reader.ts";

export { homeostatPayloads } from "./homeostat.ts";
export type { Delivery, EventReader, MessageReader, SourceReader } from "./reader.ts";
export { EventBridgeEnvelopeSchema, parseArn } from "./reader.ts";

/**
 * AWS sources, in the order their bare messages' shapes are tried (the first that accepts a message
 * reads it) and their detail-types and shapes are listed to people.
 */
export const sources: readonly SourceReader[] = [cloudwatch, ec2, health, autoscaling];
