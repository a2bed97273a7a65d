// npm run testenv -- up | down | status | build
import { stat } from "node:fs/promises";
import { binaryPaths, ensureBinaries, missingBinaries } from "./binaries.ts";
import { down, inspect, up } from "./lifecycle.ts";

const HELP = `Usage: npm run testenv -- <command>

The local test environment for Homeostat's integration tests, on loopback only:
etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (3 EKS-like nodes),
moto (AWS), a Slack Web API stand-in, and an EKS-like token webhook.

Commands:
  up       start everything, or reuse what already runs (idempotent); builds missing binaries first;
           writes .testenv/env.json (read it in tests with loadTestEnv() from test/env/env.ts)
  down     stop every process the environment started (by pid) and delete .testenv/ (the binary
           cache is kept)
  status   show what runs and whether it is healthy; exits 1 when the environment is not up
  build    build the control-plane binaries that are not cached yet (one at a time)

Environment variables:
  HOMEOSTAT_CACHE          binary and Go caches (default ~/.cache/homeostat)
  HOMEOSTAT_PREBUILT_BIN   directory with prebuilt etcd, kube-apiserver, kube-controller-manager,
                           kube-scheduler and kwok: nothing is built
  K8S_VERSION, ETCD_VERSION, KWOK_VERSION   versions to build and use (default v1.34.4, v3.6.16, v0.8.0)
  HOMEOSTAT_KEEP_TESTENV=1 vitest: keep an environment the test run started (by default the last
                           test run using it stops it; one started with \`up\` is never stopped by tests)
  HOMEOSTAT_TESTENV_STARTUP_TIMEOUT_MS   per-component start timeout (default 90000)

More: docs/testenv.md`;

const log = (line: string): void => {
  process.stderr.write(`[testenv] ${line}\n`);
};

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MiB`;
}

async function commandUp(): Promise<number> {
  const result = await up({ startedBy: "cli", log });
  const status = await inspect();
  const rss = status.components.reduce((sum, c) => sum + c.rssBytes, 0);
  const { env } = result;
  console.log(
    [
      `test environment ${result.reused ? "already running (reused)" : "started"} in ${(result.durationMs / 1000).toFixed(1)}s`,
      `  kubeconfig  ${env.kubeconfig}`,
      `  server      ${env.server}`,
      `  nodes       ${env.nodes.join(", ")}`,
      `  moto        ${env.motoUrl}`,
      `  slack       ${env.slackUrl}`,
      `  webhook     ${env.webhookUrl}`,
      `  memory      ${mb(rss)} RSS over ${status.components.length} processes`,
      `  env file    ${env.dir}/env.json`,
      `try: kubectl --kubeconfig ${env.kubeconfig} get nodes`,
    ].join("\n"),
  );
  return 0;
}

async function commandDown(): Promise<number> {
  const result = await down(log);
  console.log(
    result.stopped.length > 0
      ? `stopped ${result.stopped.join(", ")}; removed .testenv/`
      : "nothing was running; removed .testenv/",
  );
  return 0;
}

async function commandStatus(): Promise<number> {
  const status = await inspect();
  if (status.env) {
    console.log(`test environment started ${status.env.startedAt} by ${status.env.startedBy}`);
    console.log(`  kubeconfig ${status.env.kubeconfig}`);
  }
  for (const c of status.components) {
    console.log(
      `  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.running ? `running  ${mb(c.rssBytes)}` : "NOT RUNNING"}`,
    );
  }
  const rss = status.components.reduce((sum, c) => sum + c.rssBytes, 0);
  if (status.components.length > 0) console.log(`  total RSS ${mb(rss)}`);
  if (status.healthy) {
    console.log("healthy");
    return 0;
  }
  console.log(`not healthy: ${status.problems.join("; ")}`);
  console.log("fix: npm run testenv -- up (restarts what is down)");
  return 1;
}

async function commandBuild(): Promise<number> {
  const started = Date.now();
  const paths = await ensureBinaries(log);
  for (const [name, path] of Object.entries(paths)) {
    console.log(`  ${name.padEnd(24)} ${path} (${mb((await stat(path)).size)})`);
  }
  if (missingBinaries(binaryPaths()).length === 0) {
    console.log(`all binaries present (${((Date.now() - started) / 1000).toFixed(0)}s)`);
  }
  return 0;
}

const commands: Record<string, () => Promise<number>> = {
  up: commandUp,
  down: commandDown,
  status: commandStatus,
  build: commandBuild,
};

const name = process.argv[2];
if (!name || name === "--help" || name === "-h" || name === "help") {
  console.log(HELP);
  process.exit(name ? 0 : 2);
}
const command = commands[name];
if (!command) {
  console.error(`unknown command: ${name}\n\n${HELP}`);
  process.exit(2);
}
try {
  process.exit(await command());
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
