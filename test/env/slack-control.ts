/**
 * Tests' handle on the Slack stand-in (slack-standin.ts): read the calls it recorded, clear them,
 * make the next calls fail, mint response URLs and read the resulting channel state.
 *
 * @example
 * const slack = slackControl(env.slackUrl);
 * await slack.fail({ method: "chat.postMessage", status: 429, retryAfter: 1 });
 * const posts = await slack.calls({ method: "chat.postMessage" });
 */
import type { DirectorySpec, FailureSpec, RecordedCall, StoredMessage } from "./slack-standin.ts";

export type { DirectorySpec, FailureSpec, RecordedCall, StoredMessage };

export interface SlackControl {
  /** Every call recorded since the last reset, oldest first; optionally one method's only. */
  calls(filter?: { method?: string }): Promise<RecordedCall[]>;
  clearCalls(): Promise<void>;
  /** Makes the next `times` calls of `method` ("response_url", or "*" for all) answer 429/5xx. */
  fail(spec: FailureSpec): Promise<void>;
  clearFailures(): Promise<void>;
  /** Messages as the channel would show them now (after updates and response-URL replacements). */
  messages(filter?: { channel?: string }): Promise<StoredMessage[]>;
  /** A response URL, optionally bound to the message whose buttons it answers. */
  responseUrl(original?: { channel?: string; ts?: string }): Promise<string>;
  /** Adds users (users.info) and user groups with their members (usergroups.users.list), by id. */
  directory(spec: DirectorySpec): Promise<void>;
  /** Clears calls, failures, messages, response URLs and the directory. Other test files share the stand-in. */
  reset(): Promise<void>;
}

export function slackControl(baseUrl: string): SlackControl {
  const base = baseUrl.replace(/\/+$/, "");
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}/_control/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T & { ok: boolean; error?: string };
    if (!response.ok || !json.ok) {
      throw new Error(
        `Slack stand-in control ${method} ${path} failed (${response.status}): ${json.error ?? "no reason"}`,
      );
    }
    return json;
  }
  return {
    calls: async (filter = {}) =>
      (
        await request<{ calls: RecordedCall[] }>(
          "GET",
          filter.method ? `calls?method=${encodeURIComponent(filter.method)}` : "calls",
        )
      ).calls,
    clearCalls: async () => {
      await request("DELETE", "calls");
    },
    fail: async (spec) => {
      await request("POST", "fail", spec);
    },
    clearFailures: async () => {
      await request("DELETE", "fail");
    },
    messages: async (filter = {}) =>
      (
        await request<{ messages: StoredMessage[] }>(
          "GET",
          filter.channel ? `messages?channel=${encodeURIComponent(filter.channel)}` : "messages",
        )
      ).messages,
    responseUrl: async (original = {}) =>
      (await request<{ url: string }>("POST", "response-urls", original)).url,
    directory: async (spec) => {
      await request("POST", "directory", spec);
    },
    reset: async () => {
      await request("DELETE", "state");
    },
  };
}
