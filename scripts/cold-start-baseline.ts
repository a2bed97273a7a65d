// The cold-start benchmark's baseline (scripts/bench-cold-start.ts): a bare function that imports
// client-node whole and the EKS, STS, DynamoDB and EventBridge clients, makes one of each, and
// answers. A Homeostat handler should be ready no later than this.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EKSClient } from "@aws-sdk/client-eks";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { STSClient } from "@aws-sdk/client-sts";
import * as k8s from "@kubernetes/client-node";

const clients = [new EKSClient({}), new STSClient({}), new DynamoDBClient({}), new EventBridgeClient({})];
const kubeConfig = new k8s.KubeConfig();
// every export, as a plain `import` of the package loads them: nothing is left out by tree shaking
const kubeExports = Object.keys(k8s).length;

export const handler = async () => ({
  clients: clients.length,
  contexts: kubeConfig.getContexts().length,
  kubeExports,
});
