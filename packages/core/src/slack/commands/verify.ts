// Every request to the Slack endpoint is verified before anything else reads it: Slack's v0 signature
// (HMAC-SHA256 with the app's signing secret over `v0:<timestamp>:<raw body>`), compared in constant
// time, within 5 minutes either way.
// Bolt's own verifier does the HMAC and the constant-time compare (tsscmp). It is imported from its
// module, not from "@slack/bolt", whose entry loads express and the socket-mode client: a cold start
// would pay for them on every ack. Bolt checks only that a timestamp is not too old; one too far in
// the future, and missing or malformed headers, are refused here first.
import { verifySlackRequest } from "@slack/bolt/dist/receivers/verify-request.js";

/** Slack's replay window: a request more than this far from our clock is refused. */
export const SIGNATURE_WINDOW_SECONDS = 300;

export type Verification = { ok: true } | { ok: false; reason: string };

export interface VerifyInput {
  /** The body exactly as Slack sent it (decoded from base64 when the function URL encoded it). */
  body: string;
  /** Request headers, names in lower case (as function URLs deliver them). */
  headers: Readonly<Record<string, string | undefined>>;
  signingSecret: string;
  nowMs?: number;
}

/** Whether the request is Slack's, and when not, why (for the log: the caller answers 401 only). */
export function verifySlackSignature(input: VerifyInput): Verification {
  const signature = input.headers["x-slack-signature"];
  const timestampText = input.headers["x-slack-request-timestamp"];
  if (!signature || !timestampText) {
    return { ok: false, reason: "missing X-Slack-Signature or X-Slack-Request-Timestamp" };
  }
  if (!/^\d{1,12}$/.test(timestampText)) return { ok: false, reason: "the timestamp is not a number" };
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor((input.nowMs ?? Date.now()) / 1000);
  if (Math.abs(nowSeconds - timestamp) > SIGNATURE_WINDOW_SECONDS) {
    return { ok: false, reason: `the timestamp is ${nowSeconds - timestamp} s from now (window ±300 s)` };
  }
  try {
    verifySlackRequest({
      signingSecret: input.signingSecret,
      body: input.body,
      headers: { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp },
      ...(input.nowMs === undefined ? {} : { nowMilliseconds: input.nowMs }),
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
