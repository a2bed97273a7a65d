// A write whose answer is lost — a gateway's 502-504, a connection reset after the request went out, no
// answer before the deadline — may or may not have landed. Reporting it as failed (kubectl does) leaves
// the caller to guess; sending it again blindly could apply it twice. The verbs' writes are made so that
// sending them again is harmless (a count with its resourceVersion, a restart stamp, a whole template,
// a node's unschedulable flag), so here the object is read back: the change in place is a success,
// a change not in place is sent again (a bounded number of times), and an object that cannot be read
// either is reported as unknown, with what is safe to run again.
import { KubeVerbError } from "../domain/errors.ts";
import { apiMessage, apiStatus } from "./errors.ts";

/** Connection failures after which the request may have reached the API server. */
const LOST_CODES: Record<string, string> = {
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  UND_ERR_SOCKET: "the connection was closed",
  UND_ERR_CLOSED: "the connection was closed",
  UND_ERR_HEADERS_TIMEOUT: "no answer in time",
  UND_ERR_BODY_TIMEOUT: "no answer in time",
  ETIMEDOUT: "no answer in time",
};

/**
 * How a write's answer was lost ("HTTP 504", "the connection was reset", …), or undefined when the
 * error is an answer (any other status) or the request never left (refused, DNS, credentials).
 */
export function lostAnswer(error: unknown): string | undefined {
  if (error instanceof KubeVerbError) return undefined;
  const status = apiStatus(error);
  if (status !== undefined) return status >= 502 && status <= 504 ? `HTTP ${status}` : undefined;
  let current: unknown = error;
  for (let depth = 0; current && typeof current === "object" && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code in LOST_CODES) return LOST_CODES[code];
    const name = (current as { name?: unknown }).name;
    if (name === "AbortError" || name === "TimeoutError") return "the request was cancelled in flight";
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Why a read failed, in a few words: `HTTP 503: …`, `the connection was reset`, or the error's own message. */
function briefReason(error: unknown): string {
  // an unreachable API server's full advice (check the kubeconfig…) is not what this message is about
  if (error instanceof KubeVerbError) {
    return error.code === "unavailable" && error.cause !== undefined
      ? briefReason(error.cause)
      : error.message;
  }
  const status = apiStatus(error);
  if (status !== undefined) return `HTTP ${status}${apiMessage(error) ? `: ${apiMessage(error)}` : ""}`;
  const lost = lostAnswer(error);
  if (lost) return lost;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause ?? (error instanceof Error ? error.message : String(error));
}

/** What reading the object back says about the change. */
export interface ReadBack<Seen> {
  inPlace: boolean;
  /** The object's state in words, for the message: `it has 3 replicas`. */
  state: string;
  seen: Seen;
}

export interface WriteSpec<Written, Seen> {
  /** The object, for messages: `deployment shop/web`. */
  what: string;
  /** The change, for messages: `scaling deployment shop/web to 5 replicas`. */
  change: string;
  /** Sends the write; sending it again must be harmless. */
  write: () => Promise<Written>;
  /** Called for each write whose answer was lost. */
  onLost?: () => void;
  /** Reads the object and says whether the change is in place. */
  readBack: () => Promise<ReadBack<Seen>>;
  /** The command that is safe to run again (or what to check first), for the messages. */
  again: string;
  /** Writes sent in all when each answer is lost and the change is not in place (default 5). */
  sends?: number;
  /** Stops sending again once aborted (a drain's deadline). */
  signal?: AbortSignal;
  /** A server-side dry run persists nothing to read back: a lost answer is thrown as it came. */
  dryRun?: boolean;
}

export type WriteOutcome<Written, Seen> =
  | { kind: "written"; value: Written }
  /** The answer was lost, the object read back has the change. */
  | { kind: "in-place"; seen: Seen; lost: string };

/** The words a result adds when the change was confirmed by reading it back. */
export const CONFIRMED_NOTE = "(the answer was lost; the change is in place)";

/**
 * Sends `spec.write`; when its answer is lost, reads the object back and decides (see the top of the
 * file). Any answer other than a lost one is thrown as it came, for the verb to read.
 */
export async function writeAndConfirm<Written, Seen>(
  spec: WriteSpec<Written, Seen>,
): Promise<WriteOutcome<Written, Seen>> {
  const sends = spec.sends ?? 5;
  for (let send = 1; ; send++) {
    let lost: string | undefined;
    try {
      return { kind: "written", value: await spec.write() };
    } catch (error) {
      lost = lostAnswer(error);
      if (lost === undefined || spec.dryRun) throw error;
      spec.onLost?.();
    }
    let back: ReadBack<Seen>;
    try {
      back = await spec.readBack();
    } catch (readError) {
      const why = briefReason(readError);
      throw new KubeVerbError(
        "unavailable",
        `the answer to ${spec.change} was lost (${lost}) and reading ${spec.what} back failed (${why}): whether the change is in place is unknown; ${spec.again}`,
        { cause: readError, outcomeUnknown: true },
      );
    }
    if (back.inPlace) return { kind: "in-place", seen: back.seen, lost };
    if (send >= sends || spec.signal?.aborted) {
      throw new KubeVerbError(
        "unavailable",
        `${spec.change} failed: ${send === 1 ? "the answer was" : `all ${send} answers were`} lost (last: ${lost}) and ${spec.what} does not have the change when read back (${back.state}); ${spec.again}`,
      );
    }
  }
}
