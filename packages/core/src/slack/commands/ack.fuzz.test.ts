// The Slack text path under fast-check: whatever a person types, the ack never throws, always answers
// 200 with an ephemeral message, and hands a job over only for text the grammar reads as a command;
// text with anything outside the grammar's alphabet is never handed over.
import fc from "fast-check";
import { describe, it } from "vitest";
import { parseConfig } from "../../config/index.ts";
import { answerSlackRequest, type SlackAckDeps } from "./ack.ts";
import type { SlackJob } from "./dispatch.ts";
import { readSlackText } from "./reading.ts";
import { signed } from "./test-helpers.ts";

const config = parseConfig({
  clusters: { prod: { kubeconfig: {} }, staging: { kubeconfig: {} } },
  defaultCluster: "prod",
});

function endpoint(jobs: SlackJob[]): SlackAckDeps {
  return {
    config,
    signingSecret: "fuzz-secret",
    dispatch: async (job) => {
      jobs.push(job);
    },
  };
}

const words = [
  "scale",
  "restart",
  "rollback",
  "drain",
  "status",
  "history",
  "help",
  "cordon",
  "--dry-run",
  "--cluster",
  "prod",
  "+2",
  "-1",
  "x1.5",
  "shop/web",
  "--max",
  "5",
  "plan",
  "--kubeconfig",
  "eks",
  "token",
];

/** Near-commands: grammar words, mutated with characters the grammar does not take. */
const nearCommand = fc
  .tuple(
    fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 6 }),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.oneof(
          fc.string({ unit: "grapheme", minLength: 1, maxLength: 2 }),
          fc.constantFrom(";", "&amp;", "\n", "\u0435", "\u2014", "$(x)", "\u0000"),
        ),
      ),
    ),
  )
  .map(([parts, inserts]) => {
    let text = parts.join(" ");
    for (const [at, insert] of inserts) {
      const index = at % (text.length + 1);
      text = `${text.slice(0, index)}${insert}${text.slice(index)}`;
    }
    return text;
  });

/** What the grammar never takes: non-ASCII, control characters, shell metacharacters. */
const FOREIGN = /[^\x20-\x7e\t]|[;&|`$<>(){}[\]\\'"*?!#~^%]/;

describe("the Slack text path (fast-check)", () => {
  it("never throws, always acks ephemerally, and hands over only what the grammar reads as a command", async () => {
    const jobs: SlackJob[] = [];
    const deps = endpoint(jobs);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 200 }),
          nearCommand,
          fc.string({ unit: "binary", maxLength: 300 }),
        ),
        async (text) => {
          jobs.length = 0;
          const answer = await answerSlackRequest(signed({ text }, "fuzz-secret"), deps);
          const reply = JSON.parse(answer.body) as { response_type?: unknown; text?: unknown };
          const handedOver = readSlackText(text, config).kind === "command" ? 1 : 0;
          // plain checks in the loop: expect's matchers cost more than the endpoint itself
          return (
            answer.statusCode === 200 &&
            reply.response_type === "ephemeral" &&
            typeof reply.text === "string" &&
            jobs.length === handedOver &&
            !(FOREIGN.test(text) && jobs.length > 0)
          );
        },
      ),
      { numRuns: 1000 },
    );
    // 1,000 signed requests is CPU work (HMAC, parsing), not waiting: ~1 s alone, several times that
    // on a loaded machine, so the bound is the work's, not vitest's default 5 s
  }, 60_000);

  it("reads any text without throwing, and only grammar text as a command (the reading alone, more cases)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "grapheme", maxLength: 200 }), nearCommand),
        (text) => !FOREIGN.test(text) || readSlackText(text, config).kind === "refused",
      ),
      { numRuns: 10_000 },
    );
  });
});
