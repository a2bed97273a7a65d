/**
 * AWS Health (source `aws.health`): acted on only for EC2 scheduled changes. One event can name many
 * instances; each becomes a trigger with the maintenance window, so the drain can be scheduled from
 * `startTime` rather than run at once.
 */
import * as z from "zod";
import { isInstanceId } from "../../domain/instance-id.ts";
import { describe, isObject, rejection, withWarnings } from "../result.ts";
import { isoToRfc3339, rfc1123ToRfc3339 } from "../time.ts";
import type { InstanceTrigger } from "../trigger.ts";
import { eventBase, parseDetail, type SourceReader } from "./reader.ts";

/** AWS Health times: RFC 1123 (`Sat, 05 Jun 2016 15:10:09 GMT`); RFC 3339 also accepted. Outputs RFC 3339. */
const HealthTimeSchema = z.string().transform((text, ctx) => {
  const rfc3339 = rfc1123ToRfc3339(text) ?? isoToRfc3339(text);
  if (rfc3339 === undefined) {
    ctx.addIssue({ code: "custom", message: "expected an RFC 1123 time like Sat, 05 Jun 2016 15:10:09 GMT" });
    return z.NEVER;
  }
  return rfc3339;
});

// The only Health events acted on: EC2's scheduled changes.
const SERVICE = "EC2";
const CATEGORY = "scheduledChange";

const HealthDetailSchema = z.object({
  eventArn: z.string().min(1),
  service: z.literal(SERVICE),
  eventTypeCode: z.string().min(1),
  eventTypeCategory: z.literal(CATEGORY),
  startTime: HealthTimeSchema,
  endTime: HealthTimeSchema.optional(),
  affectedEntities: z
    .array(z.object({ entityValue: z.string() }))
    .min(1, "expected at least one affected entity"),
});

export const health: SourceReader = {
  source: "aws.health",
  events: [
    {
      detailType: "AWS Health Event",
      read(event, _raw, delivery) {
        if (!isObject(event.detail)) {
          return rejection(
            "malformed",
            `AWS Health Event detail: expected an object, got ${describe(event.detail)}`,
            "detail",
          );
        }
        const { service, eventTypeCategory, eventTypeCode } = event.detail;
        if (service !== SERVICE || eventTypeCategory !== CATEGORY) {
          return rejection(
            "ignored",
            `AWS Health event ${describe(eventTypeCode)} (service ${describe(service)}, category ` +
              `${describe(eventTypeCategory)}): only service ${JSON.stringify(SERVICE)} with eventTypeCategory ` +
              `${JSON.stringify(CATEGORY)} is acted on`,
            service === SERVICE ? "detail.eventTypeCategory" : "detail.service",
          );
        }
        const detail = parseDetail(HealthDetailSchema, event);
        if (!detail.ok) return detail.result;
        const base = eventBase(event, delivery);
        const triggers: InstanceTrigger[] = [];
        const skipped: string[] = [];
        const seen = new Set<string>();
        for (const { entityValue } of detail.data.affectedEntities) {
          if (!isInstanceId(entityValue)) {
            skipped.push(entityValue);
            continue;
          }
          if (seen.has(entityValue)) continue;
          seen.add(entityValue);
          const window: NonNullable<InstanceTrigger["window"]> = {
            start: detail.data.startTime,
            healthEventArn: detail.data.eventArn,
            eventTypeCode: detail.data.eventTypeCode,
          };
          if (detail.data.endTime !== undefined) window.end = detail.data.endTime;
          triggers.push({
            ...base,
            id: `${event.id}#${entityValue}`,
            kind: "instance",
            event: "scheduled-maintenance",
            instanceId: entityValue,
            window,
          });
        }
        const skippedNote = skipped.length
          ? `affected entities that are not EC2 instance ids were skipped: ${skipped
              .slice(0, 5)
              .map((s) => JSON.stringify(s))
              .join(", ")}${skipped.length > 5 ? ` and ${skipped.length - 5} more` : ""}`
          : undefined;
        if (triggers.length === 0) {
          return rejection(
            "ignored",
            `AWS Health event ${detail.data.eventTypeCode} names no EC2 instance in detail.affectedEntities: ${skippedNote}`,
            "detail.affectedEntities",
          );
        }
        return withWarnings(triggers, skippedNote ? [skippedNote] : []);
      },
    },
  ],
  messages: [],
};
