// vitest global setup for the `deployed` project: builds the Lambda Runtime Interface Emulator and
// the Node runtime interface client into the cache when they are missing, before any test's timeout runs.
import { ensureLambdaRuntime } from "./lambda.ts";

export default async function setup(): Promise<void> {
  await ensureLambdaRuntime();
}
