import { defineConfig } from "vitest/config";

// Four projects: `unit` is pure logic with no I/O (runs anywhere in seconds); `integration` needs the
// local test environment (control plane, moto, Slack stand-in), which its global setup starts once
// per run or reuses when one is already up; `deployed` runs the handler bundles under the Lambda
// Runtime Interface Emulator against the same environment (the emulator and the runtime interface
// client are built into the cache on first use); `infra` runs sst.config.ts under Pulumi's mocks.
export default defineConfig({
  test: {
    // every run ends with a scan of what it printed and of the test environment's logs: no secret in
    // any log (test/env/secret-scan.ts)
    reporters: ["default", "./test/env/secret-scan-reporter.ts"],
    setupFiles: ["./test/env/output-tee.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          benchmark: { include: ["packages/*/src/**/*.bench.ts"] },
          include: [
            "packages/*/src/**/*.test.ts",
            "functions/**/*.test.ts",
            "scripts/**/*.test.ts",
            "test/env/**/*.test.ts",
          ],
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.int.ts"],
          exclude: ["test/deployed/**", "**/node_modules/**"],
          // the benchmarks are pure: never start the test environment for them
          benchmark: { include: [] },
          globalSetup: ["test/env/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // one cluster shared by every file: files run one after another, tests inside run in order
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          // the stack run under Pulumi's mocks (test/infra/run-app.ts); moto answers TestEventPattern
          name: "infra",
          include: ["test/infra/**/*.infra.ts"],
          benchmark: { include: [] },
          globalSetup: ["test/env/global-setup.ts", "test/infra/platform-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: "deployed",
          include: ["test/deployed/**/*.int.ts"],
          // after the integration files, not beside them: it cordons and drains nodes of the shared
          // cluster, which the disruption-budget tests count
          sequence: { groupOrder: 1 },
          benchmark: { include: [] },
          globalSetup: ["test/env/global-setup.ts", "test/env/lambda-setup.ts"],
          testTimeout: 120_000,
          // a cold build of the emulator and the runtime interface client takes a few minutes
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
