// vitest global setup for the `integration` project: starts the local test environment once per
// run, or reuses one that already runs (started by `npm run testenv -- up` or another test run).
//
// Teardown: an environment a person started is never stopped by tests. One that a test run
// started is stopped by the last test run still using it (leases in .testenv/leases), unless
// HOMEOSTAT_KEEP_TESTENV=1 keeps it for the next run.
import { down, otherLiveLeases, takeLease, up } from "./lifecycle.ts";

const log = (line: string): void => {
  process.stderr.write(`[testenv] ${line}\n`);
};

export default async function setup(): Promise<() => Promise<void>> {
  let result: Awaited<ReturnType<typeof up>>;
  try {
    result = await up({ startedBy: "vitest", log });
  } catch (error) {
    // the message already names the component, the reason and the fix
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `the integration tests need the local test environment, and it could not start.\n${message}`,
    );
  }
  log(
    result.reused
      ? `reusing the running environment (${result.env.server})`
      : `started in ${(result.durationMs / 1000).toFixed(1)}s (${result.env.server})`,
  );
  const releaseLease = takeLease();
  return async () => {
    releaseLease();
    if (result.env.startedBy !== "vitest") return;
    if (process.env.HOMEOSTAT_KEEP_TESTENV === "1") {
      log(
        "HOMEOSTAT_KEEP_TESTENV=1: leaving the environment running (stop it with `npm run testenv -- down`)",
      );
      return;
    }
    const others = otherLiveLeases();
    if (others.length > 0) {
      log(`leaving the environment running: test runs ${others.join(", ")} still use it`);
      return;
    }
    const { stopped } = await down(log);
    log(`stopped the environment this test run started (${stopped.length} processes)`);
  };
}
