import { describe, expect, it } from "vitest";
import { alarmReasonInWords } from "./message.ts";
import { sampleRecords } from "./samples.ts";
import { renderResultText } from "./text.ts";

describe("renderResultText", () => {
  it("says what was done, to what, why, how it went and what a responder can press", () => {
    const text = renderResultText(sampleRecords["alarm-scale"], {
      links: { region: "eu-west-1", functionNamePrefix: "homeostat-prod-" },
    });
    expect(text.split("\n").slice(0, 5)).toEqual([
      "Done: Scaled deployment shop/checkout on prod",
      "  scaled deployment shop/checkout from 3 to 5 replicas (+2)",
      "  Why:      alarm checkout-cpu-high ALARM: 3 of 3 datapoints > 80 (2026-12-01 09:20 UTC)",
      "  Change:   3 → 5 replicas",
      "  Policy:   scale-out-on-cpu",
    ]);
    expect(text).toContain("  Took:     180 ms");
    expect(text).toContain(
      "alarm: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-cpu-high",
    );
    expect(text).toContain(
      "logs: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Fhomeostat-prod-alarm/log-events$3FfilterPattern$3D$25228f2e-alarm$2522",
    );
    expect(text.endsWith("  Buttons: [Undo]")).toBe(true);
  });

  it("names the node, the instance and the pods a spot drain moved", () => {
    const text = renderResultText(sampleRecords["spot-drain"]);
    expect(text).toContain(
      "Done: Drained node ip-10-0-1-5.eu-west-1.compute.internal (i-0abc1234def567890) on prod",
    );
    expect(text).toContain(
      "Why:      Spot interruption warning for i-0abc1234def567890 at 2026-12-01 09:14 UTC",
    );
    expect(text).toContain("Pods:     3 evicted, 1 skipped, 0 failed");
    expect(text).toContain("  Skipped (1):\n    kube-system/aws-node-x7k2p — DaemonSet-managed");
  });

  it("marks held, awaiting, failed and dry-run results, and cuts long lists", () => {
    expect(renderResultText(sampleRecords["drain-held-by-budget"])).toMatch(
      /^Held: drain node .* on prod\n {2}node disruption budget full/,
    );
    const approval = renderResultText(sampleRecords["awaiting-approval"]);
    expect(approval).toMatch(/^Awaiting approval: restart deployment shop\/checkout on prod/);
    expect(approval).toContain("Buttons: [Approve] [Deny]");
    expect(renderResultText(sampleRecords.failed)).toMatch(/^Failed: restart deployment shop\/checkout/);
    expect(renderResultText(sampleRecords["dry-run-scale"])).toMatch(
      /^Dry run: scale deployment shop\/checkout on staging/,
    );
    const large = renderResultText(sampleRecords["large-drain"]);
    expect(large).toContain("  Evicted (400):");
    expect(large).toContain("    … and 381 more");
  });

  it("puts CloudWatch's reasons in a responder's words and keeps others as written", () => {
    expect(
      alarmReasonInWords(
        "Threshold Crossed: 1 out of the last 2 datapoints [10.0 (x)] was less than or equal to the threshold (12.5).",
      ),
    ).toBe("1 of 2 datapoints ≤ 12.5");
    expect(alarmReasonInWords("Alarm rule ALARM(a) OR ALARM(b) evaluated to true")).toBe(
      "Alarm rule ALARM(a) OR ALARM(b) evaluated to true",
    );
  });
});
