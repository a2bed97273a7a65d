import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runtimePackages } from "./import-graph.ts";

const core = (stage: string) =>
  fileURLToPath(new URL(`../packages/core/src/${stage}/index.ts`, import.meta.url));
const CLIENTS = /^(@kubernetes\/|@aws-sdk\/|@smithy\/|@slack\/)/;

describe("what the pure stages load", () => {
  it.each(["domain", "config", "events", "policy", "guard", "command"])(
    "@homeostat/core/%s loads neither client-node nor an AWS or Slack client",
    (stage) => {
      expect([...runtimePackages(core(stage))].filter((name) => CLIENTS.test(name))).toEqual([]);
    },
  );

  it("sees the clients where they are (the check can fail)", () => {
    expect([...runtimePackages(core("kube"))]).toContain("@kubernetes/client-node");
    expect([...runtimePackages(core("runtime"))]).toContain("@aws-sdk/client-dynamodb");
  });
});
