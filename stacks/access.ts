/**
 * The one IAM role every Homeostat function runs as, what it may do in AWS, and how it is let into
 * the cluster(s).
 *
 * Why one shared role instead of SST's role per function: Kubernetes sees the role, not the function.
 * One principal means one EKS access entry per cluster and one RBAC binding (the `homeostat:automation`
 * group), and the Kubernetes audit log still names the function (Lambda's session name).
 *
 * Kubernetes permissions are NOT granted here: the access entry only maps the role to the group.
 * The group's ClusterRole ships in packages/core/manifests/rbac.yaml and must be applied once per
 * cluster (`kubectl apply -f packages/core/manifests/rbac.yaml`), see docs/deploy.md. No AWS-managed
 * access policy is associated: AmazonEKSEditPolicy lacks nodes and pods/eviction, and
 * AmazonEKSClusterAdminPolicy is far broader than the verbs need.
 */

/** The Kubernetes group the shipped ClusterRoleBinding binds (packages/core/manifests/rbac.yaml). */
export const AUTOMATION_GROUP = "homeostat:automation";

export interface AwsContext {
  partition: $util.Output<string>;
  accountId: $util.Output<string>;
  region: string;
}

export function awsContext(region: string): AwsContext {
  return {
    partition: aws.getPartitionOutput().partition,
    accountId: aws.getCallerIdentityOutput().accountId,
    region,
  };
}

export function createFunctionRole(options: { inVpc: boolean }): aws.iam.Role {
  const role = new aws.iam.Role("FunctionRole", {
    description: `Homeostat ${$app.stage}: the identity of every Homeostat function (mapped into EKS by access entries)`,
    assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" }),
  });
  // Logs only; with a VPC also the ENI permissions Lambda needs to attach to private subnets.
  const managedPolicy = options.inVpc
    ? "service-role/AWSLambdaVPCAccessExecutionRole"
    : "service-role/AWSLambdaBasicExecutionRole";
  new aws.iam.RolePolicyAttachment("FunctionRoleExecution", {
    role: role.name,
    policyArn: $interpolate`arn:${aws.getPartitionOutput().partition}:iam::aws:policy/${managedPolicy}`,
  });
  return role;
}

export interface FunctionGrants {
  context: AwsContext;
  /** EKS cluster names. */
  eksClusters: string[];
  stateTableArn: $util.Input<string>;
  resultBusArn: $util.Input<string>;
  scheduleGroupName: $util.Input<string>;
  schedulerRoleArn: $util.Input<string>;
  deadLetterQueueArn: $util.Input<string>;
  /** The SQS queue Auto Scaling sends lifecycle hooks to directly, when enabled. */
  asgHookQueueArn: $util.Input<string> | undefined;
}

/** Least privilege for what packages/core does in AWS; each statement says which step needs it. */
export function grantFunctionRole(role: aws.iam.Role, grants: FunctionGrants): aws.iam.RolePolicy {
  const { partition, accountId, region } = grants.context;
  const statements: $util.Input<aws.iam.PolicyStatement>[] = [
    {
      // kube access: find each cluster's endpoint and CA. Minting the EKS token is local signing.
      Sid: "DescribeClusters",
      Effect: "Allow",
      Action: ["eks:DescribeCluster"],
      Resource: grants.eksClusters.map(
        (cluster) => $interpolate`arn:${partition}:eks:${region}:${accountId}:cluster/${cluster}`,
      ),
    },
    {
      // state store (DynamoStateStore): conditional writes, reads and prefix queries on one table
      // (no transactions: test/infra checks this list against the commands the code sends)
      Sid: "StateTable",
      Effect: "Allow",
      Action: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:Scan",
      ],
      Resource: [grants.stateTableArn],
    },
    {
      // record: every action result is published on the project's bus
      Sid: "PublishResults",
      Effect: "Allow",
      Action: ["events:PutEvents"],
      Resource: [grants.resultBusArn],
    },
    {
      // deferred drains (AWS Health lead time): one-time schedules, only inside our group. The
      // config's schedules are the stack's (stacks/schedules.ts), not the functions'.
      Sid: "DeferDrains",
      Effect: "Allow",
      Action: ["scheduler:CreateSchedule"],
      Resource: [
        $interpolate`arn:${partition}:scheduler:${region}:${accountId}:schedule/${grants.scheduleGroupName}/*`,
      ],
    },
    {
      // a schedule names the role EventBridge Scheduler assumes to invoke us; creating one passes it
      Sid: "PassSchedulerRole",
      Effect: "Allow",
      Action: ["iam:PassRole"],
      Resource: [grants.schedulerRoleArn],
      Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
    },
    {
      // ASG terminate hook: CONTINUE after the drain, heartbeats during a long one. Group ARNs carry a
      // generated id, so they cannot be listed ahead; the hook's token limits what a call can touch.
      Sid: "LifecycleHooks",
      Effect: "Allow",
      Action: ["autoscaling:CompleteLifecycleAction", "autoscaling:RecordLifecycleActionHeartbeat"],
      Resource: ["*"],
    },
    {
      // asynchronous invocations that fail after their retries go to the dead-letter queue (the
      // Lambda on-failure destination sends with the function's own role)
      Sid: "DeadLetters",
      Effect: "Allow",
      Action: ["sqs:SendMessage"],
      Resource: [grants.deadLetterQueueArn],
    },
  ];
  if (grants.asgHookQueueArn !== undefined) {
    statements.push({
      // the event source mapping polls the hook queue with the function's role
      Sid: "AsgHookQueue",
      Effect: "Allow",
      Action: [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ],
      Resource: [grants.asgHookQueueArn],
    });
  }
  return new aws.iam.RolePolicy("FunctionRolePolicy", {
    role: role.id,
    policy: $jsonStringify({ Version: "2012-10-17", Statement: statements }),
  });
}

/**
 * Maps the function role into each cluster as a member of `homeostat:automation`. The cluster's
 * authentication mode must be API or API_AND_CONFIG_MAP (EKS rejects access entries otherwise).
 * The principal is the role ARN, not the assumed-role session: EKS matches the session to it.
 */
export function createAccessEntries(role: aws.iam.Role, eksClusters: string[]): aws.eks.AccessEntry[] {
  // two config keys may name the same EKS cluster; it takes one entry per principal
  return [...new Set(eksClusters)].map(
    (cluster) =>
      new aws.eks.AccessEntry(`AccessEntry-${cluster}`, {
        clusterName: cluster,
        principalArn: role.arn,
        type: "STANDARD",
        kubernetesGroups: [AUTOMATION_GROUP],
      }),
  );
}
