// AWS SDK clients pointed at the test environment's moto server, and moto-assumed role credentials.
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { TestEnv } from "./env.ts";

/** moto accepts any credentials; these only need to look like AWS ones. */
export const DUMMY_CREDENTIALS: AwsCredentialIdentity = {
  accessKeyId: "testing",
  secretAccessKey: "testing",
};

export interface MotoClientConfig {
  endpoint: string;
  region: string;
  credentials: AwsCredentialIdentity;
}

/**
 * Config for any AWS SDK v3 client, talking to moto.
 * @example new DynamoDBClient(clientConfig(env))
 */
export function clientConfig(
  env: Pick<TestEnv, "motoUrl" | "region">,
  credentials: AwsCredentialIdentity = DUMMY_CREDENTIALS,
): MotoClientConfig {
  return { endpoint: env.motoUrl, region: env.region, credentials };
}

/** Temporary credentials for `roleArn` from moto's STS (what a Lambda's execution role gets). */
export async function assumeRole(
  env: Pick<TestEnv, "motoUrl" | "region">,
  roleArn: string,
  sessionName: string,
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient(clientConfig(env));
  try {
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 3600 }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error(
        `moto's AssumeRole for ${roleArn} returned no credentials; is moto running at ${env.motoUrl}?`,
      );
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
  } finally {
    sts.destroy();
  }
}
