import { ApiException } from "@kubernetes/client-node";
import { describe, expect, test } from "vitest";
import { listAll, lister, type PageRequest, requestPool } from "./requests.ts";

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("requestPool", () => {
  test("never has more than its size in flight, and starts waiting requests in arrival order", async () => {
    const pool = requestPool(3);
    let inFlight = 0;
    let peak = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pool.run(async () => {
          started.push(i);
          inFlight++;
          peak = Math.max(peak, inFlight);
          for (let wait = 0; wait < (i % 4) + 1; wait++) await tick();
          inFlight--;
          return i * 2;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  test("a failed request frees its slot", async () => {
    const pool = requestPool(1);
    await expect(pool.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await pool.run(async () => "next")).toBe("next");
  });

  test("close drops the waiting requests unsent and lets the ones in flight finish", async () => {
    const pool = requestPool(1);
    const sent: string[] = [];
    const first = pool.run(async () => {
      sent.push("first");
      await tick();
      return "first done";
    });
    const second = pool.run(async () => {
      sent.push("second");
      return "second done";
    });
    pool.close();
    await expect(second).rejects.toThrow("the scan ended before this request was sent");
    expect(await first).toBe("first done");
    await expect(pool.run(async () => "late")).rejects.toThrow("the scan ended");
    expect(sent).toEqual(["first"]);
  });

  test("wants a whole number of slots", () => {
    expect(() => requestPool(0)).toThrow(RangeError);
    expect(() => requestPool(2.5)).toThrow(RangeError);
  });
});

/** A list of `total` numbers served `limit` at a time, the continue token being the next offset. */
function pagedList(total: number, fail?: (request: PageRequest) => Error | undefined) {
  const requests: PageRequest[] = [];
  const items = Array.from({ length: total }, (_, i) => i);
  const fetchPage = async (request: PageRequest) => {
    requests.push(request);
    const error = fail?.(request);
    if (error) throw error;
    const start = Number(request._continue ?? 0);
    const end = request.limit ? start + request.limit : total;
    return { items: items.slice(start, end), metadata: end < total ? { _continue: String(end) } : {} };
  };
  return { fetchPage, requests };
}

describe("listAll", () => {
  test("follows continue tokens page by page and keeps what `keep` accepts", async () => {
    const { fetchPage, requests } = pagedList(23);
    const even = await listAll(fetchPage, { pool: requestPool(2), pageSize: 10, keep: (n) => n % 2 === 0 });
    expect(even).toEqual(Array.from({ length: 12 }, (_, i) => i * 2));
    expect(requests).toEqual([{ limit: 10 }, { limit: 10, _continue: "10" }, { limit: 10, _continue: "20" }]);
  });

  test("page size 0 reads the list in one unpaginated request", async () => {
    const { fetchPage, requests } = pagedList(23);
    expect(await listAll(fetchPage, { pool: requestPool(1), pageSize: 0 })).toHaveLength(23);
    expect(requests).toEqual([{}]);
  });

  test("an expired continue token (410) reads the whole list again in one request", async () => {
    const gone = new ApiException(410, "Expired", {}, {});
    const { fetchPage, requests } = pagedList(23, (request) =>
      request._continue === "20" ? gone : undefined,
    );
    const items = await listAll(fetchPage, { pool: requestPool(1), pageSize: 10 });
    expect(items).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(requests.at(-1)).toEqual({});
  });

  test("a 410 on the first page, or any other error, is the caller's", async () => {
    const gone = new ApiException(410, "Gone", {}, {});
    const first = pagedList(5, () => gone);
    await expect(listAll(first.fetchPage, { pool: requestPool(1), pageSize: 2 })).rejects.toBe(gone);
    const forbidden = new ApiException(403, "Forbidden", {}, {});
    const later = pagedList(5, (request) => (request._continue ? forbidden : undefined));
    await expect(listAll(later.fetchPage, { pool: requestPool(1), pageSize: 2 })).rejects.toBe(forbidden);
    expect(later.requests).toHaveLength(2);
  });

  test("lister fixes the pool and page size, and wants a whole page size", async () => {
    const { fetchPage, requests } = pagedList(5);
    expect(await lister(requestPool(1), 2)(fetchPage)).toEqual([0, 1, 2, 3, 4]);
    expect(requests).toHaveLength(3);
    expect(() => lister(requestPool(1), -1)).toThrow(RangeError);
    expect(() => lister(requestPool(1), 0.5)).toThrow(RangeError);
  });
});
