import type { Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli } from "./build-cli.ts";

let metafile: Metafile;

/** Every input a chunk loads before its code runs: its own and its static imports', transitively. */
function loadedWith(entry: string): string[] {
  const output = Object.entries(metafile.outputs).find(([, out]) => out.entryPoint === entry)?.[0];
  if (!output) throw new Error(`no chunk for ${entry}`);
  const seen = new Set<string>();
  const pending = [output];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    for (const imported of metafile.outputs[next]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) pending.push(imported.path);
    }
  }
  return [...seen].flatMap((out) => Object.keys(metafile.outputs[out]?.inputs ?? {}));
}

beforeAll(async () => {
  metafile = await buildCli({ write: false });
}, 60_000);

describe("the bundled CLI", () => {
  it("starts with the grammar alone: --help loads no dependency", () => {
    expect(
      loadedWith("packages/core/src/cli/main.ts").filter((input) => input.includes("node_modules/")),
    ).toEqual([]);
  });

  it("runs a verb on a kubeconfig without the AWS SDK, Powertools, the config schema or the pipeline", () => {
    const loaded = loadedWith("packages/core/src/cli/dispatch.ts");
    expect(loaded.some((input) => input.includes("node_modules/@kubernetes/client-node/"))).toBe(true);
    expect(
      loaded.filter((input) =>
        /node_modules\/(@aws-sdk|@smithy|@aws-lambda-powertools|@middy)\/|packages\/core\/src\/(config|runtime|state|policy|guard|record)\//.test(
          input,
        ),
      ),
    ).toEqual([]);
  });

  it("takes from undici only what client-node uses (scripts/build-cli-undici.cjs)", () => {
    const undici = loadedWith("packages/core/src/cli/dispatch.ts").filter((input) =>
      input.includes("node_modules/undici/"),
    );
    expect(undici.some((input) => input.endsWith("undici/lib/dispatcher/agent.js"))).toBe(true);
    expect(
      undici.filter((input) =>
        /undici\/(index\.js|lib\/(mock|cache|web\/websocket|web\/eventsource)\/)/.test(input),
      ),
    ).toEqual([]);
  });

  it("leaves out the API groups of client-node the verbs do not use", () => {
    const apis = Object.keys(metafile.inputs).filter((input) =>
      /client-node\/dist\/gen\/apis\/\w+Api\.js$/.test(input),
    );
    const bundled = apis.filter((input) =>
      Object.values(metafile.outputs).some((out) => (out.inputs[input]?.bytesInOutput ?? 0) > 0),
    );
    expect(bundled.map((input) => input.replace(/.*\//, "")).sort()).toEqual([
      "AppsV1Api.js",
      "AutoscalingV2Api.js",
      "CoreV1Api.js",
      "PolicyV1Api.js",
    ]);
  });
});
