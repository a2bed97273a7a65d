// Signed function URL events for the endpoint's unit tests: what Slack would send, built in memory.
import { createHmac } from "node:crypto";
import type { FunctionUrlEvent } from "./request.ts";

export function slashCommandBody(fields: { text: string; user?: string; channel?: string }): string {
  return new URLSearchParams({
    team_id: "T0TEST",
    channel_id: fields.channel ?? "C0OPS",
    user_id: fields.user ?? "U0ALICE",
    command: "/homeostat",
    text: fields.text,
    response_url: "https://hooks.slack.com/commands/T0TEST/1/abc",
    trigger_id: "1.2.3",
  }).toString();
}

export function signature(body: string, secret: string, timestamp: number): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** A function URL event carrying a slash command signed with `secret`, now (or at `timestamp`). */
export function signed(
  fields: { text: string; user?: string },
  secret: string,
  options: { timestamp?: number; base64?: boolean } = {},
): FunctionUrlEvent {
  const body = slashCommandBody(fields);
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signature(body, secret, timestamp),
    },
    body: options.base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: options.base64 === true,
    requestContext: { http: { method: "POST" } },
  };
}
