/**
 * The local stand-in for what EKS runs in front of kube-apiserver: aws-iam-authenticator answering
 * TokenReviews for `k8s-aws-v1.` tokens, plus access entries (IAM principal → username and groups).
 *
 * A valid token is "replayed" against moto: moto routes by the credential scope of an Authorization
 * header and never checks signatures, so instead of sending the presigned URL (which moto cannot route)
 * we sign a fresh GetCallerIdentity for the token's access key id and session token. The price: the
 * signature and the signed cluster id are not checked here (real STS checks both).
 *
 * node test/env/token-webhook.ts --listen 127.0.0.1:<port> --moto-url <url> --mapping <file>
 *   --cluster-id <name> [--tls-cert <pem> --tls-key <pem>]
 * prints one stdout line {"ready":true,"url":"http(s)://127.0.0.1:<port>/authenticate"} once listening.
 */
import { readFileSync, statSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import * as z from "zod";
import { verifyEksToken } from "./token-verify.ts";

const principalArn = z
  .string()
  .regex(
    /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:(?:role|user)\/.+$/,
    "must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>), not an assumed-role session ARN",
  );

export const accessEntriesSchema = z.object({
  entries: z.array(
    z.object({
      principalArn,
      kubernetesGroups: z
        .array(
          z
            .string()
            .min(1)
            .refine((group) => !group.startsWith("system:"), "EKS access entries cannot use system: groups"),
        )
        .default([]),
      /** Like EKS: {{SessionName}}, {{SessionNameRaw}}, {{AccountID}}, {{AccessKeyID}}; default the caller's ARN. */
      username: z.string().min(1).optional(),
    }),
  ),
});

export type AccessEntries = z.infer<typeof accessEntriesSchema>;
export type AccessEntry = AccessEntries["entries"][number];

export function parseAccessEntries(text: string, source: string): AccessEntries {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`${source} is not JSON: ${(cause as Error).message}`);
  }
  const parsed = accessEntriesSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${source} is not a valid access-entries file:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** What the caller's STS identity says, reduced to what access entries match on. */
export interface CallerIdentity {
  /** The ARN GetCallerIdentity returned (an assumed-role session ARN for roles). */
  arn: string;
  /** The IAM principal access entries are keyed by: the role ARN for an assumed role. */
  principalArn: string;
  accountId: string;
  userId: string;
  sessionName: string | undefined;
}

/**
 * arn:aws:sts::ACCT:assumed-role/<role>/<session> → arn:aws:iam::ACCT:role/<role>; an IAM user ARN is
 * its own principal. Role paths are not in the session ARN, and EKS matches without them too.
 */
export function principalOf(
  arn: string,
): { principalArn: string; sessionName: string | undefined } | undefined {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumed) {
    const [, partition, account, role, session] = assumed;
    return { principalArn: `arn:${partition}:iam::${account}:role/${role}`, sessionName: session };
  }
  if (/^arn:aws[a-z-]*:iam::\d{12}:user\/.+$/.test(arn)) {
    return { principalArn: arn, sessionName: undefined };
  }
  return undefined;
}

export function renderUsername(template: string, caller: CallerIdentity, accessKeyId: string): string {
  const session = caller.sessionName ?? "";
  return template
    .replaceAll("{{SessionName}}", session.replaceAll("@", "-"))
    .replaceAll("{{SessionNameRaw}}", session)
    .replaceAll("{{AccountID}}", caller.accountId)
    .replaceAll("{{AccessKeyID}}", accessKeyId);
}

export interface ReviewUser {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export type ReviewOutcome =
  | { authenticated: true; user: ReviewUser }
  | { authenticated: false; error: string }
  /** moto unreachable or similar: answered with HTTP 500 so kube-apiserver does not cache a denial */
  | { failed: true; error: string };

export interface TokenReviewerOptions {
  motoUrl: string;
  mappingFile: string;
  clusterId: string;
  now?: () => Date;
}

/** Loads the mapping file again whenever it changes, so tests can add an entry without a restart. */
function mappingLoader(file: string): () => AccessEntries {
  let loaded: { mtimeMs: number; size: number; entries: AccessEntries } | undefined;
  return () => {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(file);
    } catch (cause) {
      throw new Error(
        `cannot read the access-entries file ${file}: ${(cause as Error).message}; pass --mapping <file> ` +
          "(the repository's is test/env/access-entries.json)",
      );
    }
    if (!loaded || loaded.mtimeMs !== stat.mtimeMs || loaded.size !== stat.size) {
      loaded = {
        mtimeMs: stat.mtimeMs,
        size: stat.size,
        entries: parseAccessEntries(readFileSync(file, "utf8"), file),
      };
    }
    return loaded.entries;
  };
}

async function callerIdentity(
  motoUrl: string,
  region: string,
  accessKeyId: string,
  sessionToken: string | undefined,
): Promise<{ arn: string; account: string; userId: string } | { error: string; infrastructure: boolean }> {
  const sts = new STSClient({
    endpoint: motoUrl,
    region,
    maxAttempts: 2,
    // the secret is unknown here and moto does not check signatures
    credentials: { accessKeyId, secretAccessKey: "token-webhook-replay", sessionToken },
  });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (!out.Arn || !out.Account || !out.UserId) {
      return { error: "STS GetCallerIdentity returned no identity", infrastructure: false };
    }
    return { arn: out.Arn, account: out.Account, userId: out.UserId };
  } catch (cause) {
    const error = cause as Error & { $metadata?: { httpStatusCode?: number } };
    const status = error.$metadata?.httpStatusCode;
    // an answer from STS (4xx) is a verdict on the credentials; anything else is moto being unavailable
    const infrastructure = status === undefined || status >= 500;
    return { error: `STS GetCallerIdentity failed: ${error.name}: ${error.message}`, infrastructure };
  } finally {
    sts.destroy();
  }
}

export function createTokenReviewer(
  options: TokenReviewerOptions,
): (token: string) => Promise<ReviewOutcome> {
  const now = options.now ?? (() => new Date());
  const loadMapping = mappingLoader(options.mappingFile);
  loadMapping(); // fail at start, not at the first request, when the file is wrong
  return async (token) => {
    const verified = verifyEksToken(token, { now: now(), clusterId: options.clusterId });
    if (!verified.ok) return { authenticated: false, error: `invalid token: ${verified.message}` };
    const identity = await callerIdentity(
      options.motoUrl,
      verified.region,
      verified.accessKeyId,
      verified.sessionToken,
    );
    if ("error" in identity) {
      return identity.infrastructure
        ? { failed: true, error: identity.error }
        : { authenticated: false, error: identity.error };
    }
    const principal = principalOf(identity.arn);
    if (!principal) {
      return {
        authenticated: false,
        error: `caller ${identity.arn} is neither an assumed role nor an IAM user`,
      };
    }
    let mapping: AccessEntries;
    try {
      mapping = loadMapping();
    } catch (cause) {
      return { failed: true, error: (cause as Error).message };
    }
    const entry = mapping.entries.find((e) => e.principalArn === principal.principalArn);
    if (!entry) {
      return {
        authenticated: false,
        error: `no access entry for ${principal.principalArn} (caller ${identity.arn}) in ${options.mappingFile}`,
      };
    }
    const caller: CallerIdentity = {
      arn: identity.arn,
      principalArn: principal.principalArn,
      accountId: identity.account,
      userId: identity.userId,
      sessionName: principal.sessionName,
    };
    return {
      authenticated: true,
      user: {
        username: entry.username
          ? renderUsername(entry.username, caller, verified.accessKeyId)
          : identity.arn,
        uid: `aws-iam-authenticator:${identity.account}:${identity.userId}`,
        groups: entry.kubernetesGroups,
        // the keys aws-iam-authenticator adds, visible in audit logs and SelfSubjectReview
        extra: {
          accessKeyId: [verified.accessKeyId],
          arn: [identity.arn],
          canonicalArn: [principal.principalArn],
          principalId: [identity.userId],
          ...(principal.sessionName ? { sessionName: [principal.sessionName] } : {}),
        },
      },
    };
  };
}

const tokenReviewRequestSchema = z.object({
  apiVersion: z.enum(["authentication.k8s.io/v1", "authentication.k8s.io/v1beta1"]),
  kind: z.literal("TokenReview"),
  spec: z.object({ token: z.string(), audiences: z.array(z.string()).optional() }),
});

function log(fields: Record<string, unknown>): void {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), component: "token-webhook", ...fields })}\n`,
  );
}

async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export interface TokenWebhookOptions extends TokenReviewerOptions {
  host: string;
  port: number;
  tls?: { cert: string; key: string };
}

export async function startTokenWebhook(
  options: TokenWebhookOptions,
): Promise<{ server: Server; url: string }> {
  const review = createTokenReviewer(options);
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === "GET" && req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (req.method !== "POST" || req.url?.split("?")[0] !== "/authenticate") {
      send(res, 404, { error: "POST a TokenReview to /authenticate" });
      return;
    }
    let request: z.infer<typeof tokenReviewRequestSchema>;
    try {
      const parsed = tokenReviewRequestSchema.safeParse(JSON.parse(await readBody(req)));
      if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
      request = parsed.data;
    } catch (cause) {
      log({ level: "warn", msg: "bad TokenReview request", error: (cause as Error).message });
      send(res, 400, { error: `not a TokenReview: ${(cause as Error).message}` });
      return;
    }
    const outcome = await review(request.spec.token);
    const envelope = { apiVersion: request.apiVersion, kind: "TokenReview" };
    if ("failed" in outcome) {
      log({ level: "error", msg: "token review failed", error: outcome.error });
      send(res, 500, { ...envelope, status: { authenticated: false, error: outcome.error } });
    } else if (outcome.authenticated) {
      log({
        level: "info",
        msg: "authenticated",
        username: outcome.user.username,
        groups: outcome.user.groups,
      });
      send(res, 200, { ...envelope, status: { authenticated: true, user: outcome.user } });
    } else {
      log({ level: "info", msg: "not authenticated", reason: outcome.error });
      send(res, 200, { ...envelope, status: { authenticated: false, error: outcome.error } });
    }
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((cause: unknown) => {
      log({ level: "error", msg: "unhandled", error: String(cause) });
      if (!res.headersSent) send(res, 500, { error: String(cause) });
    });
  };
  const server = options.tls
    ? createHttpsServer(
        { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) },
        listener,
      )
    : createHttpServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `${options.tls ? "https" : "http"}://${options.host}:${port}/authenticate` };
}

function usage(problem: string): never {
  process.stderr.write(
    `token-webhook: ${problem}\nusage: node test/env/token-webhook.ts --listen 127.0.0.1:<port> --moto-url <url> ` +
      "--mapping <file> --cluster-id <name> [--tls-cert <pem> --tls-key <pem>]\n",
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: "string" },
      "moto-url": { type: "string" },
      mapping: { type: "string" },
      "cluster-id": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
    },
    strict: true,
  });
  const listen = /^(.+):(\d+)$/.exec(values.listen ?? "");
  if (!listen?.[1] || !listen[2]) usage("--listen <host:port> is required");
  if (!values["moto-url"]) usage("--moto-url is required");
  if (!values.mapping) usage("--mapping is required");
  if (!values["cluster-id"]) usage("--cluster-id is required");
  if (Boolean(values["tls-cert"]) !== Boolean(values["tls-key"]))
    usage("--tls-cert and --tls-key go together");
  const { url } = await startTokenWebhook({
    host: listen[1],
    port: Number(listen[2]),
    motoUrl: values["moto-url"],
    mappingFile: values.mapping,
    clusterId: values["cluster-id"],
    ...(values["tls-cert"] && values["tls-key"]
      ? { tls: { cert: values["tls-cert"], key: values["tls-key"] } }
      : {}),
  });
  process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`);
}

if (import.meta.main) {
  main().catch((cause: unknown) => {
    process.stderr.write(`token-webhook: could not start: ${(cause as Error).message ?? String(cause)}\n`);
    process.exit(1);
  });
}
