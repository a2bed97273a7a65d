// Block Kit for one result, within Slack's limits (50 blocks a message, 3,000 characters a section
// text, 10 fields of 2,000): long lists end in "… and N more" instead of being refused by Slack.
import type { KnownBlock } from "@slack/web-api";
import type { AuditRecord } from "../state/audit-log.ts";
import { type MessageOptions, type ResultMessage, type ResultStatus, resultMessage } from "./message.ts";

export const slackLimits = { blocks: 50, sectionText: 3000, field: 2000, fields: 10 } as const;

const emoji: Record<ResultStatus, string> = {
  done: ":white_check_mark:",
  unchanged: ":white_circle:",
  failed: ":x:",
  "dry-run": ":test_tube:",
  held: ":pause_button:",
  "awaiting-approval": ":raised_hand:",
};

/** Slack's mrkdwn needs only these three escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text cut to `max` characters, ending in an ellipsis when it was cut. */
function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A bulleted list that fits one section: as many items as fit, then "… and N more". */
function listText(title: string, items: readonly string[]): string {
  const head = `*${escapeMrkdwn(title)} (${items.length})*`;
  const lines = [head];
  let length = head.length;
  for (const [index, item] of items.entries()) {
    const line = `• ${escapeMrkdwn(fit(item, 300))}`;
    const rest = items.length - index;
    // leave room for the "… and N more" line whenever this is not the last item
    const reserve = rest > 1 ? 24 : 0;
    if (length + 1 + line.length + reserve > slackLimits.sectionText) {
      lines.push(`… and ${rest} more`);
      break;
    }
    lines.push(line);
    length += 1 + line.length;
  }
  return lines.join("\n");
}

const linkNames: Record<string, string> = {
  alarm: "CloudWatch alarm",
  instance: "EC2 instance",
  logs: "Logs",
};

/** The blocks of a message model. */
export function renderMessageBlocks(message: ResultMessage): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: fit(
          `${emoji[message.status]} *${escapeMrkdwn(message.headline)}*\n${escapeMrkdwn(message.outcome)}`,
          slackLimits.sectionText,
        ),
      },
    },
    {
      type: "section",
      text: { type: "mrkdwn", text: fit(`*Why:* ${escapeMrkdwn(message.why)}`, slackLimits.sectionText) },
    },
  ];
  if (message.fields.length > 0) {
    blocks.push({
      type: "section",
      fields: message.fields.slice(0, slackLimits.fields).map(([label, value]) => ({
        type: "mrkdwn" as const,
        text: fit(`*${label}*\n${escapeMrkdwn(value)}`, slackLimits.field),
      })),
    });
  }
  for (const list of message.lists) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: listText(list.title, list.items) } });
  }
  if (message.warnings.length > 0) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: fit(
            `:warning: ${message.warnings.map(escapeMrkdwn).join("\n:warning: ")}`,
            slackLimits.sectionText,
          ),
        },
      ],
    });
  }
  const links = Object.entries(message.links);
  if (links.length > 0) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: links.map(([name, url]) => `<${url}|${linkNames[name] ?? name}>`).join("  ·  "),
        },
      ],
    });
  }
  if (message.buttons.length > 0) {
    blocks.push({
      type: "actions",
      block_id: "homeostat.actions",
      elements: message.buttons.map((button) => ({
        type: "button" as const,
        action_id: button.actionId,
        text: { type: "plain_text" as const, text: button.text },
        value: button.value,
        ...(button.style ? { style: button.style } : {}),
      })),
    });
  }
  return blocks.slice(0, slackLimits.blocks);
}

/** The Block Kit of one audit record (one result). */
export function renderResultBlocks(record: AuditRecord, options: MessageOptions = {}): KnownBlock[] {
  return renderMessageBlocks(resultMessage(record, options));
}

/** A thread parent: its first result's blocks and, last, where the incident stands now. */
export function parentBlocks(first: readonly KnownBlock[], status: string): KnownBlock[] {
  return [
    ...first.slice(0, slackLimits.blocks - 1),
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: fit(escapeMrkdwn(status), slackLimits.sectionText) }],
    },
  ];
}
