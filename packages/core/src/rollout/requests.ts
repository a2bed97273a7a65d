// How the rollout scan talks to the API server at scale: never more than a fixed number of requests in
// flight, and every list read page by page, so 2,000 Deployments in 50 namespaces, hundreds of them
// rolling out, cost a steady trickle of small requests instead of a burst of hundreds of large ones.
import { ApiException } from "../kube/k8s.ts";

/** Most API requests one scan has in flight at once. */
export const SCAN_CONCURRENCY = 8;
/** Items per list page (`limit`): a namespace of Deployments, or one's ReplicaSets, mostly fits in one. */
export const SCAN_PAGE_SIZE = 500;

export interface RequestPool {
  /** Sends `request` once fewer than the pool's size are in flight; waiting requests go first come, first served. */
  run<T>(request: () => Promise<T>): Promise<T>;
  /** Drops the requests still waiting (each rejects, unsent); the ones in flight finish. */
  close(): void;
}

/**
 * A fixed-size pool of requests in flight. Hand-written rather than a dependency such as p-limit:
 * this is all the scan needs (about 20 lines), and `close` (drop what waits once the scan has
 * failed) is ours.
 *
 * @example
 * const pool = requestPool(8);
 * const lists = await Promise.all(namespaces.map((namespace) => pool.run(() => listIn(namespace))));
 */
export function requestPool(size: number): RequestPool {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`a request pool needs a whole number of slots of at least 1, not ${size}`);
  }
  let active = 0;
  let closed = false;
  const waiting: Array<{ start: () => void; drop: (error: Error) => void }> = [];
  const dropped = () => new Error("the scan ended before this request was sent");
  return {
    async run<T>(request: () => Promise<T>): Promise<T> {
      if (closed) throw dropped();
      if (active < size) active++;
      // a finishing request hands its slot straight to the first waiter (active stays as it is)
      else await new Promise<void>((start, drop) => waiting.push({ start, drop }));
      try {
        return await request();
      } finally {
        const next = waiting.shift();
        if (next) next.start();
        else active--;
      }
    },
    close() {
      closed = true;
      for (const waiter of waiting.splice(0)) waiter.drop(dropped());
    },
  };
}

/** The paging parameters of a list call (client-node's names). */
export interface PageRequest {
  limit?: number;
  _continue?: string;
}

export interface ListPage<T> {
  items: T[];
  metadata?: { _continue?: string };
}

export interface ListAllOptions<T> {
  pool: RequestPool;
  /** Items per page; 0 reads the list in one unpaginated request. */
  pageSize: number;
  /** Which items to keep (the rest are dropped page by page, so they are never all held at once). */
  keep?: (item: T) => boolean;
}

function expired(error: unknown): boolean {
  return error instanceof ApiException && error.code === 410;
}

/**
 * Every item of a list that `keep` accepts, one request per page through the pool (`limit`, then
 * `continue`). When a continue token expires mid-list (410 Gone), the list is read again in one
 * unpaginated request, as client-go's pager does.
 *
 * @example
 * const pods = await listAll((page) => kube.core.listNamespacedPod({ namespace, ...page }), { pool, pageSize: 500 });
 */
export async function listAll<T>(
  fetchPage: (page: PageRequest) => Promise<ListPage<T>>,
  options: ListAllOptions<T>,
): Promise<T[]> {
  const { pool, pageSize, keep = () => true } = options;
  if (pageSize === 0) return (await pool.run(() => fetchPage({}))).items.filter(keep);
  const kept: T[] = [];
  let token: string | undefined;
  do {
    const request: PageRequest =
      token === undefined ? { limit: pageSize } : { limit: pageSize, _continue: token };
    let page: ListPage<T>;
    try {
      page = await pool.run(() => fetchPage(request));
    } catch (error) {
      if (token === undefined || !expired(error)) throw error;
      return (await pool.run(() => fetchPage({}))).items.filter(keep);
    }
    for (const item of page.items) if (keep(item)) kept.push(item);
    token = page.metadata?._continue || undefined;
  } while (token !== undefined);
  return kept;
}

/** `listAll` with the pool and page size fixed: what one scan uses for each of its lists. */
export type Lister = <T>(
  fetchPage: (page: PageRequest) => Promise<ListPage<T>>,
  keep?: (item: T) => boolean,
) => Promise<T[]>;

export function lister(pool: RequestPool, pageSize: number): Lister {
  if (!Number.isInteger(pageSize) || pageSize < 0) {
    throw new RangeError(`a page size is a whole number of items (0: unpaginated), not ${pageSize}`);
  }
  return (fetchPage, keep) => listAll(fetchPage, { pool, pageSize, ...(keep ? { keep } : {}) });
}
