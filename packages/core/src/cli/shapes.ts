// What `homeostat … --output json` prints, one schema per command: the contract scripts rely on.
// docs/cli.md's shapes are generated from these (scripts/cli-shapes.ts; a unit test keeps them in
// step), the integration tests validate the CLI's real output against them, and shapes.test.ts checks
// them against the types the code produces. Nothing at run time loads this module: the CLI only
// prints, so validating its own output on every run would cost start-up time for no one.
import * as z from "zod";
import { TriggerSchema } from "../events/trigger-schema.ts";

const WorkloadTarget = z
  .strictObject({
    kind: z.enum(["Deployment", "StatefulSet"]),
    namespace: z.string(),
    name: z.string(),
  })
  .meta({ id: "WorkloadTarget" });
const NodeTarget = z
  .strictObject({
    kind: z.literal("Node"),
    name: z.string().describe("the node name (resolved when an instance id was given)"),
    instanceId: z.string().optional().describe("the EC2 instance id, when known"),
  })
  .meta({ id: "NodeTarget" });
const Target = z.union([WorkloadTarget, NodeTarget]).meta({ id: "Target" });
const LifecycleActionTarget = z
  .strictObject({
    kind: z.literal("LifecycleAction"),
    autoScalingGroupName: z.string(),
    lifecycleHookName: z.string(),
    lifecycleActionToken: z.string(),
    instanceId: z.string(),
  })
  .meta({ id: "LifecycleActionTarget" });

const mutatingVerbs = ["scale", "restart", "rollback", "cordon", "uncordon", "drain"] as const;
const Undo = z
  .strictObject({
    verb: z.enum(mutatingVerbs),
    target: Target,
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  })
  .meta({ id: "Undo", description: "the action that reverses this one (homeostat <verb> … runs it)" });

const PodWithReason = z.strictObject({ pod: z.string(), reason: z.string() });
const NodeScheduling = z.strictObject({ unschedulable: z.boolean() });

/** What each verb reports as `before` and `after` (the same shape, unless `after` is given). */
const VERB_STATES = {
  scale: { before: z.strictObject({ replicas: z.number().int() }) },
  restart: {
    before: z.strictObject({
      restartedAt: z.string().optional().describe("the pod template's kubectl.kubernetes.io/restartedAt"),
      generation: z.number().int().optional(),
    }),
  },
  rollback: {
    before: z.strictObject({
      revision: z.number().int().optional().describe("deployment.kubernetes.io/revision"),
      templateRevision: z.number().int().optional().describe("the revision whose template runs"),
      changeCause: z.string().optional(),
      images: z.array(z.string()),
    }),
  },
  cordon: { before: NodeScheduling },
  uncordon: { before: NodeScheduling },
  drain: {
    before: z.strictObject({
      unschedulable: z.boolean(),
      pods: z.array(z.string()).describe("namespace/name of each pod on the node"),
    }),
    after: z.strictObject({
      unschedulable: z.boolean(),
      evicted: z.array(z.string()).describe("gone (in a dry run: would be evicted)"),
      skipped: z.array(PodWithReason).describe("left in place on purpose (DaemonSet, mirror pod, …)"),
      failed: z.array(PodWithReason).describe("blocking the drain, or left when the deadline came"),
    }),
  },
  status: {
    before: z
      .union([
        z.strictObject({
          kind: z.enum(["Deployment", "StatefulSet"]),
          replicas: z.number().int(),
          ready: z.number().int(),
          updated: z.number().int(),
          available: z.number().int(),
          revision: z.string().optional(),
          paused: z.boolean(),
          observed: z.boolean().describe("the controller has seen the latest spec"),
          conditions: z.array(
            z.strictObject({
              type: z.string(),
              status: z.string(),
              reason: z.string().optional(),
              message: z.string().optional(),
            }),
          ),
          images: z.array(z.string()),
        }),
        z.strictObject({
          kind: z.literal("Node"),
          ready: z.enum(["True", "False", "Unknown"]),
          unschedulable: z.boolean(),
          taints: z.array(
            z.strictObject({ key: z.string(), value: z.string().optional(), effect: z.string() }),
          ),
          pods: z.number().int().describe("pods bound to the node, Pending or Running"),
          instanceId: z.string().optional(),
        }),
      ])
      .describe("the same in before and after"),
  },
  history: {
    before: z
      .strictObject({
        deployment: z.string(),
        revisions: z.array(
          z.strictObject({
            revision: z.number().int(),
            changeCause: z.string().optional(),
            replicaSet: z.string(),
            images: z.array(z.string()),
            current: z.boolean(),
            createdAt: z.string().optional(),
          }),
        ),
      })
      .describe("the same in before and after"),
  },
} as const;

export type CliVerb = keyof typeof VERB_STATES;

/** The one result every verb prints, around what it reports before and after. */
function verbResult<Verb extends z.ZodType, Before extends z.ZodType, After extends z.ZodType>(
  verb: Verb,
  before: Before,
  after: After,
) {
  return z.strictObject({
    verb,
    target: Target,
    ok: z.boolean().describe("did what was asked, or there was nothing to do"),
    changed: z.boolean().describe("the cluster was (in a dry run: would be) changed"),
    dryRun: z.boolean(),
    before: before.optional(),
    after: after.optional().describe("in a dry run: what the server says it would be"),
    message: z.string().describe("one line a person can read"),
    warnings: z.array(z.string()),
    apiRequests: z.number().int(),
    durationMs: z.number(),
    undo: Undo.optional(),
    retryable: z.literal(true).optional().describe("a later attempt could fix this failure"),
  });
}

function verbResultShape<V extends CliVerb>(verb: V) {
  const states: { before: z.ZodType; after?: z.ZodType } = VERB_STATES[verb];
  return verbResult(z.literal(verb), states.before, states.after ?? states.before);
}

/** For the docs: the result of any verb, with `Before` and `After` standing for its own states. */
export const VerbResultEnvelope = verbResult(
  z.enum(Object.keys(VERB_STATES) as [CliVerb, ...CliVerb[]]),
  z.unknown().meta({ id: "Before" }),
  z.unknown().meta({ id: "After" }),
);

/** For the docs: each verb's `before` and `after`. */
export const VERB_STATE_SHAPES: ReadonlyArray<{ verb: CliVerb; before: z.ZodType; after?: z.ZodType }> = (
  Object.keys(VERB_STATES) as CliVerb[]
).map((verb) => ({ verb, ...VERB_STATES[verb] }));

/** A command that failed before or while acting: the same shape for every command, nothing changed. */
export const FailureShape = z
  .strictObject({
    verb: z
      .string()
      .describe("the command (scale, plan, eks-token, events-sample, …); unknown when the line named none"),
    target: Target.optional(),
    ok: z.literal(false),
    changed: z.literal(false),
    dryRun: z.boolean(),
    message: z.string().describe("what is wrong and what to do"),
    warnings: z.array(z.string()),
    apiRequests: z.number().int(),
    durationMs: z.number(),
    error: z.strictObject({
      code: z
        .string()
        .describe(
          "not-found, invalid, ambiguous, conflict, forbidden, paused, no-history, revision-not-found, unavailable, timeout, failed, …",
        ),
      exitCode: z.union([z.literal(1), z.literal(2)]).describe("2: bad usage or input; 1: the action failed"),
    }),
  })
  .meta({ id: "Failure" });

/** The result of each verb, when it got as far as running. */
export const VERB_RESULT_SHAPES: { [V in CliVerb]: ReturnType<typeof verbResultShape<V>> } = {
  scale: verbResultShape("scale"),
  restart: verbResultShape("restart"),
  rollback: verbResultShape("rollback"),
  cordon: verbResultShape("cordon"),
  uncordon: verbResultShape("uncordon"),
  drain: verbResultShape("drain"),
  status: verbResultShape("status"),
  history: verbResultShape("history"),
};

/** What a verb command prints: its result, or the failure. */
export function verbOutputShape(verb: CliVerb) {
  return z.union([VERB_RESULT_SHAPES[verb], FailureShape]);
}

const PlannedAction = z.strictObject({
  policy: z.string(),
  verb: z.string(),
  target: z.union([Target, LifecycleActionTarget]),
  params: z.record(z.string(), z.unknown()).describe("the verb's parameters, as the policy set them"),
  reason: z.string(),
  dryRun: z.boolean(),
  notes: z.array(z.string()),
});

/** One trigger on one cluster: what would run, and which policies were skipped and why. */
export const ClusterPlanShape = z.strictObject({
  trigger: TriggerSchema.meta({ id: "Trigger" }).describe(
    "the event as Homeostat reads it (kind: alarm, instance, schedule, rollout-stalled, command)",
  ),
  cluster: z.string(),
  actions: z.array(PlannedAction),
  skipped: z.array(z.strictObject({ policy: z.string(), reason: z.string(), stage: z.string() })),
});

/** `plan`: always the list, one entry per trigger and cluster (one event may hold several). */
export const PlanShape = z.strictObject({
  plans: z.array(ClusterPlanShape),
  rejected: z.array(z.string()).describe("records of the event Homeostat does not act on, with the reason"),
});

const ActionSummary = z.strictObject({
  policy: z.string(),
  verb: z.string(),
  target: z.string().describe("deployment/<ns>/<name>, node/<name>, …"),
  ok: z.boolean(),
  changed: z.boolean(),
  dryRun: z.boolean(),
  message: z.string(),
});
const TriggerSummary = z
  .strictObject({
    trigger: z.string().describe("the trigger id"),
    kind: z.string(),
    cluster: z.string(),
    ran: z.array(ActionSummary),
    skipped: z.array(z.strictObject({ policy: z.string(), stage: z.string(), reason: z.string() })),
  })
  .meta({ id: "TriggerSummary" });

/** `invoke <alarm|node-events|schedule>`: the handler's summary (SQS batches: and the failed items). */
const EventsInvokeShape = z.strictObject({
  handler: z.enum(["alarm", "node-events", "schedule"]),
  records: z.array(
    z.strictObject({
      index: z.number().int(),
      messageId: z.string().optional(),
      rejected: z
        .strictObject({
          kind: z.enum(["malformed", "unsupported", "ignored"]),
          reason: z.string(),
          retryable: z.literal(false),
        })
        .optional(),
      error: z.string().optional().describe("why the record could not be handled"),
      retry: z.boolean(),
      triggers: z.array(TriggerSummary),
    }),
  ),
  batchItemFailures: z
    .array(z.strictObject({ itemIdentifier: z.string() }))
    .optional()
    .describe("SQS deliveries only: the records Lambda would deliver again"),
});

/** `invoke rollout-guard`: each cluster scanned, and what the stalled rollouts led to. */
const RolloutGuardInvokeShape = z.strictObject({
  handler: z.literal("rollout-guard"),
  clusters: z.array(
    z.strictObject({
      cluster: z.string(),
      namespaces: z.array(z.string()),
      stalled: z.array(
        z.strictObject({ deployment: z.string(), revision: z.number().int().optional(), reason: z.string() }),
      ),
      error: z.string().optional(),
    }),
  ),
  triggers: z.array(TriggerSummary),
});

export const InvokeShape = z.union([EventsInvokeShape, RolloutGuardInvokeShape]);

/** `eks token`: an ExecCredential, as `aws eks get-token` prints it (no --output needed). */
export const EksTokenShape = z.strictObject({
  kind: z.literal("ExecCredential"),
  apiVersion: z.literal("client.authentication.k8s.io/v1beta1"),
  spec: z.strictObject({}),
  status: z.strictObject({ expirationTimestamp: z.string(), token: z.string() }),
});

/** `events sample`: the kinds (without KIND), or the event of KIND as AWS delivers it. */
export const EventsSampleListShape = z.array(z.string());

/** The other commands' JSON output, for the docs: the command, what it prints, and when. */
export const COMMAND_SHAPES: ReadonlyArray<{ command: string; shape: z.ZodType; note: string }> = [
  { command: "plan", shape: PlanShape, note: "exit 0" },
  { command: "invoke", shape: InvokeShape, note: "exit 0; 1 when an action failed or Lambda would retry" },
  { command: "eks token", shape: EksTokenShape, note: "exit 0 (JSON whatever --output says)" },
  {
    command: "events sample",
    shape: EventsSampleListShape,
    note: "without KIND, the list of kinds; with KIND, the sample event itself (AWS's shape); exit 0",
  },
  { command: "any command that failed", shape: FailureShape, note: "exit 2 (bad usage or input) or 1" },
];
