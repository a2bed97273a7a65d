import { type CommandName, formatTarget } from "../command/index.ts";
import { KubeVerbError, type KubeVerbErrorCode } from "../domain/errors.ts";
import type { Target } from "../domain/target.ts";
import type { UndoAction, Verb, VerbResult } from "../domain/verb.ts";
import { VERBS, type VerbRequest, verbCommandArgs } from "../domain/verbs/index.ts";
import type { DrainReport } from "../kube/drain.ts";
import type { DeploymentHistory } from "../kube/history.ts";
import type { TargetStatus } from "../kube/status.ts";

/**
 * A VerbResult as the CLI prints it; a failure also says why (`error.code`) and the exit code. A
 * failure of any command has this shape, `verb` naming the command (`unknown` when the line named none).
 */
export type CliResult = Omit<VerbResult, "verb" | "target"> & {
  verb: CommandName | "unknown";
  target: Target | undefined;
  error?: { code: KubeVerbErrorCode; exitCode: 1 | 2 };
};

/** The undo as a command a person can run (or a Slack button can carry). */
export function formatUndo(undo: UndoAction): string {
  const words = [undo.verb, formatTarget(undo.target)];
  // an undo's params are plain JSON (it may come back from a button): its verb's schema reads them
  const params = VERBS[undo.verb].params.safeParse(undo.params);
  if (params.success) {
    words.push(
      ...verbCommandArgs({ verb: undo.verb, target: undo.target, params: params.data } as VerbRequest),
    );
  }
  return `homeostat ${words.join(" ")}`;
}

/** The result for an error thrown before or during a verb: ok false, nothing changed. */
export function errorResult(
  error: unknown,
  context: { command?: CommandName; target?: Target; dryRun: boolean; durationMs: number },
): CliResult {
  const verbError =
    error instanceof KubeVerbError
      ? error
      : new KubeVerbError("failed", error instanceof Error ? error.message : String(error), { cause: error });
  return {
    verb: context.command ?? "unknown",
    target: context.target,
    ok: false,
    changed: false,
    dryRun: context.dryRun,
    before: undefined,
    after: undefined,
    message: verbError.message,
    warnings: [],
    apiRequests: 0,
    durationMs: context.durationMs,
    error: { code: verbError.code, exitCode: verbError.exitCode },
  };
}

function historyLines(view: DeploymentHistory): string[] {
  if (view.revisions.length === 0) return ["no revisions"];
  const rows = view.revisions.map((r) => [
    String(r.revision),
    r.changeCause ?? "<none>",
    r.images.join(","),
    r.current ? "current" : "",
  ]);
  const header = ["REVISION", "CHANGE-CAUSE", "IMAGES", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  return [header, ...rows].map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

function statusLines(view: TargetStatus): string[] {
  if (view.kind === "Node") {
    return view.taints.length
      ? view.taints.map((t) => `taint ${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`)
      : [];
  }
  return [
    ...(view.images.length ? [`images: ${view.images.join(", ")}`] : []),
    ...view.conditions.map(
      (c) =>
        `condition ${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}${c.message ? `: ${c.message}` : ""}`,
    ),
  ];
}

function drainLines(report: DrainReport, dryRun: boolean): string[] {
  return [
    ...(report.evicted.length ? [`${dryRun ? "would evict" : "evicted"}: ${report.evicted.join(", ")}`] : []),
    ...report.skipped.map((p) => `skipped ${p.pod}: ${p.reason}`),
    ...report.failed.map((p) => `failed ${p.pod}: ${p.reason}`),
  ];
}

/** The details some verbs print under their message; drain's also when it failed (what was left). */
const DETAILS: { [V in Verb]?: { lines: (result: CliResult) => string[]; onFailure?: boolean } } = {
  history: { lines: (result) => historyLines(result.after as DeploymentHistory) },
  status: { lines: (result) => statusLines(result.after as TargetStatus) },
  drain: { lines: (result) => drainLines(result.after as DrainReport, result.dryRun), onFailure: true },
};

/** Short, readable text: the message, details for read verbs and drain, warnings, and the undo. */
export function formatText(result: CliResult): string {
  const lines = [result.ok ? result.message : `error: ${result.message}`];
  const details = Object.hasOwn(DETAILS, result.verb) ? DETAILS[result.verb as Verb] : undefined;
  if (details && result.after && (result.ok || details.onFailure)) lines.push(...details.lines(result));
  lines.push(...result.warnings.map((w) => `warning: ${w}`));
  if (result.dryRun) lines.push("dry run: nothing was changed");
  if (result.undo && result.changed && !result.dryRun) lines.push(`undo: ${formatUndo(result.undo)}`);
  return `${lines.join("\n")}\n`;
}

export function formatJson(result: CliResult | object): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
