// The verbs and the one result shape every verb returns. The verbs themselves are declared in ./verbs/.
import type { Target } from "./target.ts";
import type { MutatingVerb, Verb } from "./verbs/index.ts";

export type { MutatingVerb, ReadVerb, Verb } from "./verbs/index.ts";

/** The action that reverses a verb's effect: enough to run it again later (from Slack's Undo, say). */
export interface UndoAction {
  verb: MutatingVerb;
  target: Target;
  params: Record<string, string | number | boolean>;
}

/** Options every mutating verb takes. */
export interface VerbOptions {
  /** Server-side dry run (`dryRun=All`): validated and admitted by the API server, never persisted. */
  dryRun?: boolean;
  /** Progress of long operations (drain), one human-readable line at a time. */
  onProgress?: (line: string) => void;
  /** Aborts waits (drain deadline, retries) early. */
  signal?: AbortSignal;
}

/** The one structured result every verb returns. */
export interface VerbResult<Before = unknown, After = Before> {
  verb: Verb;
  target: Target;
  /** The action did what was asked (or there was nothing to do). */
  ok: boolean;
  /** The cluster was (or, in a dry run, would be) changed. */
  changed: boolean;
  /**
   * A write's answer was lost and the object could not be read back: `changed` is false only because
   * the change could not be confirmed. The message says the object's last known state and what is safe
   * to run again.
   */
  outcomeUnknown?: boolean;
  dryRun: boolean;
  before: Before | undefined;
  /** In a dry run: what the server says the object would become. */
  after: After | undefined;
  /** One line a person can read: what happened, or why not. */
  message: string;
  warnings: string[];
  /** Kubernetes API requests this verb made. */
  apiRequests: number;
  durationMs: number;
  undo?: UndoAction;
  /**
   * Set on a failure a later attempt could fix (a drain whose evictions failed with a server error):
   * the pipeline releases the action's claims and asks for the event again.
   */
  retryable?: boolean;
}
