import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** The prefix EKS (aws-iam-authenticator) expects on every bearer token. */
export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";
/** The signed header that binds a token to one cluster. */
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
/** What `aws eks get-token` asks for; the server ignores it and allows 15 minutes from X-Amz-Date. */
const PRESIGN_EXPIRES_SECONDS = 60;
/** Clients stop using a token a minute before the server's 15-minute window closes. */
const CLIENT_LIFETIME_MS = 14 * 60 * 1000;

export interface EksTokenInput {
  clusterName: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Defaults to now; fixed in tests to get a deterministic token. */
  signingDate?: Date;
}

export interface EksToken {
  token: string;
  /** When a client should stop using it (signing + 14 min). */
  expiresAt: Date;
}

/** What `aws eks get-token` prints, so a kubeconfig `exec` entry can use `homeostat eks token`. */
export interface ExecCredential {
  kind: "ExecCredential";
  apiVersion: "client.authentication.k8s.io/v1beta1";
  spec: Record<string, never>;
  status: { expirationTimestamp: string; token: string };
}

export class EksTokenError extends Error {
  override name = "EksTokenError";
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The DNS suffix of the AWS partition a region belongs to (STS is regional in every partition). */
export function partitionDnsSuffix(region: string): string {
  if (region.startsWith("cn-")) return "amazonaws.com.cn";
  if (region.startsWith("us-isob-")) return "sc2s.sgov.gov";
  if (region.startsWith("us-iso-")) return "c2s.ic.gov";
  return "amazonaws.com";
}

/** The regional STS host a token for `region` is presigned against. */
export function stsHost(region: string): string {
  return `sts.${region}.${partitionDnsSuffix(region)}`;
}

// RFC 3986 encoding, as SigV4 canonicalizes the query (encodeURIComponent leaves !'()* alone).
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Mints an EKS bearer token the way `aws eks get-token` does: a presigned STS GetCallerIdentity URL
 * with the cluster name in the signed `x-k8s-aws-id` header. Local signing only: no network call and
 * no IAM permission is needed, just credentials.
 *
 * @example
 * const { token, expiresAt } = await mintEksToken({ clusterName: "prod", region: "eu-west-1", credentials });
 */
export async function mintEksToken(input: EksTokenInput): Promise<EksToken> {
  const { clusterName, region } = input;
  if (!clusterName.trim()) {
    throw new EksTokenError("cannot mint an EKS token without a cluster name: pass the EKS cluster's name");
  }
  if (!REGION_PATTERN.test(region)) {
    throw new EksTokenError(
      `"${region}" is not an AWS region name: pass the cluster's region, for example us-east-1`,
    );
  }
  const signingDate = input.signingDate ?? new Date();
  const host = stsHost(region);
  const signer = new SignatureV4({
    credentials: input.credentials,
    region,
    service: "sts",
    sha256: Sha256,
  });
  const request = new HttpRequest({
    method: "GET",
    protocol: "https:",
    hostname: host,
    path: "/",
    headers: { host, [CLUSTER_ID_HEADER]: clusterName },
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
  });
  let presigned: HttpRequest;
  try {
    presigned = (await signer.presign(request, {
      expiresIn: PRESIGN_EXPIRES_SECONDS,
      signingDate,
    })) as HttpRequest;
  } catch (cause) {
    throw new EksTokenError(
      `could not sign the EKS token for cluster "${clusterName}": ${cause instanceof Error ? cause.message : String(cause)}; check that AWS credentials are available`,
      { cause },
    );
  }
  const query = Object.entries(presigned.query)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(String(value))}`)
    .join("&");
  const url = `https://${host}/?${query}`;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url"),
    expiresAt: new Date(signingDate.getTime() + CLIENT_LIFETIME_MS),
  };
}

/** The ExecCredential `aws eks get-token` prints (timestamps without milliseconds, like the CLI). */
export function execCredential(token: EksToken): ExecCredential {
  return {
    kind: "ExecCredential",
    apiVersion: "client.authentication.k8s.io/v1beta1",
    spec: {},
    status: {
      expirationTimestamp: token.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
      token: token.token,
    },
  };
}
