import { defineConfig } from "vitest/config";

// Two projects: `unit` is pure logic with no I/O (runs anywhere in seconds); `integration` needs the
// local test environment (control plane, moto, Slack stand-in), which its global setup starts once
// per run or reuses when one is already up.
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
          // the benchmarks are pure: never start the test environment for them
          benchmark: { include: [] },
          globalSetup: ["test/env/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // one cluster shared by every file: files run one after another, tests inside run in order
          fileParallelism: false,
        },
      },
    ],
  },
});
