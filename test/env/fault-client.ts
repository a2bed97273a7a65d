// A bare HTTPS client for fault tests: one request on a fresh connection, and the raw outcome — the
// status, headers and body, or the socket error (ECONNRESET, a timeout) — with nothing retried or
// interpreted, so a test sees exactly what a proxy did.
import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { dirname, join } from "node:path";

export type RawOutcome =
  | {
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: string;
      readonly ms: number;
    }
  | { readonly error: string; readonly ms: number };

export type RawClient = (
  method: string,
  path: string,
  body?: unknown,
  options?: { timeoutMs?: number },
) => Promise<RawOutcome>;

/**
 * Requests to `server` as the test PKI's admin (client certificate), with a bearer `token`, or with
 * another client certificate.
 * @example const call = rawClient(proxy.url, env.caFile); const r = await call("GET", "/api/v1/nodes");
 */
export function rawClient(
  server: string,
  caFile: string,
  identity: "admin" | { token: string } | { cert: string; key: string } = "admin",
): RawClient {
  const ca = readFileSync(caFile);
  const pair =
    identity === "admin"
      ? { cert: join(dirname(caFile), "admin.crt"), key: join(dirname(caFile), "admin.key") }
      : "cert" in identity
        ? identity
        : undefined;
  const tls = pair ? { cert: readFileSync(pair.cert), key: readFileSync(pair.key) } : {};
  const base = new URL(server);
  return (method, path, body, options = {}) =>
    new Promise((resolve) => {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const headers: Record<string, string> = { accept: "application/json" };
      if (payload !== undefined) {
        headers["content-type"] = method === "PATCH" ? "application/merge-patch+json" : "application/json";
      }
      if (identity !== "admin" && "token" in identity) headers.authorization = `Bearer ${identity.token}`;
      const req = request(
        {
          hostname: base.hostname,
          port: base.port,
          method,
          path,
          headers,
          ca,
          ...tls,
          agent: false,
          timeout: options.timeoutMs ?? 10_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, ms: ms() }),
          );
          res.on("error", (error: NodeJS.ErrnoException) =>
            resolve({ error: error.code ?? error.message, ms: ms() }),
          );
        },
      );
      req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
      req.on("error", (error: NodeJS.ErrnoException) =>
        resolve({ error: error.code ?? error.message, ms: ms() }),
      );
      req.end(payload);
    });
}

/** The status of an outcome, or its error code. */
export function outcomeOf(outcome: RawOutcome): number | string {
  return "status" in outcome ? outcome.status : outcome.error;
}
