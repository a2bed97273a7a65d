/**
 * The checks aws-iam-authenticator's `tokenVerifier.Verify` makes on a `k8s-aws-v1.` token before it
 * replays the presigned URL against STS (see shared/reference/eks-auth.md). Pure: no I/O, the clock
 * is an argument. The webhook (token-webhook.ts) does the replay.
 */

export const TOKEN_PREFIX = "k8s-aws-v1.";
export const CLUSTER_ID_HEADER = "x-k8s-aws-id";
const MAX_TOKEN_BYTES = 4 * 1024;
/** STS accepts a presigned GetCallerIdentity for 15 minutes from X-Amz-Date, whatever X-Amz-Expires says. */
const SERVER_LIFETIME_MS = 15 * 60 * 1000;
const ALLOWED_QUERY_KEYS = new Set([
  "action",
  "version",
  "x-amz-algorithm",
  "x-amz-credential",
  "x-amz-date",
  "x-amz-expires",
  "x-amz-security-token",
  "x-amz-signature",
  "x-amz-signedheaders",
]);

export type Partition = "aws" | "aws-cn" | "aws-us-gov";

const PARTITION_DNS_SUFFIX: Record<Partition, string> = {
  aws: "amazonaws.com",
  "aws-cn": "amazonaws.com.cn",
  "aws-us-gov": "amazonaws.com",
};

export type TokenRejectionReason =
  | "too-large"
  | "missing-prefix"
  | "bad-base64"
  | "bad-url"
  | "not-https"
  | "not-sts-host"
  | "wrong-path"
  | "query-key-not-allowed"
  | "query-key-repeated"
  | "wrong-action"
  | "cluster-id-not-signed"
  | "bad-expires"
  | "missing-date"
  | "bad-date"
  | "expired"
  | "bad-credential";

export interface TokenRejection {
  ok: false;
  reason: TokenRejectionReason;
  /** Human-readable, in the spirit of aws-iam-authenticator's FormatError messages. */
  message: string;
}

export interface VerifiedToken {
  ok: true;
  /** The presigned STS URL the token carries. */
  url: string;
  host: string;
  /** The signing region from X-Amz-Credential's scope (where the replay goes). */
  region: string;
  accessKeyId: string;
  sessionToken: string | undefined;
  signedAt: Date;
  /** When the server stops accepting it (X-Amz-Date + 15 minutes). */
  expiresAt: Date;
  signedHeaders: string[];
  /** The header the replay sends: the verifier's own cluster id, as aws-iam-authenticator does. */
  replayHeaders: Record<string, string>;
}

export type TokenVerification = VerifiedToken | TokenRejection;

export interface VerifyOptions {
  now: Date;
  clusterId: string;
  /** The partition the cluster runs in; its STS hosts are the only ones accepted. Default "aws". */
  partition?: Partition;
}

function reject(reason: TokenRejectionReason, message: string): TokenRejection {
  return { ok: false, reason, message };
}

function regionPartition(region: string): Partition {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** sts.amazonaws.com, sts.<region>.<suffix> and their -fips forms, for regions of the partition. */
export function isStsHostOfPartition(host: string, partition: Partition): boolean {
  const suffix = PARTITION_DNS_SUFFIX[partition].replaceAll(".", "\\.");
  const match = new RegExp(`^sts(?:-fips)?(?:\\.([a-z]{2}(?:-[a-z]+)+-\\d+))?\\.${suffix}$`).exec(host);
  if (!match) return false;
  const region = match[1];
  if (region === undefined) return partition === "aws";
  return regionPartition(region) === partition;
}

// Go's base64.RawURLEncoding: URL alphabet, no padding, no stray characters.
function decodeRawBase64Url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, "base64url").toString("utf8");
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // reject rollovers such as month 13 or 25:00
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h) return undefined;
  return date;
}

export function verifyEksToken(token: string, options: VerifyOptions): TokenVerification {
  const partition = options.partition ?? "aws";
  if (Buffer.byteLength(token, "utf8") > MAX_TOKEN_BYTES) {
    return reject("too-large", "token is too large");
  }
  if (!token.startsWith(TOKEN_PREFIX)) {
    return reject("missing-prefix", `token is missing expected "${TOKEN_PREFIX}" prefix`);
  }
  const decoded = decodeRawBase64Url(token.slice(TOKEN_PREFIX.length));
  if (decoded === undefined) {
    return reject("bad-base64", "token is not unpadded base64url after the prefix");
  }
  let url: URL;
  try {
    url = new URL(decoded);
  } catch {
    return reject("bad-url", "token does not hold a URL");
  }
  if (url.protocol !== "https:") {
    return reject("not-https", `unexpected scheme "${url.protocol.replace(/:$/, "")}" in pre-signed URL`);
  }
  if (!isStsHostOfPartition(url.host, partition)) {
    return reject("not-sts-host", `unexpected hostname "${url.host}" in pre-signed URL`);
  }
  if (url.pathname !== "/") {
    return reject("wrong-path", "unexpected path in pre-signed URL");
  }
  const query = new Map<string, string>();
  const rawQuery = decoded.includes("?") ? decoded.slice(decoded.indexOf("?") + 1).split("#")[0] : "";
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    const lower = key.toLowerCase();
    if (!ALLOWED_QUERY_KEYS.has(lower)) {
      return reject("query-key-not-allowed", `non-whitelisted query parameter "${key}"`);
    }
    if (query.has(lower)) {
      return reject("query-key-repeated", "query parameter with multiple values not supported");
    }
    query.set(lower, value);
  }
  if (query.get("action") !== "GetCallerIdentity") {
    return reject("wrong-action", "unexpected action parameter in pre-signed URL");
  }
  const signedHeaders = (query.get("x-amz-signedheaders") ?? "").split(";").filter(Boolean);
  if (!signedHeaders.some((h) => h.toLowerCase() === CLUSTER_ID_HEADER)) {
    return reject(
      "cluster-id-not-signed",
      `client did not sign the ${CLUSTER_ID_HEADER} header in the pre-signed URL`,
    );
  }
  const expiresText = query.get("x-amz-expires") ?? "";
  const expires = /^[+-]?\d{1,10}$/.test(expiresText) ? Number.parseInt(expiresText, 10) : Number.NaN;
  if (Number.isNaN(expires)) {
    return reject("bad-expires", `error parsing x-amz-expires parameter "${expiresText}"`);
  }
  if (expires < 0 || expires > 900) {
    return reject("bad-expires", `invalid x-amz-expires parameter in pre-signed URL: ${expires}`);
  }
  const dateText = query.get("x-amz-date");
  if (!dateText) {
    return reject("missing-date", "X-Amz-Date parameter must be present in pre-signed URL");
  }
  const signedAt = parseAmzDate(dateText);
  if (!signedAt) {
    return reject("bad-date", `error parsing X-Amz-Date parameter ${dateText} into format 20060102T150405Z`);
  }
  const expiresAt = new Date(signedAt.getTime() + SERVER_LIFETIME_MS);
  if (options.now.getTime() >= expiresAt.getTime()) {
    return reject(
      "expired",
      `X-Amz-Date parameter is expired (15 minute expiration) ${signedAt.toISOString()}`,
    );
  }
  // access-key-id/date/region/service/aws4_request
  const credential = (query.get("x-amz-credential") ?? "").split("/");
  const [accessKeyId, , region, service, terminator] = credential;
  if (
    credential.length !== 5 ||
    !accessKeyId ||
    !region ||
    service !== "sts" ||
    terminator !== "aws4_request"
  ) {
    return reject(
      "bad-credential",
      "X-Amz-Credential is not <access key id>/<date>/<region>/sts/aws4_request",
    );
  }
  return {
    ok: true,
    url: decoded,
    host: url.host,
    region,
    accessKeyId,
    sessionToken: query.get("x-amz-security-token"),
    signedAt,
    expiresAt,
    signedHeaders,
    replayHeaders: { [CLUSTER_ID_HEADER]: options.clusterId, accept: "application/json" },
  };
}
