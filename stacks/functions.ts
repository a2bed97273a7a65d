import type { AwsContext } from "./access.ts";
import { LAMBDA_RUNTIME, NODEJS } from "./bundle.ts";
import { type DeploySettings, physicalName } from "./config.ts";
import { FUNCTION_SUFFIX, HANDLERS, type HandlerKey } from "./handlers.ts";

export function functionName(key: HandlerKey): string {
  return physicalName(FUNCTION_SUFFIX[key]);
}

export function functionArn(context: AwsContext, key: HandlerKey): $util.Output<string> {
  return $interpolate`arn:${context.partition}:lambda:${context.region}:${context.accountId}:function:${functionName(key)}`;
}

export interface FunctionInputs {
  settings: DeploySettings;
  context: AwsContext;
  roleArn: $util.Input<string>;
  /** Wait for the role's policy, so the first invocation does not race IAM. */
  rolePolicy: aws.iam.RolePolicy;
  stateTableName: $util.Input<string>;
  resultBusName: $util.Input<string>;
  scheduleGroupName: $util.Input<string>;
  schedulerRoleArn: $util.Input<string>;
  deadLetterQueueArn: $util.Input<string>;
}

export type HomeostatFunctions = Record<HandlerKey, sst.aws.Function>;

/**
 * The environment every handler reads (packages/core/src/runtime/env.ts names them; functions/README.md
 * says what each is for), and nothing else.
 */
export function environment(inputs: FunctionInputs): Record<string, $util.Input<string>> {
  const { settings, context } = inputs;
  return {
    // keys of homeostat.config.ts `clusters` (bundled into the functions), not EKS names
    HOMEOSTAT_CLUSTERS: settings.clusters.join(","),
    HOMEOSTAT_STATE_TABLE: inputs.stateTableName,
    HOMEOSTAT_EVENT_BUS: inputs.resultBusName,
    HOMEOSTAT_SCHEDULE_GROUP: inputs.scheduleGroupName,
    HOMEOSTAT_SCHEDULER_ROLE_ARN: inputs.schedulerRoleArn,
    HOMEOSTAT_NODE_EVENTS_FUNCTION_ARN: functionArn(context, "nodeEvents"),
    POWERTOOLS_SERVICE_NAME: "homeostat",
    POWERTOOLS_METRICS_NAMESPACE: "Homeostat",
  };
}

export function createFunctions(inputs: FunctionInputs): HomeostatFunctions {
  const make = (key: HandlerKey): sst.aws.Function => {
    const { handler, timeout } = HANDLERS[key];
    return new sst.aws.Function(
      `Fn-${FUNCTION_SUFFIX[key]}`,
      {
        name: functionName(key),
        description: `Homeostat ${$app.stage}: ${FUNCTION_SUFFIX[key]} handler`,
        handler,
        runtime: LAMBDA_RUNTIME,
        // bundled as scripts/bundle.ts bundles it (stacks/bundle.ts): minified, ESM, no source map
        nodejs: NODEJS,
        // pure JavaScript: Graviton is cheaper at the same speed
        architecture: "arm64",
        // more memory is more CPU: TLS to the API server and JSON parsing dominate a cold start
        memory: "512 MB",
        timeout,
        role: inputs.roleArn,
        environment: environment(inputs),
        vpc: inputs.settings.vpc,
        logging: { retention: "1 month", format: "json" },
        // Asynchronous invocations (EventBridge, Scheduler) retry twice, then land in the dead-letter
        // queue with the event and the error instead of being dropped.
        retries: 2,
        transform: {
          eventInvokeConfig: (args) => {
            args.destinationConfig = { onFailure: { destination: inputs.deadLetterQueueArn } };
          },
        },
      },
      { dependsOn: [inputs.rolePolicy] },
    );
  };
  return {
    alarm: make("alarm"),
    nodeEvents: make("nodeEvents"),
    schedule: make("schedule"),
    rolloutGuard: make("rolloutGuard"),
  };
}
