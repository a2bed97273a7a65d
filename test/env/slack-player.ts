/**
 * The Slack stand-in playing Slack toward Homeostat: builds slash commands and block_actions clicks the
 * way Slack sends them (form-encoded, signed with v0 HMAC-SHA256 over `v0:<timestamp>:<body>` with the
 * app's signing secret), with a response_url minted by the stand-in (which keeps its 5-uses rule), and
 * delivers them to an endpoint over HTTP or as a Lambda function URL event (payload format 2.0, the
 * body as text or base64 like a function URL sends a form body).
 *
 * @example
 * const player = slackPlayer(env.slackUrl);
 * const request = await player.slashCommand({ user: "U0ALICE", channel: "C0OPS", text: "scale shop/web +2" });
 * const answer = await player.send(endpointUrl, request);          // over HTTP
 * const event = player.functionUrlEvent(request, { base64: true }); // straight to the handler
 */
import { createHmac } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { slackControl } from "./slack-control.ts";

/** The signing secret of the test environment's Slack app: the endpoint under test is given it. */
export const SLACK_SIGNING_SECRET = "homeostat-test-signing-secret";
export const SLACK_TEAM_ID = "T0HOMEOSTAT";
const APP_ID = "A0HOMEOSTAT";

/** A request as Slack sends it: the exact body bytes and the headers (lower-case names). */
export interface SlackRequest {
  body: string;
  headers: Record<string, string>;
  /** Where Homeostat answers (the stand-in's response URL for this request). */
  responseUrl: string;
}

export interface SignOptions {
  /** Default: the environment's signing secret. Another one makes a request that must be refused. */
  secret?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
}

/** The v0 signature headers Slack sends with `body`. */
export function signSlackBody(body: string, options: SignOptions = {}): Record<string, string> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const hmac = createHmac("sha256", options.secret ?? SLACK_SIGNING_SECRET);
  hmac.update(`v0:${timestamp}:${body}`);
  return {
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": `v0=${hmac.digest("hex")}`,
  };
}

export interface SlashCommandInput extends SignOptions {
  user: string;
  userName?: string;
  channel: string;
  text: string;
  command?: string;
}

export interface BlockActionInput extends SignOptions {
  user: string;
  userName?: string;
  channel: string;
  actionId: string;
  value: string;
  /** The message the button is on: its response_url replaces it. */
  message?: { ts: string; text?: string };
}

export interface SlackPlayer {
  slashCommand(input: SlashCommandInput): Promise<SlackRequest>;
  blockAction(input: BlockActionInput): Promise<SlackRequest>;
  /** The request as a Lambda function URL delivers it (payload format 2.0). */
  functionUrlEvent(
    request: Pick<SlackRequest, "body" | "headers">,
    options?: { base64?: boolean },
  ): APIGatewayProxyEventV2;
  /** POSTs the request to `url` as Slack does. */
  send(url: string, request: Pick<SlackRequest, "body" | "headers">): Promise<Response>;
}

const FORM = "application/x-www-form-urlencoded";

function signed(body: string, responseUrl: string, options: SignOptions): SlackRequest {
  return {
    body,
    responseUrl,
    headers: {
      "content-type": FORM,
      "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
      ...signSlackBody(body, options),
    },
  };
}

export function slackPlayer(slackUrl: string): SlackPlayer {
  const control = slackControl(slackUrl);
  return {
    async slashCommand(input) {
      const responseUrl = await control.responseUrl({ channel: input.channel });
      const body = new URLSearchParams({
        token: "deprecated-verification-token",
        team_id: SLACK_TEAM_ID,
        team_domain: "homeostat-test",
        channel_id: input.channel,
        channel_name: "ops",
        user_id: input.user,
        user_name: input.userName ?? input.user.toLowerCase(),
        command: input.command ?? "/homeostat",
        text: input.text,
        api_app_id: APP_ID,
        is_enterprise_install: "false",
        response_url: responseUrl,
        trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}`,
      }).toString();
      return signed(body, responseUrl, input);
    },

    async blockAction(input) {
      const responseUrl = await control.responseUrl({
        channel: input.channel,
        ...(input.message ? { ts: input.message.ts } : {}),
      });
      const actionTs = (Date.now() / 1000).toFixed(6);
      const payload = {
        type: "block_actions",
        user: {
          id: input.user,
          username: input.userName ?? input.user.toLowerCase(),
          team_id: SLACK_TEAM_ID,
        },
        api_app_id: APP_ID,
        team: { id: SLACK_TEAM_ID, domain: "homeostat-test" },
        container: {
          type: "message",
          channel_id: input.channel,
          is_ephemeral: false,
          ...(input.message ? { message_ts: input.message.ts } : {}),
        },
        channel: { id: input.channel, name: "ops" },
        ...(input.message
          ? { message: { type: "message", ts: input.message.ts, text: input.message.text ?? "" } }
          : {}),
        trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}`,
        response_url: responseUrl,
        actions: [
          {
            type: "button",
            action_id: input.actionId,
            block_id: "homeostat",
            value: input.value,
            action_ts: actionTs,
          },
        ],
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return signed(body, responseUrl, input);
    },

    functionUrlEvent(request, options = {}) {
      const now = new Date();
      return {
        version: "2.0",
        routeKey: "$default",
        rawPath: "/",
        rawQueryString: "",
        headers: { host: "abc123.lambda-url.eu-west-1.on.aws", ...request.headers },
        requestContext: {
          accountId: "anonymous",
          apiId: "abc123",
          domainName: "abc123.lambda-url.eu-west-1.on.aws",
          domainPrefix: "abc123",
          http: {
            method: "POST",
            path: "/",
            protocol: "HTTP/1.1",
            sourceIp: "127.0.0.1",
            userAgent: request.headers["user-agent"] ?? "",
          },
          requestId: crypto.randomUUID(),
          routeKey: "$default",
          stage: "$default",
          time: now.toUTCString(),
          timeEpoch: now.getTime(),
        },
        body: options.base64 ? Buffer.from(request.body, "utf8").toString("base64") : request.body,
        isBase64Encoded: options.base64 === true,
      };
    },

    async send(url, request) {
      return await fetch(url, { method: "POST", headers: request.headers, body: request.body });
    },
  };
}
