import { describe, expect, it } from "vitest";
import { openJob, sealJob } from "./dispatch.ts";

const command = {
  team_id: "T01",
  channel_id: "C0OPS",
  user_id: "U0ALICE",
  command: "/homeostat",
  text: "scale shop/web +2",
  response_url: "https://hooks.slack.com/commands/T01/1/abc",
  trigger_id: "1.2.abc",
};

describe("sealed jobs", () => {
  it("opens a job sealed with the same secret, whatever order its fields travel in", () => {
    const job = sealJob({ homeostat: "slack-command", command }, "secret");
    expect(openJob(job, "secret")).toEqual({ kind: "job", job });
    const reordered = JSON.parse(
      JSON.stringify({
        command: Object.fromEntries(Object.entries(command).reverse()),
        seal: job.seal,
        homeostat: job.homeostat,
      }),
    );
    expect(openJob(reordered, "secret").kind).toBe("job");
  });

  it("refuses a job sealed with another secret, or changed after sealing", () => {
    const job = sealJob({ homeostat: "slack-command", command }, "secret");
    expect(openJob(job, "another").kind).toBe("bad-seal");
    expect(openJob({ ...job, command: { ...command, text: "scale shop/web +20" } }, "secret").kind).toBe(
      "bad-seal",
    );
  });

  it("tells an event that is not a job, or a job without a seal", () => {
    expect(openJob({ Records: [] }, "secret").kind).toBe("not-a-job");
    expect(openJob({ homeostat: "slack-command", command }, "secret").kind).toBe("not-a-job");
  });
});
