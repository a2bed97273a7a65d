/**
 * Runs sst.config.ts the way SST 4.17's CLI runs it for a deploy (pkg/project/run.go, pkg/js/js.go in
 * SST's source), but under Pulumi's runtime mocks instead of the Pulumi engine: nothing is created,
 * every resource's inputs are captured. Prints one JSON document on stdout: the resources, each
 * Runtime.Build request, and the stack's outputs.
 *
 * SST's CLI is also the components' RPC server (SST_SERVER); this app calls two methods:
 * `Provider.Aws.Bootstrap` (answered with fixed bucket names) and `Runtime.Build`, answered by
 * bundling the handler with scripts/bundle.ts — a missing file or export fails as it fails a deploy.
 *
 *   node test/infra/run-app.ts <stage>      (deploy settings from the environment, as for `sst deploy`)
 *
 * INFRA_TEST_KEEP_WORK=1 keeps the run's bundles under .sst/infra-tests/.
 * INFRA_TEST_HANDLER=<stack's handler>=<handler to build> builds another handler path in place of one
 * the stack names: the stack variant the tests use to prove a missing file or export fails the run.
 */
import { mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { BundleError, bundleHandler, ROOT } from "../../scripts/bundle.ts";

const stage = process.argv[2] ?? "dev";
const platform = join(ROOT, ".sst", "platform");
const work = join(ROOT, ".sst", "infra-tests", `${stage}-${process.pid}`);
mkdirSync(work, { recursive: true });
// the bundles and zips of this run, removed however it ends (a build error ends it from inside
// Pulumi's outputs); INFRA_TEST_KEEP_WORK=1 keeps them to look at
process.on("exit", () => {
  if (process.env.INFRA_TEST_KEEP_WORK !== "1") rmSync(work, { recursive: true, force: true });
});

export interface CapturedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const [replacedHandler, replacement] = (process.env.INFRA_TEST_HANDLER ?? "").split("=");

const resources: CapturedResource[] = [];
const builds: Array<Record<string, unknown>> = [];

// --- SST's RPC server: the two methods this app's components call ---
const server = createServer((request, response) => {
  let body = "";
  request.on("data", (chunk) => {
    body += chunk;
  });
  request.on("end", async () => {
    const { method, params } = JSON.parse(body) as { method: string; params: [Record<string, unknown>] };
    const input = params[0];
    const answer = (result: unknown) => response.end(JSON.stringify({ result, error: null }));
    if (method === "Provider.Aws.Bootstrap") {
      return answer({
        asset: "sst-asset-test",
        assetEcrRegistryId: "123456789012",
        assetEcrUrl: "123456789012.dkr.ecr.us-east-1.amazonaws.com/sst-asset",
        state: "sst-state-test",
        appsyncHttp: "",
        appsyncRealtime: "",
      });
    }
    if (method === "Runtime.Build") {
      builds.push(input);
      const out = join(work, "artifacts", String(input.functionID));
      try {
        // the config the stack deploys (HOMEOSTAT_CONFIG), embedded in the bundle as the stack reads it
        const configFile = process.env.HOMEOSTAT_CONFIG
          ? join(ROOT, process.env.HOMEOSTAT_CONFIG)
          : undefined;
        const handler =
          String(input.handler) === replacedHandler ? String(replacement) : String(input.handler);
        const bundle = await bundleHandler(handler, out, { configFile });
        return answer({ handler: bundle.handler, out, errors: [], sourcemaps: [] });
      } catch (error) {
        if (error instanceof BundleError)
          return answer({ handler: "", out, errors: [error.message], sourcemaps: [] });
        throw error;
      }
    }
    response.end(JSON.stringify({ result: null, error: `rpc: can't find method ${method}` }));
  });
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const address = server.address();
if (!address || typeof address === "string") throw new Error("the RPC server has no port");
process.env.SST_SERVER = `http://127.0.0.1:${address.port}`;

// --- $app: the config's app() for this stage, as the CLI evaluates it ---
(globalThis as Record<string, unknown>).$config = (config: unknown) => config;
const configModule = (await import(pathToFileURL(join(ROOT, "sst.config.ts")).href)) as {
  default: { app(input: { stage: string }): Record<string, unknown> };
};
const app = { ...configModule.default.app({ stage }), stage };
const cli = {
  command: "deploy",
  dev: false,
  paths: { home: join(work, "home"), root: ROOT, work: join(ROOT, ".sst"), platform },
  state: { version: {} },
};

// --- the program, bundled as the CLI bundles it ---
const globals = [
  'import * as aws from "@pulumi/aws";',
  `import * as sst from "${join(platform, "src/components")}";`,
].join("\n");
const outfile = join(platform, `sst.config.infra-test-${process.pid}.mjs`);
await build({
  stdin: {
    contents: `import { run } from "${join(platform, "src/auto/run.ts")}";
import mod from "${join(ROOT, "sst.config.ts")}";
const result = await run(mod.run);
export default result;`,
    resolveDir: ROOT,
    loader: "ts",
  },
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "esnext",
  // npm packages load from the platform's node_modules beside the output, as under the CLI
  packages: "external",
  define: { $app: JSON.stringify(app), $cli: JSON.stringify(cli), $dev: "false" },
  inject: [join(platform, "src/shim/run.js")],
  banner: {
    js: 'import { createRequire as topLevelCreateRequire } from "module"; const require = topLevelCreateRequire(import.meta.url);',
  },
  logLevel: "silent",
  plugins: [
    {
      // the provider and component namespaces, in scope in every file of the app (as SST's Globals)
      name: "sst-globals",
      setup(esbuild) {
        esbuild.onLoad({ filter: /\.ts$/ }, async (args) => {
          if (args.path.includes("node_modules") || args.path.startsWith(platform)) return undefined;
          const { readFile } = await import("node:fs/promises");
          return { contents: `${globals}\n${await readFile(args.path, "utf8")}`, loader: "ts" };
        });
      },
    },
  ],
});

// --- Pulumi mocks: ARNs shaped per resource type, as components parse some of them ---
const platformRequire = createRequire(join(platform, "package.json"));
// the platform's own copy, the one the bundled program imports (typed here by what this script uses:
// the workspace has no @pulumi/pulumi of its own)
interface MockResourceArgs {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
interface MockCallArgs {
  token: string;
  inputs: Record<string, unknown>;
}
interface PulumiRuntime {
  setMocks(
    mocks: {
      newResource(args: MockResourceArgs): { id: string; state: Record<string, unknown> };
      call(args: MockCallArgs): Record<string, unknown>;
    },
    project: string,
    stack: string,
    preview: boolean,
  ): Promise<void>;
  runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
  disconnect(): Promise<void>;
}
const pulumi = platformRequire("@pulumi/pulumi") as { runtime: PulumiRuntime };
const ACCOUNT = "123456789012";
const region = process.env.HOMEOSTAT_REGION ?? "us-east-1";

function arnOf(type: string, name: string, inputs: Record<string, unknown>): string {
  const physical = String(inputs.name ?? name);
  const [, module = "", kind = ""] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [];
  switch (module) {
    case "iam":
      return `arn:aws:iam::${ACCOUNT}:${kind === "role" ? "role" : kind.toLowerCase()}/${physical}`;
    case "lambda":
      return `arn:aws:lambda:${region}:${ACCOUNT}:function:${physical}`;
    case "sqs":
      return `arn:aws:sqs:${region}:${ACCOUNT}:${physical}`;
    case "sns":
      return `arn:aws:sns:${region}:${ACCOUNT}:${physical}`;
    case "dynamodb":
      return `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${physical}`;
    case "cloudwatch":
      return kind === "logGroup"
        ? `arn:aws:logs:${region}:${ACCOUNT}:log-group:${physical}`
        : `arn:aws:events:${region}:${ACCOUNT}:${kind === "eventBus" ? "event-bus" : "rule"}/${physical}`;
    case "scheduler":
      return `arn:aws:scheduler:${region}:${ACCOUNT}:${kind === "scheduleGroup" ? "schedule-group" : "schedule"}/${physical}`;
    default:
      return `arn:aws:${module}:${region}:${ACCOUNT}:${kind}/${physical}`;
  }
}

await pulumi.runtime.setMocks(
  {
    newResource(args) {
      const inputs = args.inputs;
      resources.push({ type: args.type, name: args.name, inputs });
      const id = String(inputs.name ?? `${args.name}-id`);
      const arn = arnOf(args.type, args.name, inputs);
      const extra: Record<string, unknown> = { arn, name: inputs.name ?? args.name };
      if (args.type === "aws:sqs/queue:Queue")
        extra.url = `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${id}`;
      if (args.type === "aws:eks/accessEntry:AccessEntry") extra.accessEntryArn = `${arn}-entry`;
      // an output only AWS knows; sst.aws.Function's `url` reads it
      if (args.type === "aws:lambda/functionUrl:FunctionUrl")
        extra.functionUrl = `https://${args.name.toLowerCase()}.lambda-url.${region}.on.aws/`;
      return { id, state: { ...inputs, ...extra } };
    },
    call(args) {
      if (args.token === "aws:index/getPartition:getPartition")
        return { partition: "aws", dnsSuffix: "amazonaws.com" };
      if (args.token === "aws:index/getRegion:getRegion") return { name: region, region, id: region };
      if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
        return {
          accountId: ACCOUNT,
          arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
          userId: "AIDTEST",
          id: ACCOUNT,
        };
      }
      return args.inputs;
    },
  },
  "homeostat",
  stage,
  false,
);

let outputs: unknown;
let failure: string | undefined;
try {
  outputs = await pulumi.runtime.runInPulumiStack(async () => {
    const module = (await import(pathToFileURL(outfile).href)) as { default: unknown };
    return module.default;
  });
  await pulumi.runtime.disconnect();
} catch (error) {
  failure = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
}
server.close();
rmSync(outfile, { force: true });
process.stdout.write(
  JSON.stringify({ resources, builds, outputs: outputs ?? null, failure: failure ?? null }),
);
process.exit(0);
