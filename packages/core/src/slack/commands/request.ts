// What Slack sends the endpoint, read at the edge: the function URL event's raw body (base64 decoded),
// then, once verified, a slash command or a block_actions click (zod; fields nothing reads are let be).
import * as z from "zod";

/** The parts of a Lambda function URL event (payload format 2.0) the endpoint reads. */
export interface FunctionUrlEvent {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}

export function isFunctionUrlEvent(event: unknown): event is FunctionUrlEvent {
  const context = (event as { requestContext?: { http?: { method?: unknown } } } | null)?.requestContext;
  return typeof context?.http?.method === "string";
}

/** The exact body Slack signed, and the headers with lower-case names. */
export function rawRequestOf(event: FunctionUrlEvent): { body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body = event.body ?? "";
  return { body: event.isBase64Encoded ? Buffer.from(body, "base64").toString("utf8") : body, headers };
}

export const slashCommandSchema = z.object({
  team_id: z.string().min(1),
  channel_id: z.string().min(1),
  channel_name: z.string().optional(),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  command: z.string().min(1),
  text: z.string().default(""),
  response_url: z.url(),
  trigger_id: z.string().min(1),
});
export type SlashCommand = z.output<typeof slashCommandSchema>;

export const blockActionsSchema = z.object({
  type: z.literal("block_actions"),
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string().min(1) }).optional(),
  /** The message the button is on: an Approve / Deny click updates it. */
  container: z.object({ message_ts: z.string().min(1).optional() }).optional(),
  response_url: z.url().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(2000).optional() })).min(1),
});
export type BlockActions = z.output<typeof blockActionsSchema>;

export type SlackInteraction =
  | { kind: "command"; command: SlashCommand }
  | { kind: "block-actions"; actions: BlockActions }
  | { kind: "unreadable"; reason: string };

/** A verified form body: a slash command, or an interactive payload (`payload=<JSON>`). */
export function readInteraction(body: string): SlackInteraction {
  const form = Object.fromEntries(new URLSearchParams(body));
  if (typeof form.payload === "string") {
    let payload: unknown;
    try {
      payload = JSON.parse(form.payload);
    } catch {
      return { kind: "unreadable", reason: "the payload field is not JSON" };
    }
    const actions = blockActionsSchema.safeParse(payload);
    return actions.success
      ? { kind: "block-actions", actions: actions.data }
      : { kind: "unreadable", reason: `not a block_actions payload: ${z.prettifyError(actions.error)}` };
  }
  const command = slashCommandSchema.safeParse(form);
  return command.success
    ? { kind: "command", command: command.data }
    : { kind: "unreadable", reason: `not a slash command: ${z.prettifyError(command.error)}` };
}
