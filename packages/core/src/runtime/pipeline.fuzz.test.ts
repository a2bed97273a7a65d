/**
 * Property tests of the whole pipeline on bad input: normalize → facts → decide → guard → record run for
 * real over the repository's homeostat.config.ts, an in-memory SQLite store that counts every write, and
 * no cluster (connecting is counted, and fails). Whatever the input — events in every envelope, mutated
 * (events/inputs.fuzz.ts), or command text — the run never throws, a rejected input writes nothing and
 * never reaches for a cluster, and every rejection names its field.
 */
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { commandTextArb } from "../command/inputs.fuzz.ts";
import { loadConfig } from "../config/load.ts";
import type { HomeostatConfig } from "../config/schema.ts";
import { commandTrigger } from "../events/constructors.ts";
import { assertNamesField, eventInputArb } from "../events/inputs.fuzz.ts";
import type { Kube } from "../kube/client.ts";
import { readCommand } from "../policy/match.ts";
import { SqliteStateStore } from "../state/sqlite.ts";
import type { StateStore } from "../state/store.ts";
import { FUZZ_TIMEOUT_MS, fuzzAsync } from "../testing/fuzz.ts";
import { handleEvent, handleTrigger, type PipelineDeps } from "./pipeline.ts";

const NOW = new Date("2024-03-14T09:30:00Z");
const WRITES = ["put", "delete", "addToBoundedSet", "removeFromSet"] as const;

/** The real SQLite store, every write counted. */
function countingStore(): { store: StateStore; writes: () => number; reset: () => void } {
  const inner = new SqliteStateStore();
  let writes = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if ((WRITES as readonly PropertyKey[]).includes(property)) {
        return (...args: unknown[]) => {
          writes++;
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  return { store, writes: () => writes, reset: () => (writes = 0) };
}

let config: HomeostatConfig;
const counting = countingStore();
let connects = 0;

function deps(): PipelineDeps {
  return {
    config,
    store: counting.store,
    now: () => NOW,
    connect: async (cluster): Promise<Kube> => {
      connects++;
      throw new Error(`no cluster ${cluster} in a unit test`);
    },
  };
}

beforeAll(async () => {
  config = await loadConfig(fileURLToPath(new URL("../../../../homeostat.config.ts", import.meta.url)));
});

describe("the pipeline on any input", { timeout: FUZZ_TIMEOUT_MS }, () => {
  it("events: never throws; a rejected record writes nothing, connects to nothing and names its field", async () => {
    await fuzzAsync(
      fc.asyncProperty(eventInputArb, async (input) => {
        counting.reset();
        connects = 0;
        const records = await handleEvent(input, deps());
        for (const record of records) {
          if (record.rejected) assertNamesField(record.rejected);
        }
        if (records.every((record) => record.rejected)) {
          if (counting.writes() !== 0) throw new Error(`a rejected input wrote ${counting.writes()} time(s)`);
          if (connects !== 0) throw new Error(`a rejected input connected to a cluster ${connects} time(s)`);
        }
      }),
      10_000,
    );
  });

  it("command text: an unreadable command writes nothing and connects to nothing", async () => {
    let unreadable = 0;
    await fuzzAsync(
      fc.asyncProperty(commandTextArb, async (text) => {
        if (text.trim() === "") return; // no command at all: the constructor refuses it before the pipeline
        counting.reset();
        connects = 0;
        const trigger = commandTrigger({ actor: "fuzz", text, now: NOW });
        if (readCommand(trigger.text).kind !== "unreadable") return;
        unreadable++;
        await handleTrigger(trigger, "prod", deps());
        if (counting.writes() !== 0)
          throw new Error(`an unreadable command wrote ${counting.writes()} time(s)`);
        if (connects !== 0) throw new Error(`an unreadable command connected ${connects} time(s)`);
      }),
      3_000,
    );
    // the property is about unreadable commands: most generated ones must be
    expect(unreadable).toBeGreaterThan(0);
  });

  it("the counting can fail: an accepted event reaches for the cluster", async () => {
    connects = 0;
    const { sampleEvent } = await import("../events/samples.ts");
    const [record] = await handleEvent(sampleEvent("spot-interruption"), deps());
    expect(record?.rejected).toBeUndefined();
    expect(connects).toBe(1);
  });
});
