/**
 * Field schemas that several readers (and the Trigger schema) share: ids, EC2 instance ids and
 * CloudWatch-style timestamps.
 */
import * as z from "zod";
import { INSTANCE_ID_PATTERN } from "../domain/instance-id.ts";
import { isoToRfc3339 } from "./time.ts";

// Ids become idempotency keys: an empty one would make unrelated events collide.
export const NonEmptyIdSchema = z.string().min(1, "expected a non-empty id");

export const InstanceIdSchema = z
  .string()
  .regex(
    INSTANCE_ID_PATTERN,
    "expected an EC2 instance id like i-1234567890abcdef0 (i- and 8 or 17 hex digits)",
  );

/** ISO 8601 / RFC 3339, including CloudWatch's `+0000` offset; outputs RFC 3339 UTC. */
export const TimestampSchema = z.string().transform((text, ctx) => {
  const rfc3339 = isoToRfc3339(text);
  if (rfc3339 === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "expected a timestamp like 2019-10-01T13:56:40.987+0000 or 2019-10-01T13:56:40Z",
    });
    return z.NEVER;
  }
  return rfc3339;
});

/**
 * Shape overrides for envelope fields nothing reads: present or absent, of any type, they never cause
 * a rejection (AWS's own samples leave some out, and its tools print others differently). Spread into
 * an envelope or reader schema so only the fields we read stay strict.
 */
export function unread<const K extends string>(...keys: K[]): Record<K, z.ZodOptional<z.ZodUnknown>> {
  return Object.fromEntries(keys.map((key) => [key, z.unknown().optional()])) as Record<
    K,
    z.ZodOptional<z.ZodUnknown>
  >;
}
