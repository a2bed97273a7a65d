import { EKSClient } from "@aws-sdk/client-eks";
import { UsageError } from "../command/index.ts";

/** The region asked for, or the AWS SDK's default (AWS_REGION, the profile's region). */
export async function resolveRegion(region: string | undefined): Promise<string> {
  if (region) return region;
  try {
    const resolved = await new EKSClient({}).config.region();
    if (resolved) return resolved;
  } catch {
    // fall through to the usage error
  }
  throw new UsageError("no AWS region: pass --region (or set AWS_REGION)");
}
