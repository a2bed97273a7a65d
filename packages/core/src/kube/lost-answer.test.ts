import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KubeVerbError } from "../domain/errors.ts";
import { lostAnswer, writeAndConfirm } from "./lost-answer.ts";
import { RequestTimeoutError } from "./retrying-http.ts";

const api = (status: number) => new ApiException(status, `HTTP ${status}`, "", {});
const network = (code: string) =>
  new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) });

describe("which write errors leave the outcome unknown", () => {
  it("a gateway's 502-504, a reset or closed connection, no answer in time", () => {
    expect(lostAnswer(api(504))).toBe("HTTP 504");
    expect(lostAnswer(api(502))).toBe("HTTP 502");
    expect(lostAnswer(network("ECONNRESET"))).toBe("the connection was reset");
    expect(lostAnswer(network("UND_ERR_SOCKET"))).toBe("the connection was closed");
    expect(lostAnswer(new RequestTimeoutError("PUT", 2000))).toBe("no answer in time");
  });

  it("not an answer (409, 500, 403) nor a request that never left (refused, credentials)", () => {
    expect(lostAnswer(api(409))).toBeUndefined();
    expect(lostAnswer(api(500))).toBeUndefined();
    expect(lostAnswer(api(403))).toBeUndefined();
    expect(lostAnswer(network("ECONNREFUSED"))).toBeUndefined();
    expect(lostAnswer(new Error("exec plugin failed"))).toBeUndefined();
    expect(lostAnswer(new KubeVerbError("unavailable", "x"))).toBeUndefined();
  });
});

describe("writeAndConfirm", () => {
  const spec = (answers: unknown[], states: boolean[]) => {
    let writes = 0;
    let reads = 0;
    return {
      counts: () => ({ writes, reads }),
      spec: {
        what: "deployment shop/web",
        change: "scaling deployment shop/web to 5 replicas",
        write: async () => {
          const answer = answers[writes++];
          if (answer instanceof Error) throw answer;
          return answer;
        },
        readBack: async () => {
          const inPlace = states[reads++];
          if (inPlace === undefined) throw network("ECONNRESET");
          return {
            inPlace,
            state: inPlace ? "it has 5 replicas" : "it has 3 replicas",
            seen: inPlace ? 5 : 3,
          };
        },
        again: "safe to run again: homeostat scale shop/web 5",
      },
    };
  };

  it("a lost answer whose change is in place is a success, without sending it again", async () => {
    const { spec: s, counts } = spec([api(504)], [true]);
    expect(await writeAndConfirm(s)).toEqual({ kind: "in-place", seen: 5, lost: "HTTP 504" });
    expect(counts()).toEqual({ writes: 1, reads: 1 });
  });

  it("a lost answer whose change is not in place is sent again", async () => {
    const { spec: s, counts } = spec([api(503), "ok"], [false]);
    expect(await writeAndConfirm(s)).toEqual({ kind: "written", value: "ok" });
    expect(counts()).toEqual({ writes: 2, reads: 1 });
  });

  it("an object that cannot be read back is an unknown outcome, with the command safe to run again", async () => {
    const { spec: s } = spec([api(504)], []);
    const error = await writeAndConfirm(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeVerbError);
    expect(error).toMatchObject({ code: "unavailable", outcomeUnknown: true });
    expect((error as Error).message).toMatch(
      /^the answer to scaling deployment shop\/web to 5 replicas was lost \(HTTP 504\) and reading deployment shop\/web back failed \(.*\): whether the change is in place is unknown; safe to run again: homeostat scale shop\/web 5$/,
    );
    expect((error as Error).message).not.toMatch(/check the kubeconfig/);
  });

  it("gives up after its sends, saying the change is not in place", async () => {
    const { spec: s, counts } = spec([api(504), api(504), api(504)], [false, false, false]);
    await expect(writeAndConfirm({ ...s, sends: 3 })).rejects.toThrow(
      "scaling deployment shop/web to 5 replicas failed: all 3 answers were lost (last: HTTP 504) and deployment shop/web does not have the change when read back (it has 3 replicas); safe to run again: homeostat scale shop/web 5",
    );
    expect(counts()).toEqual({ writes: 3, reads: 3 });
  });

  it("throws any other answer as it came", async () => {
    const conflict = api(409);
    const { spec: s } = spec([conflict], []);
    await expect(writeAndConfirm(s)).rejects.toBe(conflict);
  });
});
