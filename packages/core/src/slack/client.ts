// Posting to Slack: @slack/web-api's WebClient, which retries 429s after their Retry-After and
// 5xx/network failures with backoff itself (its retryConfig) — no second retry loop here. Its failures
// come out as one typed error saying whether a redelivery could help.
// Loaded only where a token is set, at the first post (runtime/deps.ts): the contract and its error
// are in poster.ts, so what only handles the errors does not load WebClient.
import { ErrorCode, type RetryOptions, WebClient } from "@slack/web-api";
import { SlackDeliveryError, type SlackPoster } from "./poster.ts";

const setupErrors: Record<string, string> = {
  not_authed: "no bot token was sent: set the SlackBotToken secret",
  invalid_auth: "the bot token is not valid: set the SlackBotToken secret to the app's xoxb- token",
  account_inactive: "the bot token belongs to a deleted user or workspace: reinstall the app",
  token_revoked: "the bot token was revoked: reinstall the app and set the SlackBotToken secret",
  token_expired: "the bot token expired: set a new one in the SlackBotToken secret",
  missing_scope: "the app lacks the chat:write scope: add it and reinstall the app",
  channel_not_found: "the channel does not exist or the app cannot see it: fix slack.channel / slack.routes",
  not_in_channel: "the app is not in the channel: invite it (/invite @homeostat)",
  is_archived: "the channel is archived: pick another in slack.channel / slack.routes",
  restricted_action: "the workspace does not let the app post in this channel",
};

/** A WebClient failure as a SlackDeliveryError. */
export function slackFailure(error: unknown, what: string): SlackDeliveryError {
  const coded = error as { code?: string; data?: { error?: string }; statusCode?: number; message?: string };
  if (coded.code === ErrorCode.PlatformError) {
    const code = coded.data?.error ?? "unknown_error";
    const setup = setupErrors[code];
    return setup
      ? new SlackDeliveryError(`Slack refused ${what}: ${code} — ${setup}`, {
          kind: "setup",
          code,
          cause: error,
        })
      : new SlackDeliveryError(`Slack refused ${what}: ${code}`, { kind: "message", code, cause: error });
  }
  const code =
    coded.code === ErrorCode.HTTPError
      ? `HTTP ${coded.statusCode ?? "error"}`
      : coded.code === ErrorCode.RateLimitedError
        ? "ratelimited"
        : (coded.code ?? "request_error");
  return new SlackDeliveryError(
    `Slack could not take ${what} after retrying (${code}: ${coded.message ?? String(error)})`,
    { kind: "transient", code, cause: error },
  );
}

export interface WebClientPosterOptions {
  token: string;
  /** Slack's Web API base (`https://slack.com/api/`); tests point it at the stand-in. */
  apiUrl?: string;
  /** WebClient's retries of 5xx and network failures (429s always wait their Retry-After). */
  retryConfig?: RetryOptions;
  /** Request timeout per attempt (ms). */
  timeoutMs?: number;
  /**
   * At least this long between two posts to one channel (Slack allows about one a second). Spaced
   * here because WebClient queues requests globally, not per channel; Slack's 429 remains the rule.
   */
  minPostIntervalMs?: number;
  /** The clock and the wait, for tests of the spacing (defaults: Date.now and setTimeout). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Within one Lambda invocation: long enough for a minute of Slack 5xx, short of the function's timeout. */
export const defaultSlackRetry: RetryOptions = {
  retries: 6,
  factor: 2,
  minTimeout: 1000,
  maxTimeout: 15_000,
};

/**
 * A SlackPoster on WebClient. One per container: its queue and its per-channel spacing hold across
 * the results one warm function posts.
 *
 * @example
 * ```ts
 * const slack = webClientPoster({ token: process.env.SLACK_BOT_TOKEN ?? "" });
 * const { ts } = await slack.post({ channel: "C0123", text: "scaled", blocks: [] });
 * ```
 */
export function webClientPoster(options: WebClientPosterOptions): SlackPoster {
  const web = new WebClient(options.token, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: options.retryConfig ?? defaultSlackRetry,
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    // one request at a time: messages of a thread go out in the order they were handed over
    maxRequestConcurrency: 1,
  });
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const interval = options.minPostIntervalMs ?? 1000;
  const nextPostAt = new Map<string, number>();
  const spaced = async (channel: string) => {
    const at = Math.max(now(), nextPostAt.get(channel) ?? 0);
    nextPostAt.set(channel, at + interval);
    const wait = at - now();
    if (wait > 0) await sleep(wait);
  };
  return {
    async post({ channel, text, blocks, threadTs }) {
      await spaced(channel);
      try {
        const answer = await web.chat.postMessage({
          channel,
          text,
          blocks,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          unfurl_links: false,
        });
        return { channel: answer.channel ?? channel, ts: answer.ts ?? "" };
      } catch (error) {
        throw slackFailure(error, `a message to ${channel}`);
      }
    },
    async update({ channel, ts, text, blocks }) {
      try {
        await web.chat.update({ channel, ts, text, blocks });
      } catch (error) {
        throw slackFailure(error, `the update of message ${ts} in ${channel}`);
      }
    },
  };
}
