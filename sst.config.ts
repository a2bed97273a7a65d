/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Homeostat's infrastructure (SST v4 on AWS). One module per concern in stacks/; this file only wires
 * them together in dependency order. Deploy settings come from the environment (stacks/config.ts,
 * docs/deploy.md). Typechecked by `npm run typecheck:infra` (tsconfig.infra.json), not by the main
 * tsconfig: SST's platform types need @types/node 22.
 */
const PRODUCTION_STAGES = ["prod", "production"];
const AWS_PROVIDER_VERSION = "7.20.0";

export default $config({
  app(input) {
    const production = PRODUCTION_STAGES.includes(input.stage);
    // Only the region is read here: `sst install` evaluates app() too and must work without deploy
    // settings (the typecheck runs it offline). run() validates the full settings.
    const region = process.env.HOMEOSTAT_REGION?.trim();
    return {
      name: "homeostat",
      home: "aws",
      // the state table holds audit records and prior replica counts: a removed stage keeps them
      removal: production ? "retain" : "remove",
      protect: production,
      // pinned: the provider version decides the resource schemas we typecheck against
      providers: { aws: { version: AWS_PROVIDER_VERSION, ...(region ? { region } : {}) } },
    };
  },
  // SST's documented pattern: stacks are imported inside run(), where its globals exist.
  async run() {
    const { readDeploySettings } = await import("./stacks/config.ts");
    const { readDeployConfig, resolveServedClusters } = await import("./stacks/clusters.ts");
    const access = await import("./stacks/access.ts");
    const { createStateTable } = await import("./stacks/state.ts");
    const { createResultBus } = await import("./stacks/bus.ts");
    const { createDeadLetterQueue } = await import("./stacks/dead-letters.ts");
    const { createConfigSchedules, createSchedules } = await import("./stacks/schedules.ts");
    const { createFunctions, functionArn } = await import("./stacks/functions.ts");
    const { createAsgHookQueue, createTriggers } = await import("./stacks/triggers.ts");
    const { createOpsAlarms } = await import("./stacks/alarms.ts");
    const { createSlackBotToken, createSlackEndpoint, createSlackSigningSecret } = await import(
      "./stacks/slack.ts"
    );
    const { createNotify } = await import("./stacks/notify.ts");

    const settings = readDeploySettings(process.env);
    const deployConfig = readDeployConfig($cli.paths.root, settings.clusters, settings.configFile);
    const eksClusters = resolveServedClusters(deployConfig.clusters, settings.clusters, settings.region).map(
      (cluster) => cluster.eksName,
    );
    const production = PRODUCTION_STAGES.includes($app.stage);
    const context = access.awsContext(settings.region);

    const table = createStateTable({ production });
    const bus = createResultBus();
    const deadLetters = createDeadLetterQueue(context);
    const slackBotToken = createSlackBotToken(deployConfig.slack);
    const slackSigningSecret = createSlackSigningSecret(deployConfig.slack);
    const asgHooks = settings.asgHookQueue ? createAsgHookQueue(deadLetters.arn) : undefined;
    // Function ARNs are derived from their fixed names, so the scheduler role needs no function yet.
    const schedules = createSchedules(context, {
      scheduleFunctionArn: functionArn(context, "schedule"),
      nodeEventsFunctionArn: functionArn(context, "nodeEvents"),
      deadLetterQueueArn: deadLetters.arn,
    });

    const role = access.createFunctionRole({ inVpc: settings.vpc !== undefined });
    const rolePolicy = access.grantFunctionRole(role, {
      context,
      eksClusters,
      stateTableArn: table.arn,
      resultBusArn: bus.arn,
      scheduleGroupName: schedules.group.name,
      schedulerRoleArn: schedules.invokerRole.arn,
      deadLetterQueueArn: deadLetters.arn,
      asgHookQueueArn: asgHooks?.queue.arn,
    });
    const accessEntries = access.createAccessEntries(role, eksClusters);

    const functionInputs = {
      settings,
      context,
      roleArn: role.arn,
      rolePolicy,
      stateTableName: table.name,
      resultBusName: bus.name,
      scheduleGroupName: schedules.group.name,
      schedulerRoleArn: schedules.invokerRole.arn,
      deadLetterQueueArn: deadLetters.arn,
    };
    const functions = createFunctions(functionInputs);
    // Slack, apart from the action path: only when homeostat.config.ts has a `slack` section
    const notify = slackBotToken
      ? createNotify({
          context,
          stateTableName: table.name,
          stateTableArn: table.arn,
          resultBusName: bus.name,
          slackBotToken,
          deadLetterQueueArn: deadLetters.arn,
        })
      : undefined;
    const slackEndpoint =
      slackBotToken && slackSigningSecret
        ? createSlackEndpoint({ ...functionInputs, role, slackBotToken, signingSecret: slackSigningSecret })
        : undefined;
    // the config's schedule entries (created after the function they invoke)
    const configSchedules = createConfigSchedules(schedules, deployConfig.schedules, {
      scheduleFunctionArn: functions.schedule.arn,
      deadLetterQueueArn: deadLetters.arn,
    });
    createTriggers({
      functions,
      deadLetterQueueArn: deadLetters.arn,
      rolloutGuardRate: settings.rolloutGuardRate,
      asgHooks,
    });
    const ops = createOpsAlarms({
      functions,
      deadLetterQueueName: deadLetters.nodes.queue.name,
      opsEmail: settings.opsEmail,
    });

    return {
      FunctionRoleArn: role.arn,
      KubernetesGroup: access.AUTOMATION_GROUP,
      AccessEntries: accessEntries.map((entry) => entry.accessEntryArn),
      StateTable: table.name,
      ResultBus: bus.name,
      ScheduleGroup: schedules.group.name,
      Schedules: configSchedules.map((schedule) => schedule.name),
      DeadLetterQueueUrl: deadLetters.url,
      OpsAlertsTopicArn: ops.topic.arn,
      ...(notify ? { NotifyFunction: notify.fn.name, NotifyDeadLetterQueueUrl: notify.deadLetters.url } : {}),
      ...(slackEndpoint ? { SlackEndpoint: slackEndpoint.url } : {}),
      ...(asgHooks
        ? { AsgHookQueueArn: asgHooks.queue.arn, AsgHookPublisherRoleArn: asgHooks.publisherRole.arn }
        : {}),
    };
  },
});
