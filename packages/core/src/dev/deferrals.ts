// Deferred runs on this machine: what the one-time EventBridge Scheduler schedules of runtime/aws.ts
// do in AWS — deliver the deferred trigger to node-events at its time. They live as long as dev runs.
import { type DeferredPayload, deferredPayload } from "../events/index.ts";
import type { DeferredRun, DeferScheduler } from "../runtime/aws.ts";

/** Node's timers hold at most 2^31-1 ms (24.8 days): a later run is re-armed on the way. */
const MAX_TIMER_MS = 2_147_483_647;

export interface LocalDeferScheduler extends DeferScheduler {
  /** The runs not delivered yet. */
  pending(): DeferredRun[];
  /** Drops the runs not delivered yet. */
  stop(): void;
}

/** A DeferScheduler whose runs are timers here; `deliver` gets each run's payload at its time. */
export function localDeferScheduler(
  deliver: (payload: DeferredPayload, run: DeferredRun) => void,
  now: () => Date = () => new Date(),
): LocalDeferScheduler {
  const runs = new Map<string, { run: DeferredRun; timer: NodeJS.Timeout }>();
  const arm = (run: DeferredRun): NodeJS.Timeout => {
    const wait = Math.min(Math.max(0, Date.parse(run.at) - now().getTime()), MAX_TIMER_MS);
    return setTimeout(() => {
      if (Date.parse(run.at) > now().getTime()) {
        runs.set(run.name, { run, timer: arm(run) });
        return;
      }
      runs.delete(run.name);
      deliver(deferredPayload(run.trigger, run.at), run);
    }, wait);
  };
  return {
    scheduleOnce: async (run) => {
      // a schedule's name is unique per instance and time: a second one is a redelivered event
      if (runs.has(run.name)) return false;
      runs.set(run.name, { run, timer: arm(run) });
      return true;
    },
    pending: () => [...runs.values()].map(({ run }) => run),
    stop: () => {
      for (const { timer } of runs.values()) clearTimeout(timer);
      runs.clear();
    },
  };
}
