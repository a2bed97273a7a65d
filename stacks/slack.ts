import type { AwsContext } from "./access.ts";
import { LAMBDA_RUNTIME, NODEJS } from "./bundle.ts";
import { physicalName } from "./config.ts";
import { environment, type FunctionInputs } from "./functions.ts";

/**
 * Slack: the bot token and the signing secret, kept as SST secrets (encrypted in SST's state and
 * injected into the linked functions, never in a function's plain environment), and the command
 * endpoint. Set both before the first deploy of a stage:
 *
 *   npx sst secret set SlackBotToken xoxb-... --stage prod
 *   npx sst secret set SlackSigningSecret <the app's signing secret> --stage prod
 *
 * Created only when homeostat.config.ts has a `slack` section (its `channel` and `routes` say where
 * results go; the config is the one place for that); without it Homeostat still records every result
 * and publishes it on its bus, and deploys neither the notify function (stacks/notify.ts) nor the
 * Slack endpoint.
 */
export function createSlackBotToken(slackConfigured: boolean): sst.Secret | undefined {
  return slackConfigured ? new sst.Secret("SlackBotToken") : undefined;
}

export function createSlackSigningSecret(slackConfigured: boolean): sst.Secret | undefined {
  return slackConfigured ? new sst.Secret("SlackSigningSecret") : undefined;
}

const SLACK_FUNCTION = "slack";

export interface SlackEndpointInputs extends FunctionInputs {
  context: AwsContext;
  role: aws.iam.Role;
  slackBotToken: sst.Secret;
  signingSecret: sst.Secret;
}

/**
 * The Slack endpoint (functions/slack.ts) behind a function URL with no IAM auth: Slack cannot sign
 * with SigV4, so every request is verified with the signing secret instead, before anything else. The
 * ack invokes the same function asynchronously (InvocationType Event) for the run, hence its name is
 * fixed and the role may invoke it. Its URL is the stack's SlackEndpoint output, for
 * `homeostat slack manifest --url`.
 */
export function createSlackEndpoint(inputs: SlackEndpointInputs): sst.aws.Function {
  const name = physicalName(SLACK_FUNCTION);
  const { partition, accountId, region } = inputs.context;
  const selfInvoke = new aws.iam.RolePolicy("SlackSelfInvoke", {
    role: inputs.role.name,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "SlackAsyncRun",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          Resource: [$interpolate`arn:${partition}:lambda:${region}:${accountId}:function:${name}`],
        },
      ],
    }),
  });
  return new sst.aws.Function(
    "Fn-slack",
    {
      name,
      description: `Homeostat ${$app.stage}: the Slack command endpoint and its asynchronous runs`,
      handler: "functions/slack.handler",
      runtime: LAMBDA_RUNTIME,
      architecture: "arm64",
      memory: "512 MB",
      // the asynchronous run may drain a node asked for from Slack, as node-events does
      timeout: "15 minutes",
      role: inputs.roleArn,
      environment: environment(inputs),
      link: [inputs.slackBotToken, inputs.signingSecret],
      // the run's code (pipeline, cluster client, state store, Web API) in chunks of its own, loaded by
      // the first job: the ack's cold start loads a fifth of the bundle (npm run bench:slack-ack)
      nodejs: { ...NODEJS, splitting: true },
      url: { authorization: "none" },
      vpc: inputs.settings.vpc,
      logging: { retention: "1 month", format: "json" },
      // a failed run is not retried: its answer (on the response_url) says what happened, and the
      // trigger id would make a retry a duplicate anyway
      retries: 0,
    },
    { dependsOn: [inputs.rolePolicy, selfInvoke] },
  );
}
