/**
 * Faults on moto (test/env/moto-serialized.py, its "fault injection" block): AWS JSON-protocol calls
 * answered with an error instead of reaching moto — a throttled DynamoDB table, a failing EventBridge —
 * at a set rate (seeded, so a failure can be replayed) or for the next N matching calls. The request
 * never reaches moto, so an injected failure wrote nothing: exactly what throttling and most 5xx are.
 */
import type { TestEnv } from "./env.ts";

export interface MotoFaultRule {
  /** Named in the counts. */
  name: string;
  /** Prefix of the X-Amz-Target header: `DynamoDB_20120810.` (every DynamoDB call), `AWSEvents.PutEvents`. */
  target: string;
  /** Only calls whose body contains this (the test's own table or bus name). */
  contains: string;
  /** Fail this share of the matching calls (0–1, from the seeded generator)… */
  rate?: number;
  /** …or the next N matching calls. */
  times?: number;
  status: 400 | 500 | 503;
  /** The error's code as the SDK reads it (`__type`). */
  code: string;
  /** The JSON protocol version: DynamoDB 1.0 (default), EventBridge 1.1. */
  protocol?: "1.0" | "1.1";
}

export interface MotoFaultStats {
  injected: { rule: string; target: string; code: string }[];
  /** Calls a rule matched and let through, by target. */
  passed: Record<string, number>;
}

/** The throttling DynamoDB answers with, one per call, for every call on `table`. */
export const dynamoThrottling = (table: string, code = "ProvisionedThroughputExceededException") => ({
  name: `DynamoDB ${code}`,
  target: "DynamoDB_20120810.",
  contains: table,
  status: 400 as const,
  code: `com.amazonaws.dynamodb.v20120810#${code}`,
});

/** EventBridge PutEvents failing on `bus` with a server fault. */
export const putEventsServerFault = (bus: string) => ({
  name: "PutEvents InternalException",
  target: "AWSEvents.PutEvents",
  contains: bus,
  status: 500 as const,
  code: "InternalException",
  protocol: "1.1" as const,
});

async function call(env: Pick<TestEnv, "motoUrl">, method: string, body?: unknown): Promise<Response> {
  const response = await fetch(`${env.motoUrl}/_homeostat/faults`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    throw new Error(
      `moto refused ${method} /_homeostat/faults (${response.status} ${await response.text()}): is it the moto of test/env/moto-serialized.py with fault injection? restart it with npm run testenv -- down && npm run testenv -- up`,
    );
  }
  return response;
}

/** Replace the fault rules (and reset the counts and the seeded generator). */
export async function setMotoFaults(
  env: Pick<TestEnv, "motoUrl">,
  rules: MotoFaultRule[],
  seed = 8,
): Promise<void> {
  await call(env, "PUT", { seed, rules });
}

export async function motoFaultStats(env: Pick<TestEnv, "motoUrl">): Promise<MotoFaultStats> {
  return (await (await call(env, "GET")).json()) as MotoFaultStats;
}

export async function clearMotoFaults(env: Pick<TestEnv, "motoUrl">): Promise<void> {
  await call(env, "DELETE");
}
