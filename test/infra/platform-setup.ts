// vitest global setup for the `infra` project: SST's platform (.sst/platform: the components, the
// Pulumi SDK and the AWS provider's SDK) generated as `npm run typecheck:infra` generates it.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../env/binaries.ts";

export default function setup(): void {
  execFileSync(process.execPath, [join(REPO_ROOT, "scripts/sst-platform.ts")], {
    cwd: REPO_ROOT,
    stdio: ["ignore", 2, 2],
  });
}
