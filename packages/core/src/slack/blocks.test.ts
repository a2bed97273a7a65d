import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parentBlocks, renderResultBlocks, slackLimits } from "./blocks.ts";
import { threadStatus } from "./notify.ts";
import { type SampleName, sampleRecords } from "./samples.ts";
import { renderResultText } from "./text.ts";

// Golden files: the Block Kit and the text of each kind of result, reviewed by eye once. Any difference
// fails; after a deliberate change, regenerate with HOMEOSTAT_UPDATE_GOLDEN=1 and review the diff.
const goldenDir = join(import.meta.dirname, "../../../../test/fixtures/slack");
const update = process.env.HOMEOSTAT_UPDATE_GOLDEN === "1";
const links = { region: "eu-west-1", functionNamePrefix: "homeostat-prod-" };

function golden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (update) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

describe("Block Kit golden files", () => {
  for (const name of Object.keys(sampleRecords) as SampleName[]) {
    it(`renders ${name} as its golden file says`, () => {
      const record = sampleRecords[name];
      golden(`${name}.blocks.json`, `${JSON.stringify(renderResultBlocks(record, { links }), null, 2)}\n`);
      golden(`${name}.txt`, `${renderResultText(record, { links })}\n`);
    });
  }

  it("renders a resolved alarm thread's parent", () => {
    const first = renderResultBlocks(sampleRecords["alarm-scale"], { links });
    const status = threadStatus({
      channel: "C0OPS",
      ts: "1.1",
      title: "alarm checkout-cpu-high on prod",
      parentClaim: "notified#x",
      openedAt: "2026-12-01T09:20:00Z",
      resolvedAt: "2026-12-01T09:34:00Z",
      parent: { text: "", blocks: [] },
      counts: { actions: 2, failed: 0, held: 0, routine: 3, verbs: { scale: 1, restart: 1 } },
    });
    expect(status).toBe(
      "Resolved: alarm checkout-cpu-high on prod back to OK after 14 min — 2 actions (1 scale, 1 restart) · 3 routine skips (duplicates, cooldowns)",
    );
    golden("alarm-resolved-parent.blocks.json", `${JSON.stringify(parentBlocks(first, status), null, 2)}\n`);
  });
});

describe("Slack's limits", () => {
  it("keeps a 400-pod drain within 50 blocks and 3,000 characters a section, ending in '… and N more'", () => {
    const blocks = renderResultBlocks(sampleRecords["large-drain"]);
    expect(blocks.length).toBeLessThanOrEqual(slackLimits.blocks);
    const texts = blocks.flatMap((block) =>
      block.type === "section" && block.text ? [block.text.text] : [],
    );
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(slackLimits.sectionText);
    expect(texts.find((text) => text.startsWith("*Evicted (400)*"))).toMatch(/\n… and \d+ more$/);
  });

  it("carries only ids on its buttons", () => {
    const actions = (name: SampleName) =>
      renderResultBlocks(sampleRecords[name]).find((block) => block.type === "actions");
    expect(actions("alarm-scale")).toMatchObject({
      elements: [{ action_id: "homeostat.undo", value: sampleRecords["alarm-scale"].id }],
    });
    expect(actions("awaiting-approval")).toMatchObject({
      elements: [
        { action_id: "homeostat.approve", value: "appr-5f0c" },
        { action_id: "homeostat.deny", value: "appr-5f0c" },
      ],
    });
    expect(actions("failed")).toBeUndefined();
    expect(actions("dry-run-scale")).toBeUndefined();
  });
});
