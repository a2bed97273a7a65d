/**
 * The Auto Scaling lifecycle actions the test environment's moto fills in (test/env/moto-serialized.py:
 * moto 5 lacks CompleteLifecycleAction and RecordLifecycleActionHeartbeat). Product code calls them with
 * the real SDK client against moto; tests read what moto recorded and can make the next calls for a
 * group fail with a server fault.
 */
import type { TestEnv } from "./env.ts";

export interface LifecycleCall {
  action: "CompleteLifecycleAction" | "RecordLifecycleActionHeartbeat";
  autoScalingGroupName: string;
  lifecycleHookName: string;
  instanceId?: string;
  lifecycleActionToken?: string;
  lifecycleActionResult?: string;
}

/** Every lifecycle call moto answered since it started (filter by your own group). */
export async function lifecycleCalls(env: Pick<TestEnv, "motoUrl">): Promise<LifecycleCall[]> {
  const response = await fetch(`${env.motoUrl}/_homeostat/lifecycle-calls`);
  if (!response.ok) {
    throw new Error(
      `moto has no lifecycle record (${response.status}): is the test environment's moto the one from test/env/moto-serialized.py? restart it with npm run testenv -- down && npm run testenv -- up`,
    );
  }
  return (await response.json()) as LifecycleCall[];
}

/** The next `times` lifecycle calls for `group` get 503 ServiceUnavailable, as a passing AWS fault. */
export async function failLifecycleCalls(
  env: Pick<TestEnv, "motoUrl">,
  group: string,
  times: number,
): Promise<void> {
  const response = await fetch(`${env.motoUrl}/_homeostat/lifecycle-failures`, {
    method: "POST",
    body: JSON.stringify({ group, times }),
  });
  if (!response.ok) throw new Error(`moto refused the lifecycle failure injection (${response.status})`);
}
