// What each Lambda bundle carries, from esbuild's metafile with the stack's own settings: the rules
// that keep cold starts at or below a bare client (issue 11; `npm run bench:cold-start` measures them).
// A change that breaks one fails here, in seconds, instead of showing up as a slower benchmark.
import { join } from "node:path";
import { build, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { esbuildOptions } from "../stacks/bundle.ts";
import { bundlePlugins } from "../stacks/bundle-config.mjs";
import { ROOT } from "./bundle.ts";

const FUNCTIONS = ["alarm", "rollout-guard", "notify", "slack"] as const;
type FunctionName = (typeof FUNCTIONS)[number];
const bundled = new Map<FunctionName, { inputs: string[]; text: string }>();

/** The inputs that put code into the function's bundle, and the bundle. */
async function bundleOf(name: FunctionName): Promise<{ inputs: string[]; text: string }> {
  const configFile =
    name === "notify" || name === "slack" ? "test/fixtures/infra/slack.config.ts" : undefined;
  const plugins = bundlePlugins(configFile ? { configFile: join(ROOT, configFile) } : {});
  const result = await build({
    ...esbuildOptions(`functions/${name}.ts`, join(ROOT, ".homeostat/bundle-test", `${name}.mjs`), plugins),
    write: false,
    logLevel: "silent",
    absWorkingDir: ROOT,
  });
  const metafile = result.metafile as Metafile;
  const inputs = Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
  return { inputs, text: result.outputFiles?.map((file) => file.text).join("\n") ?? "" };
}

beforeAll(async () => {
  for (const name of FUNCTIONS) bundled.set(name, await bundleOf(name));
}, 60_000);

const inputs = (name: FunctionName) => bundled.get(name)?.inputs ?? [];

describe.each(FUNCTIONS)("the %s bundle", (name) => {
  it("tree-shakes zod: no locale but English (a schema module with `import { z }` keeps them all)", () => {
    const locales = inputs(name).filter((input) => input.includes("node_modules/zod/v4/locales/"));
    expect(locales.filter((input) => !/\/(en|index)\.js$/.test(input))).toEqual([]);
  });

  it("takes from client-node only what the verbs run (kube/k8s.ts, not the package entry)", () => {
    expect(
      inputs(name).filter((input) =>
        /client-node\/dist\/(index|cp|exec|attach|portforward|informer|watch|metrics|top|log|cache)\.js$/.test(
          input,
        ),
      ),
    ).toEqual([]);
  });

  it("requires node:http instead of importing it (stacks/node-http-by-require.mjs)", () => {
    const text = bundled.get(name)?.text ?? "";
    expect(text).toContain('("node:http")');
    expect(text).not.toMatch(/from\s*["'](node:)?http["']|import\(\s*["'](node:)?http["']\s*\)/);
  });
});

describe("each function carries its own handler only", () => {
  const notifyStage = /packages\/core\/src\/(runtime\/notify|slack\/notify|slack\/inbox)\.ts$/;
  const rolloutScan = /packages\/core\/src\/rollout\/scan\.ts$/;

  it("alarm: the pipeline, not the notify stage or the rollout scan", () => {
    expect(inputs("alarm").some((input) => input.endsWith("packages/core/src/runtime/pipeline.ts"))).toBe(
      true,
    );
    expect(inputs("alarm").filter((input) => notifyStage.test(input) || rolloutScan.test(input))).toEqual([]);
  });

  it("rollout-guard: the scan, not the notify stage", () => {
    expect(inputs("rollout-guard").some((input) => rolloutScan.test(input))).toBe(true);
    expect(inputs("rollout-guard").filter((input) => notifyStage.test(input))).toEqual([]);
  });

  it("notify: the notify stage, not the rollout scan", () => {
    expect(inputs("notify").some((input) => notifyStage.test(input))).toBe(true);
    expect(inputs("notify").filter((input) => rolloutScan.test(input))).toEqual([]);
  });
});
