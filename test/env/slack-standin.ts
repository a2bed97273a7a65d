/**
 * A local stand-in for Slack's Web API and response URLs, for tests: answers the way Slack does,
 * records every call, and fails on demand (429 with Retry-After, or 5xx).
 *
 * node test/env/slack-standin.ts --listen 127.0.0.1:<port> --token <bot token>
 * prints one stdout line {"ready":true,"url":"http://127.0.0.1:<port>"} once listening.
 *
 * Web API (what @slack/web-api's WebClient with slackApiUrl `<url>/api/` calls), JSON or form bodies,
 * token as `Authorization: Bearer` or a `token` form field:
 *   POST /api/auth.test, /api/chat.postMessage, /api/chat.update, /api/chat.postEphemeral
 *   Errors like Slack's: not_authed, invalid_auth, channel_not_found, no_text, invalid_blocks,
 *   message_not_found, cant_update_message, unknown_method. A channel is "not found" when missing,
 *   malformed, or starting with CMISSING (an id) or #missing / missing (a name), for error-path tests.
 *   POST /api/users.info, /api/usergroups.users.list: the directory tests set (see SlackDirectory);
 *   user_not_found, no_such_subteam otherwise.
 * Response URLs: POST /response/<id> (any id; at most 5 uses within 30 minutes, like Slack).
 * Control API for tests (see slack-control.ts): under /_control/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import * as z from "zod";

export interface RecordedCall {
  /** increasing call number */
  seq: number;
  /** a Web API method (chat.postMessage, …) or "response_url" */
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  response: { status: number; body: unknown };
  /** the failure injected into this call, when one was */
  injected?: { status: number; retryAfter?: number };
  time: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  /** ephemeral messages are visible to one user and cannot be updated */
  ephemeral?: { user: string };
  /** set by chat.update or replace_original */
  edited?: string;
  /** set by delete_original */
  deleted?: boolean;
}

export const failureSchema = z.object({
  /** a Web API method name, "response_url", or "*" for every call */
  method: z.string().min(1),
  status: z.union([z.literal(429), z.literal(500), z.literal(502), z.literal(503)]),
  /** seconds, sent as Retry-After with 429 (default 1) */
  retryAfter: z.int().min(0).optional(),
  /** how many of the next matching calls fail (default 1) */
  times: z.int().positive().default(1),
});
export type FailureSpec = z.input<typeof failureSchema>;

export const responseUrlRequestSchema = z.object({
  /** the message a button lives on: replace_original / delete_original act on it */
  channel: z.string().optional(),
  ts: z.string().optional(),
});

const RESPONSE_URL_MAX_USES = 5;
const RESPONSE_URL_LIFETIME_MS = 30 * 60 * 1000;
const MAX_RECORDED_CALLS = 10_000;
const MAX_BLOCKS = 50;
const BOT = { user: "U0HOMEOSTAT", bot_id: "B0HOMEOSTAT", app_id: "A0HOMEOSTAT", team: "T0HOMEOSTAT" };
const RECORDED_HEADERS = ["authorization", "content-type", "user-agent"];

const channelIdPattern = /^[CDG][A-Z0-9]{2,}$/;
const channelNamePattern = /^#?[a-z0-9][a-z0-9._-]{0,79}$/;

/** Slack answers with the channel id; names get a stable id derived from the name. */
function resolveChannel(channel: unknown): string | undefined {
  if (typeof channel !== "string" || channel === "") return undefined;
  if (channelIdPattern.test(channel)) return channel.startsWith("CMISSING") ? undefined : channel;
  if (!channelNamePattern.test(channel)) return undefined;
  const name = channel.replace(/^#/, "");
  if (name.startsWith("missing")) return undefined;
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `C${hash.toString(36).toUpperCase().padStart(8, "0")}`;
}

type SlackAnswer = { status: number; body: unknown; headers?: Record<string, string> };
const ok = (body: Record<string, unknown>): SlackAnswer => ({ status: 200, body: { ok: true, ...body } });
const slackError = (error: string): SlackAnswer => ({ status: 200, body: { ok: false, error } });

export interface SlackStandinOptions {
  host: string;
  port: number;
  token: string;
}

export class SlackStandin {
  readonly token: string;
  private calls: RecordedCall[] = [];
  private seq = 0;
  private failures: Array<z.infer<typeof failureSchema>> = [];
  private messages = new Map<string, StoredMessage>();
  private responseUrls = new Map<
    string,
    { firstUse?: number; uses: number; channel?: string; ts?: string }
  >();
  /** The workspace's users and user groups, as tests set them. */
  readonly directory = new SlackDirectory();
  private lastTsMicros = 0;
  private responseUrlSeq = 0;
  baseUrl = "";

  constructor(token: string) {
    this.token = token;
  }

  /** Increasing timestamps in Slack's "seconds.micros" form. */
  private nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    return `${Math.floor(this.lastTsMicros / 1e6)}.${String(this.lastTsMicros % 1e6).padStart(6, "0")}`;
  }

  private takeFailure(method: string): z.infer<typeof failureSchema> | undefined {
    const failure = this.failures.find((f) => (f.method === method || f.method === "*") && f.times > 0);
    if (!failure) return undefined;
    failure.times--;
    this.failures = this.failures.filter((f) => f.times > 0);
    return failure;
  }

  private record(call: Omit<RecordedCall, "seq" | "time">): void {
    this.calls.push({ seq: ++this.seq, time: new Date().toISOString(), ...call });
    if (this.calls.length > MAX_RECORDED_CALLS) this.calls.splice(0, this.calls.length - MAX_RECORDED_CALLS);
  }

  private authError(headers: IncomingMessage["headers"], body: Record<string, unknown>): string | undefined {
    const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "")?.[1];
    const token = bearer ?? (typeof body.token === "string" ? body.token : undefined);
    if (!token) return "not_authed";
    return token === this.token ? undefined : "invalid_auth";
  }

  private messageContent(body: Record<string, unknown>): { text?: string; blocks?: unknown[] } | string {
    const text = typeof body.text === "string" && body.text !== "" ? body.text : undefined;
    const blocks = body.blocks;
    if (blocks !== undefined && (!Array.isArray(blocks) || blocks.length > MAX_BLOCKS))
      return "invalid_blocks";
    const attachments = Array.isArray(body.attachments) && body.attachments.length > 0;
    if (!text && !(Array.isArray(blocks) && blocks.length > 0) && !attachments) return "no_text";
    return { ...(text ? { text } : {}), ...(Array.isArray(blocks) ? { blocks } : {}) };
  }

  private publicMessage(m: StoredMessage): Record<string, unknown> {
    return {
      type: "message",
      ...BOT,
      text: m.text ?? "",
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
      ...(m.edited ? { edited: { user: BOT.user, ts: m.edited } } : {}),
      ts: m.ts,
    };
  }

  webApi(method: string, headers: IncomingMessage["headers"], body: Record<string, unknown>): SlackAnswer {
    const authError = this.authError(headers, body);
    if (authError) return slackError(authError);
    switch (method) {
      case "auth.test":
        return ok({
          url: "https://homeostat-test.slack.com/",
          team: "homeostat-test",
          user: "homeostat",
          team_id: BOT.team,
          user_id: BOT.user,
          bot_id: BOT.bot_id,
        });
      case "chat.postMessage":
      case "chat.postEphemeral": {
        const channel = resolveChannel(body.channel);
        if (!channel) return slackError("channel_not_found");
        if (method === "chat.postEphemeral" && typeof body.user !== "string")
          return slackError("user_not_in_channel");
        const content = this.messageContent(body);
        if (typeof content === "string") return slackError(content);
        const ts = this.nextTs();
        const message: StoredMessage = {
          channel,
          ts,
          ...content,
          ...(typeof body.thread_ts === "string" ? { thread_ts: body.thread_ts } : {}),
          ...(method === "chat.postEphemeral" ? { ephemeral: { user: String(body.user) } } : {}),
        };
        this.messages.set(`${channel}/${ts}`, message);
        return method === "chat.postEphemeral"
          ? ok({ message_ts: ts })
          : ok({ channel, ts, message: this.publicMessage(message) });
      }
      case "chat.update": {
        const channel = resolveChannel(body.channel);
        if (!channel) return slackError("channel_not_found");
        const ts = typeof body.ts === "string" ? body.ts : "";
        const message = this.messages.get(`${channel}/${ts}`);
        if (!message || message.deleted) return slackError("message_not_found");
        if (message.ephemeral) return slackError("cant_update_message");
        const content = this.messageContent(body);
        if (typeof content === "string") return slackError(content);
        // chat.update replaces text and blocks as given
        message.text = content.text;
        message.blocks = content.blocks;
        message.edited = this.nextTs();
        return ok({ channel, ts, text: message.text ?? "", message: this.publicMessage(message) });
      }
      case "users.info":
      case "usergroups.users.list":
        return this.directory.answer(method, body);
      default:
        return slackError("unknown_method");
    }
  }

  responseUrl(id: string, body: Record<string, unknown>, now = Date.now()): SlackAnswer {
    const url = this.responseUrls.get(id) ?? { uses: 0 };
    this.responseUrls.set(id, url);
    url.firstUse ??= now;
    if (now - url.firstUse > RESPONSE_URL_LIFETIME_MS)
      return { status: 404, body: { ok: false, error: "expired_url" } };
    if (url.uses >= RESPONSE_URL_MAX_USES) return { status: 404, body: { ok: false, error: "used_url" } };
    url.uses++;
    const original = url.channel && url.ts ? this.messages.get(`${url.channel}/${url.ts}`) : undefined;
    if (body.delete_original === true || body.delete_original === "true") {
      if (original) original.deleted = true;
      return { status: 200, body: "ok" };
    }
    const content = this.messageContent(body);
    if (typeof content === "string") return { status: 400, body: { ok: false, error: content } };
    if ((body.replace_original === true || body.replace_original === "true") && original) {
      original.text = content.text;
      original.blocks = content.blocks;
      original.edited = this.nextTs();
    } else if (url.channel) {
      const ts = this.nextTs();
      this.messages.set(`${url.channel}/${ts}`, {
        channel: url.channel,
        ts,
        ...content,
        ...(body.response_type === "in_channel" ? {} : { ephemeral: { user: "U0INVOKER" } }),
      });
    }
    return { status: 200, body: "ok" };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://standin");
    const path = url.pathname;
    if (path.startsWith("/_control/")) return this.control(req, res, url);
    const raw = await readBody(req);
    const body = parseBody(raw, req.headers["content-type"]);
    const api = /^\/api\/([A-Za-z.]+)$/.exec(path);
    const response = /^\/response\/([^/]+)$/.exec(path);
    if (req.method !== "POST" || (!api && !response)) {
      return send(res, { status: 404, body: { ok: false, error: "unknown_method" } });
    }
    const method = api?.[1] ?? "response_url";
    const headers: Record<string, string> = {};
    for (const name of RECORDED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const failure = this.takeFailure(method);
    let answer: SlackAnswer;
    if (failure) {
      const retryAfter = failure.retryAfter ?? 1;
      answer =
        failure.status === 429
          ? {
              status: 429,
              body: { ok: false, error: "ratelimited" },
              headers: { "retry-after": String(retryAfter) },
            }
          : { status: failure.status, body: { ok: false, error: "internal_error" } };
    } else if (body === undefined) {
      answer = api
        ? slackError("invalid_form_data")
        : { status: 400, body: { ok: false, error: "invalid_payload" } };
    } else {
      answer = api ? this.webApi(method, req.headers, body) : this.responseUrl(response?.[1] ?? "", body);
    }
    this.record({
      method,
      path,
      headers,
      body: body ?? raw,
      response: { status: answer.status, body: answer.body },
      ...(failure
        ? {
            injected: {
              status: failure.status,
              ...(failure.status === 429 ? { retryAfter: failure.retryAfter ?? 1 } : {}),
            },
          }
        : {}),
    });
    send(res, answer);
  }

  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    const json = async (): Promise<unknown> => {
      const raw = await readBody(req);
      return raw ? JSON.parse(raw) : {};
    };
    switch (route) {
      case "GET /_control/calls": {
        const method = url.searchParams.get("method");
        return send(res, ok({ calls: method ? this.calls.filter((c) => c.method === method) : this.calls }));
      }
      case "DELETE /_control/calls":
        this.calls = [];
        return send(res, ok({}));
      case "GET /_control/messages": {
        const channel = url.searchParams.get("channel");
        const all = [...this.messages.values()];
        return send(res, ok({ messages: channel ? all.filter((m) => m.channel === channel) : all }));
      }
      case "POST /_control/fail": {
        const parsed = failureSchema.safeParse(await json());
        if (!parsed.success)
          return send(res, { status: 400, body: { ok: false, error: z.prettifyError(parsed.error) } });
        this.failures.push(parsed.data);
        return send(res, ok({ pending: this.failures }));
      }
      case "DELETE /_control/fail":
        this.failures = [];
        return send(res, ok({}));
      case "POST /_control/response-urls": {
        const parsed = responseUrlRequestSchema.safeParse(await json());
        if (!parsed.success)
          return send(res, { status: 400, body: { ok: false, error: z.prettifyError(parsed.error) } });
        const id = `R${Date.now().toString(36)}${(++this.responseUrlSeq).toString(36)}`.toUpperCase();
        const channel = parsed.data.channel ? resolveChannel(parsed.data.channel) : undefined;
        this.responseUrls.set(id, {
          uses: 0,
          ...(channel ? { channel } : {}),
          ...(parsed.data.ts ? { ts: parsed.data.ts } : {}),
        });
        return send(res, ok({ id, url: `${this.baseUrl}/response/${id}` }));
      }
      case "POST /_control/directory": {
        const parsed = directorySchema.safeParse(await json());
        if (!parsed.success)
          return send(res, { status: 400, body: { ok: false, error: z.prettifyError(parsed.error) } });
        this.directory.set(parsed.data);
        return send(res, ok({}));
      }
      case "DELETE /_control/state":
        this.directory.clear();
        this.calls = [];
        this.failures = [];
        this.messages.clear();
        this.responseUrls.clear();
        return send(res, ok({}));
      default:
        return send(res, {
          status: 404,
          body: { ok: false, error: `no control route ${route}; see test/env/slack-control.ts` },
        });
    }
  }
}

// --- The directory: users and user groups (users.info, usergroups.users.list) -------------------------

export const directorySchema = z.object({
  users: z.array(z.object({ id: z.string().regex(/^[UW][A-Z0-9]+$/), name: z.string().min(1) })).default([]),
  usergroups: z
    .array(z.object({ id: z.string().regex(/^S[A-Z0-9]+$/), users: z.array(z.string()) }))
    .default([]),
});
export type DirectorySpec = z.input<typeof directorySchema>;

/** What users.info and usergroups.users.list answer; set by tests, merged by id. */
export class SlackDirectory {
  private users = new Map<string, string>();
  private usergroups = new Map<string, string[]>();

  set(spec: z.output<typeof directorySchema>): void {
    for (const user of spec.users) this.users.set(user.id, user.name);
    for (const group of spec.usergroups) this.usergroups.set(group.id, [...group.users]);
  }

  clear(): void {
    this.users.clear();
    this.usergroups.clear();
  }

  answer(method: "users.info" | "usergroups.users.list", body: Record<string, unknown>): SlackAnswer {
    if (method === "users.info") {
      const id = typeof body.user === "string" ? body.user : "";
      const name = this.users.get(id);
      if (name === undefined) return slackError("user_not_found");
      return ok({ user: { id, team_id: BOT.team, name, real_name: name, deleted: false, is_bot: false } });
    }
    const id = typeof body.usergroup === "string" ? body.usergroup : "";
    const users = this.usergroups.get(id);
    return users === undefined ? slackError("no_such_subteam") : ok({ users });
  }
}

async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// Form fields that carry JSON, as WebClient and Slack's docs encode them.
const JSON_FORM_FIELDS = new Set(["blocks", "attachments", "metadata"]);

/** JSON or form body → object; undefined when it cannot be parsed. */
export function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> | undefined {
  if (raw.trim() === "") return {};
  try {
    if ((contentType ?? "").includes("application/json")) {
      const value: unknown = JSON.parse(raw);
      return value !== null && typeof value === "object" && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    }
    const body: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(raw)) {
      body[key] = JSON_FORM_FIELDS.has(key) ? JSON.parse(value) : value;
    }
    return body;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, answer: SlackAnswer): void {
  const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "content-type": typeof answer.body === "string" ? "text/plain" : "application/json; charset=utf-8",
    ...answer.headers,
  });
  res.end(text);
}

export async function startSlackStandin(
  options: SlackStandinOptions,
): Promise<{ server: Server; url: string; standin: SlackStandin }> {
  const standin = new SlackStandin(options.token);
  const server = createServer((req, res) => {
    standin.handle(req, res).catch((cause: unknown) => {
      process.stderr.write(
        `${JSON.stringify({ component: "slack-standin", level: "error", error: String(cause) })}\n`,
      );
      if (!res.headersSent)
        send(res, { status: 500, body: { ok: false, error: "standin_error", detail: String(cause) } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host}:${port}`;
  standin.baseUrl = url;
  return { server, url, standin };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { listen: { type: "string" }, token: { type: "string" } },
    strict: true,
  });
  const listen = /^(.+):(\d+)$/.exec(values.listen ?? "");
  if (!listen?.[1] || !listen[2] || !values.token) {
    process.stderr.write(
      "usage: node test/env/slack-standin.ts --listen 127.0.0.1:<port> --token <bot token>\n",
    );
    process.exit(2);
  }
  startSlackStandin({ host: listen[1], port: Number(listen[2]), token: values.token }).then(
    ({ url }) => process.stdout.write(`${JSON.stringify({ ready: true, url })}\n`),
    (cause: unknown) => {
      process.stderr.write(`slack-standin: could not start: ${(cause as Error).message}\n`);
      process.exit(1);
    },
  );
}
