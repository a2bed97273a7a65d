// The loopback endpoint of `homeostat dev`: AWS events POSTed as EventBridge delivers them to a
// Lambda target, routed to the handler the deployment's rules would route them to (stacks/triggers.ts);
// and, when Slack is configured, Slack's requests on /slack as the function URL hands them over.
// node:http is enough for five routes on loopback; a framework would add weight and nothing else.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ScheduleDefinition } from "../config/schedules.ts";
import { type HandlerName, isHandlerName } from "../domain/handlers.ts";
import type { HandlerRun } from "../runtime/handler.ts";
import type { FunctionUrlEvent, FunctionUrlResult } from "../slack/commands/request.ts";
import type { Firing } from "./schedules.ts";

/** EventBridge's limit on one event; a larger body is not something AWS would deliver. */
const MAX_BODY_BYTES = 256 * 1024;

export interface EventEndpointOptions {
  port: number;
  handle(kind: HandlerName, event: unknown): Promise<HandlerRun>;
  fireSchedule(name: string): { firing: Firing; fired: Promise<HandlerRun> | undefined } | undefined;
  listSchedules(): Array<{ definition: ScheduleDefinition; next: Date | undefined }>;
  /** Slack's requests (slash commands, clicks), or why /slack is not served. */
  slack: ((event: FunctionUrlEvent) => Promise<FunctionUrlResult>) | { notServed: string };
}

export interface EventEndpoint {
  url: string;
  /**
   * Stops listening and closes idle connections; requests under way get their answer. Resolves when
   * the last connection is gone; `drop()` closes the ones still open (keep-alive clients).
   */
  close(): Promise<void>;
  drop(): void;
}

type EventHandlerName = Exclude<HandlerName, "rollout-guard">;

/**
 * The handler the deployment's EventBridge rules (or SQS/SNS subscriptions) deliver `event` to:
 * CloudWatch alarms to `alarm`; EC2, AWS Health and Auto Scaling to `node-events`; our schedule
 * payloads to `schedule` (deferred runs to `node-events`). Anything else goes to `node-events`, whose
 * normalize stage says why it is not an event Homeostat acts on.
 */
export function handlerForEvent(event: unknown): EventHandlerName {
  if (typeof event !== "object" || event === null) return "node-events";
  const value = event as Record<string, unknown>;
  if ("homeostat" in value) return value.homeostat === "schedule" ? "schedule" : "node-events";
  if (value.source === "aws.cloudwatch") return "alarm";
  const [first] = Array.isArray(value.Records) ? (value.Records as Array<Record<string, unknown>>) : [];
  const sns = first?.Sns as { Message?: unknown } | undefined;
  if (typeof sns?.Message === "string" && sns.Message.includes('"AlarmName"')) return "alarm";
  return "node-events";
}

const USAGE = `homeostat dev: POST an AWS event (as EventBridge delivers it) to /events, or to
/events/<alarm|node-events|schedule> to pick the handler; POST /schedules/<name> fires a schedule now;
GET /schedules lists the schedules and their next times; Slack's requests go to POST /slack (the
Slack app's slash command and interactivity URL, through a tunnel to this port).
`;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : `${JSON.stringify(body, null, 2)}\n`;
  response.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** What a handler run answers: the handler's result (as `homeostat invoke` prints it). */
function runBody(run: HandlerRun): unknown {
  return run.delivery.kind === "batch"
    ? { ...run.result, batchItemFailures: run.delivery.batchItemFailures }
    : run.result;
}

async function route(request: IncomingMessage, response: ServerResponse, options: EventEndpointOptions) {
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  const [first, second, ...rest] = url.pathname.split("/").filter(Boolean);
  if (first === "schedules" && rest.length === 0) {
    if (request.method === "GET" && second === undefined) {
      const schedules = options.listSchedules().map(({ definition, next }) => ({
        name: definition.name,
        expression: definition.expression,
        timezone: definition.timezone,
        next: next?.toISOString() ?? null,
      }));
      return send(response, 200, { schedules });
    }
    if (request.method === "POST" && second !== undefined) {
      const fired = options.fireSchedule(decodeURIComponent(second));
      if (!fired) {
        const names = options.listSchedules().map(({ definition }) => definition.name);
        return send(response, 404, { error: `no schedule '${second}'; schedules: ${names.join(", ")}` });
      }
      const run = fired.fired ? await fired.fired : undefined;
      return send(response, 200, {
        schedule: fired.firing.definition.name,
        scheduledTime: fired.firing.scheduledTime.toISOString(),
        ...(run ? { result: runBody(run) } : { result: null, note: "stopping: not run" }),
      });
    }
  }
  if (first === "slack" && second === undefined && request.method === "POST") {
    if (!(options.slack instanceof Function)) return send(response, 404, { error: options.slack.notServed });
    const text = await readBody(request);
    if (text === undefined)
      return send(response, 413, { error: `the request is larger than ${MAX_BODY_BYTES} bytes` });
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
    const answer = await options.slack({ headers, body: text, requestContext: { http: { method: "POST" } } });
    response.writeHead(answer.statusCode, answer.headers ?? {});
    response.end(answer.body);
    return;
  }
  if (first === "events" && rest.length === 0 && request.method === "POST") {
    if (second !== undefined && (!isHandlerName(second) || second === "rollout-guard")) {
      return send(response, 404, {
        error: `no event handler '${second}'; use /events, /events/alarm, /events/node-events or /events/schedule`,
      });
    }
    const text = await readBody(request);
    if (text === undefined) {
      return send(response, 413, { error: `the event is larger than EventBridge's ${MAX_BODY_BYTES} bytes` });
    }
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (error) {
      return send(response, 400, { error: `the body is not JSON: ${(error as Error).message}` });
    }
    const kind = (second as EventHandlerName | undefined) ?? handlerForEvent(event);
    return send(response, 200, runBody(await options.handle(kind, event)));
  }
  if (request.method === "GET" && first === undefined) return send(response, 200, USAGE);
  return send(response, 404, { error: `no route ${request.method} ${url.pathname}`, usage: USAGE });
}

/** Listens on 127.0.0.1 only: the endpoint runs handlers with the kubeconfig's rights, unauthenticated. */
export async function startEventEndpoint(options: EventEndpointOptions): Promise<EventEndpoint> {
  const server = createServer((request, response) => {
    route(request, response, options).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: String(error) });
      else response.end();
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolvePromise();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolvePromise) => {
        server.close(() => resolvePromise());
        server.closeIdleConnections();
      }),
    drop: () => server.closeAllConnections(),
  };
}
