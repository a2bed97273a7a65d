// The same message as plain text: Slack's fallback (notifications, screen readers), and what the CLI
// prints (`homeostat invoke` shows what it would have posted; `homeostat dev` its timeline).
import type { AuditRecord } from "../state/audit-log.ts";
import { cutList, type MessageOptions, type ResultMessage, resultMessage } from "./message.ts";

/** Pods and other list items shown per list in text; the rest is "… and N more". */
const textListItems = 20;

/** The message as indented terminal lines (no colour codes, no Slack markup). */
export function renderMessageText(message: ResultMessage): string {
  const lines = [message.headline, `  ${message.outcome}`];
  const labelled: Array<[string, string]> = [["Why", message.why], ...message.fields];
  const width = Math.max(...labelled.map(([label]) => label.length)) + 1;
  for (const [label, value] of labelled) lines.push(`  ${`${label}:`.padEnd(width)} ${value}`);
  for (const list of message.lists) {
    lines.push(`  ${list.title} (${list.items.length}):`);
    for (const item of cutList(list.items, textListItems)) lines.push(`    ${item}`);
  }
  for (const warning of message.warnings) lines.push(`  Warning: ${warning}`);
  for (const [name, url] of Object.entries(message.links)) lines.push(`  ${name}: ${url}`);
  if (message.buttons.length > 0) {
    lines.push(`  Buttons: ${message.buttons.map((button) => `[${button.text}]`).join(" ")}`);
  }
  return lines.join("\n");
}

/**
 * One audit record (one result) as terminal text: what was done and to what, why, how long it took,
 * the dry-run or failure marker, the pods a drain moved, the links and the buttons Slack would show.
 *
 * @example
 * ```ts
 * process.stdout.write(`${renderResultText(record)}\n`);
 * // Done: Scaled deployment shop/checkout on prod
 * //   scaled deployment shop/checkout from 3 to 5 replicas (+2)
 * //   Why:      alarm checkout-cpu-high ALARM: 3 of 3 datapoints > 80 (09:14 UTC)
 * //   …
 * ```
 */
export function renderResultText(record: AuditRecord, options: MessageOptions = {}): string {
  return renderMessageText(resultMessage(record, options));
}
