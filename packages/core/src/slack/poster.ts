// The notifier's contract with Slack (post, update) and its one typed failure. WebClient's poster
// (client.ts) implements it. This file loads no Slack library: the runtime and the notify stage
// import the contract, and WebClient is loaded at the first post (runtime/deps.ts).
import type { KnownBlock } from "@slack/web-api";

/** What the notifier needs from Slack: post (optionally in a thread) and update a message. */
export interface SlackPoster {
  post(message: {
    channel: string;
    text: string;
    blocks: KnownBlock[];
    threadTs?: string;
  }): Promise<{ channel: string; ts: string }>;
  update(message: { channel: string; ts: string; text: string; blocks: KnownBlock[] }): Promise<void>;
}

/**
 * - `setup`: the token or channel is wrong (invalid_auth, channel_not_found, not_in_channel, …): no
 *   retry can help until a person fixes it; reported once, never retried.
 * - `message`: Slack refused this message (invalid_blocks, msg_too_long, …): a bug, not retried.
 * - `transient`: Slack stayed down or rate limited after WebClient's own retries: worth a redelivery.
 */
export type SlackFailureKind = "setup" | "message" | "transient";

export class SlackDeliveryError extends Error {
  override readonly name = "SlackDeliveryError";
  readonly kind: SlackFailureKind;
  /** Slack's error code (`invalid_auth`, …) or the HTTP failure. */
  readonly code: string;

  constructor(message: string, options: { kind: SlackFailureKind; code: string; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.code = options.code;
  }
}
