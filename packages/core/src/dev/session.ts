// `homeostat dev`: the whole of Homeostat on one machine. The same handler runs as in Lambda and
// `homeostat invoke` (runtime/handler.ts), fed by what AWS would feed it: events over HTTP on loopback
// (the EventBridge rules), the config's schedules (EventBridge Scheduler) and a timer for the rollout
// guard (its EventBridge rate), and Slack's requests on /slack when the config has Slack (the
// function URL; the job its ack hands over runs here instead of in a second invocation). State is the
// embedded SQLite store.
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { scheduleDefinitions } from "../config/schedules.ts";
import type { HomeostatConfig } from "../config/schema.ts";
import type { HandlerName } from "../domain/handlers.ts";
import type { Kube } from "../kube/client.ts";
import { buildDeps } from "../runtime/deps.ts";
import {
  ENV,
  type Env,
  pick,
  RuntimeConfigError,
  rolloutThresholdsFromEnv,
  secretFrom,
} from "../runtime/env.ts";
import { type HandlerRun, runHandler } from "../runtime/handler.ts";
import { withRecordSink } from "../runtime/invoke.ts";
import type { PipelineDeps, PipelineLogger, TriggerOutcome } from "../runtime/pipeline.ts";
import { buildSlackDeps } from "../slack/commands/deps.ts";
import { handleSlackEvent, type SlackEndpointDeps } from "../slack/commands/endpoint.ts";
import type { FunctionUrlEvent, FunctionUrlResult } from "../slack/commands/request.ts";
import type { SlackRunOutcome } from "../slack/commands/run.ts";
import type { AuditRecord } from "../state/audit-log.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import { localDeferScheduler } from "./deferrals.ts";
import { type EventEndpoint, startEventEndpoint } from "./http.ts";
import { type Firing, firingPayload, type ScheduleClock, startScheduleClock } from "./schedules.ts";
import { clockTime, renderRecordProblem, renderTimelineEntry } from "./timeline.ts";

export interface DevOptions {
  config: HomeostatConfig;
  /** The cluster client for every configured cluster (the CLI's --kubeconfig); else as the config says. */
  kube?: Kube;
  dryRun?: boolean;
  /** Loopback port of the event endpoint; 0 takes any free one. */
  port: number;
  rolloutIntervalMs: number;
  /** Where the timeline goes, a line or a block at a time (each ends without a newline). */
  print: (text: string) => void;
  /** Read as in Lambda (HOMEOSTAT_CLUSTERS, HOMEOSTAT_STATE_DB, the rollout thresholds); default process.env. */
  env?: Env;
}

export interface DevSession {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The SQLite file the state is kept in. */
  statePath: string;
  /** The clusters served (config keys). */
  clusters: string[];
  schedules: ScheduleClock<Promise<HandlerRun> | undefined>;
  /** `served`: POST <url>/slack is the Slack app's endpoint; else why not. */
  slack: { served: true } | { served: false; reason: string };
  /** Stops taking events, stops the timers, waits for the runs under way, closes the store. */
  stop(): Promise<void>;
}

/** The state file `homeostat dev` (and `invoke`) keep: HOMEOSTAT_STATE_DB, else .homeostat/state.db. */
export function devStatePath(env: Env): string {
  return resolve(pick(env, ENV.stateDb) ?? join(".homeostat", "state.db"));
}

/** Warnings and errors of the pipeline go on the timeline; its info lines are what the timeline shows. */
function timelineLogger(print: (text: string) => void, now: () => Date): PipelineLogger {
  const line = (label: string) => (message: string, extra?: Record<string, unknown>) =>
    print(`${clockTime(now())}  ${label}: ${message}${extra ? ` ${JSON.stringify(extra)}` : ""}`);
  return { info() {}, warn: line("warning"), error: line("error") };
}

/**
 * The audit records the record stage writes through `deps`, kept until the trigger they belong to is
 * printed: `entry(outcome)` is one trigger's timeline entry on one cluster, with its records, which it
 * then forgets.
 */
function timelineRecords(deps: PipelineDeps, config: HomeostatConfig, now: () => Date) {
  let written: AuditRecord[] = [];
  return {
    deps: withRecordSink(deps, (record) => written.push(record)),
    entry(outcome: TriggerOutcome): string {
      const ofOutcome = (record: AuditRecord) =>
        record.trigger.id === outcome.trigger.id && record.cluster === outcome.cluster;
      const text = renderTimelineEntry(outcome, written.filter(ofOutcome), config, now());
      written = written.filter((record) => !ofOutcome(record));
      return text;
    },
  };
}

export async function startDev(options: DevOptions): Promise<DevSession> {
  const env = options.env ?? process.env;
  const now = () => new Date();
  const { print, config } = options;
  const thresholds = rolloutThresholdsFromEnv(env);
  const running = new Set<Promise<unknown>>();
  let stopping = false;
  const statePath = devStatePath(env);
  mkdirSync(dirname(statePath), { recursive: true });
  const store = new SqliteStateStore({ path: statePath });
  // deferred drains come back to node-events at their time, as Scheduler delivers them in AWS
  const deferrals = localDeferScheduler((payload, deferred) => {
    if (stopping) return;
    print(`${clockTime(now())}  deferred run ${deferred.name} fires for ${deferred.at}`);
    run("node-events", payload).catch((error: unknown) =>
      print(`${clockTime(now())}  error: deferred run ${deferred.name}: ${String(error)}`),
    );
  });
  let deps: PipelineDeps;
  try {
    deps = await buildDeps({
      env,
      deps: {
        config,
        store,
        log: timelineLogger(print, now),
        scheduler: deferrals,
        onProgress: (text) => print(`${clockTime(now())}    ${text}`),
        ...(options.kube ? { connect: async () => options.kube as Kube } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
      },
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const clusters = deps.clusters ?? Object.keys(config.clusters);
  if (options.kube && clusters.length > 1) {
    await store.close();
    // every served cluster's policies would act on the one cluster the kubeconfig names
    throw new RuntimeConfigError(
      `one kubeconfig for ${clusters.length} clusters (${clusters.join(", ")}): set ${ENV.clusters} to the one it names, or leave out --kubeconfig/--context to reach each as the config says`,
    );
  }

  /**
   * One handler run, each trigger printed with its audit records once it ends (the record stage writes
   * them before); tracked so stop() can wait for it.
   */
  const run = (kind: HandlerName, event: unknown): Promise<HandlerRun> => {
    const timeline = timelineRecords(deps, config, now);
    const pending = runHandler(kind, event, timeline.deps, {
      thresholds,
      onOutcome: (outcome) => print(timeline.entry(outcome)),
      onRecords: (records) => {
        for (const record of records) {
          const problem = renderRecordProblem(record, now());
          if (problem) print(problem);
        }
      },
    });
    running.add(pending);
    const forget = () => running.delete(pending);
    pending.then(forget, forget);
    return pending;
  };

  const fire = (firing: Firing): Promise<HandlerRun> | undefined => {
    if (stopping) return undefined;
    const { definition, scheduledTime, cause } = firing;
    const when = `${scheduledTime.toISOString()} (${definition.expression} in ${definition.timezone})`;
    print(
      cause === "time"
        ? `${clockTime(now())}  schedule ${definition.name} fires for ${when}`
        : `${clockTime(now())}  schedule ${definition.name} fired on request, ahead of its time ${when}`,
    );
    const pending = run("schedule", firingPayload(firing));
    pending.catch((error: unknown) =>
      print(`${clockTime(now())}  error: schedule ${definition.name}: ${String(error)}`),
    );
    return pending;
  };
  const schedules = startScheduleClock(scheduleDefinitions(config, clusters), fire, now);

  let guardTimer: NodeJS.Timeout | undefined;
  const guard = async (): Promise<void> => {
    const result = await run("rollout-guard", {});
    if (result.kind !== "rollout-guard") return;
    for (const scan of result.result.clusters) {
      if (scan.error) print(`${clockTime(now())}  rollout guard: cluster ${scan.cluster}: ${scan.error}`);
    }
  };
  const scheduleGuard = (): void => {
    if (stopping) return;
    guardTimer = setTimeout(() => {
      guard()
        .catch((error: unknown) => print(`${clockTime(now())}  error: rollout guard: ${String(error)}`))
        .finally(scheduleGuard);
    }, options.rolloutIntervalMs);
  };
  scheduleGuard();

  const slack = slackEndpoint();
  /** Slack's side, as its Lambda function serves it, when the config has Slack and the secrets are set. */
  function slackEndpoint():
    | ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>)
    | { notServed: string } {
    if (!config.slack) return { notServed: "Slack is not served: the config has no slack section" };
    if (!secretFrom(env, ENV.slackSigningSecret, ENV.slackSigningSecretLinked)) {
      return {
        notServed: `Slack is not served: set ${ENV.slackSigningSecret} (the Slack app's signing secret) and ${ENV.slackToken} (its bot token)`,
      };
    }
    const timeline = timelineRecords(deps, config, now);
    const report = (outcome: SlackRunOutcome): void => {
      const why = "reason" in outcome ? `: ${outcome.reason}` : "";
      print(
        outcome.kind === "ran"
          ? timeline.entry(outcome.outcome)
          : `${clockTime(now())}  slack command: ${outcome.kind}${why}`,
      );
    };
    let built: Promise<SlackEndpointDeps> | undefined;
    const slackDeps = (): Promise<SlackEndpointDeps> => {
      built ??= buildSlackDeps({
        env,
        deps: timeline.deps,
        slack: {
          // the ack hands the job over: it runs here once the ack has answered, tracked like any run
          dispatch: async (job) => {
            const pending = slackDeps()
              .then(async (endpoint) => report((await handleSlackEvent(job, endpoint)) as SlackRunOutcome))
              .catch((error: unknown) =>
                print(`${clockTime(now())}  error: slack command: ${String(error)}`),
              );
            running.add(pending);
            pending.finally(() => running.delete(pending));
          },
        },
      });
      return built;
    };
    return async (event) => (await handleSlackEvent(event, await slackDeps())) as FunctionUrlResult;
  }

  let endpoint: EventEndpoint;
  try {
    endpoint = await startEventEndpoint({
      port: options.port,
      handle: (kind, event) => run(kind, event),
      fireSchedule: (name) => (stopping ? undefined : schedules.fireNow(name)),
      listSchedules: () => schedules.upcoming(),
      slack,
    });
  } catch (error) {
    stopping = true;
    schedules.stop();
    deferrals.stop();
    clearTimeout(guardTimer);
    await store.close();
    throw error;
  }

  return {
    url: endpoint.url,
    statePath,
    clusters,
    schedules,
    slack: slack instanceof Function ? { served: true } : { served: false, reason: slack.notServed },
    stop: async () => {
      stopping = true;
      schedules.stop();
      deferrals.stop();
      clearTimeout(guardTimer);
      const closed = endpoint.close();
      while (running.size > 0) await Promise.allSettled([...running]);
      endpoint.drop();
      await closed;
      await store.close();
    },
  };
}
