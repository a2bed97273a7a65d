// Answers through a response_url (at most 5 uses within 30 minutes, Slack's rule).
// Plain fetch: a response URL takes one JSON POST, and @slack/webhook would bring axios into the
// bundle for it; @slack/web-api's WebClient does not post to response URLs.

export interface SlackReply {
  text: string;
  /** `ephemeral` (only the person who asked sees it) or `in_channel`. */
  responseType: "ephemeral" | "in_channel";
  /** Block Kit blocks shown instead of the text (the text stays the notification's). */
  blocks?: unknown[];
}

export type Respond = (responseUrl: string, reply: SlackReply) => Promise<void>;

export class SlackRespondError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = "SlackRespondError";
    this.status = status;
  }
}

/** Slack's limit for a message's text is 40,000 characters; a section's is 3,000: stay well inside. */
const MAX_TEXT = 3_000;

export function clipped(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 20)}\n… (cut at ${MAX_TEXT})`;
}

export const respondViaResponseUrl: Respond = async (responseUrl, reply) => {
  const response = await fetch(responseUrl, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify({
      response_type: reply.responseType,
      text: clipped(reply.text),
      ...(reply.blocks ? { blocks: reply.blocks } : {}),
    }),
  });
  if (!response.ok) {
    const body = await response.text().catch(() => "");
    throw new SlackRespondError(
      `the response_url answered ${response.status} ${body.slice(0, 200)} (a response URL takes 5 answers within 30 minutes)`,
      response.status,
    );
  }
};
