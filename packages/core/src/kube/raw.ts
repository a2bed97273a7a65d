import * as z from "zod";
import { KubeVerbError } from "../domain/errors.ts";
import type { Kube } from "./client.ts";
import { toKubeVerbError } from "./errors.ts";
import { ApiException, HttpMethod, RequestContext } from "./k8s.ts";

/**
 * A client-node model as JSON on the wire: timestamps are strings, not Dates. Objects read with
 * `rawGet`/`rawList` are typed this way but carry every field the server sent, including fields the
 * models do not know yet (a cluster newer than the client): copying them back loses nothing.
 */
export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer Item)[]
    ? Wire<Item>[]
    : T extends object
      ? { [Key in keyof T]: Wire<T[Key]> }
      : T;

export type QueryValue = string | number | boolean | undefined;

export interface RawGetOptions {
  /** Query parameters; undefined ones are left out. */
  query?: Readonly<Record<string, QueryValue>>;
  /** Names the object in error messages, e.g. `deployment shop/checkout`. */
  what?: string;
}

/** `server` + `path` + query, as client-node's ServerConfiguration joins them (a path prefix on the server is kept). */
export function apiUrl(
  server: string,
  path: string,
  query: Readonly<Record<string, QueryValue>> = {},
): string {
  const url = new URL(`${server.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url.toString();
}

/** A JSON object from a response body, or a KubeVerbError saying what came back instead. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new KubeVerbError(
      "failed",
      `the API server answered for ${what} with something that is not JSON (${text.slice(0, 120)}); is the kubeconfig's server a Kubernetes API server?`,
      { cause: error },
    );
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new KubeVerbError(
      "failed",
      `the API server answered for ${what} with JSON that is not an object; is the kubeconfig's server a Kubernetes API server?`,
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * GET `path` on the Kube's cluster and return the JSON as plain objects, with nothing dropped or
 * converted (client-node's typed reads pass through ObjectSerializer, which drops fields its models
 * lack). Authentication, TLS, the connection pool, retries and deadlines are the handle's, as for its
 * typed APIs (`kube.auth`: client certs, CA, tokens, exec and custom authenticators; `kube.http`), and
 * the request is counted by the Kube's counter. API errors become
 * KubeVerbErrors exactly as for the typed calls (404 → not-found, 403 → forbidden, …).
 *
 * The type parameter is not checked: use `Wire<Model>` and treat what you read as the server's word.
 */
export async function rawGet<T>(kube: Kube, path: string, options: RawGetOptions = {}): Promise<T> {
  const what = options.what ?? `GET ${path}`;
  const cluster = kube.config.getCurrentCluster();
  if (!cluster) {
    throw new KubeVerbError(
      "invalid",
      `kubeconfig context "${kube.config.getCurrentContext()}" names no cluster; pick a context that has one`,
    );
  }
  let text: string;
  try {
    const context = new RequestContext(apiUrl(cluster.server, path, options.query), HttpMethod.GET);
    context.setHeaderParam("Accept", "application/json");
    // the order of client-node's generated APIs: authenticate, then the middleware (our counter), then send
    await kube.auth.applySecurityAuthentication(context);
    const counted = await kube.requests.middleware.pre(context);
    const response = await kube.http.send(counted).toPromise();
    text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      throw new ApiException(
        response.httpStatusCode,
        `HTTP ${response.httpStatusCode} for GET ${path}`,
        text,
        response.headers,
      );
    }
  } catch (error) {
    throw toKubeVerbError(error, what);
  }
  return parseJsonObject(text, what) as T;
}

export interface RawListOptions extends RawGetOptions {
  /** Items per page (the `limit` parameter); pages are followed with `continue`. */
  limit?: number;
}

/** The envelope of a list; items and everything else pass through untouched (loose objects). */
const listSchema = z.looseObject({
  items: z.array(z.looseObject({})).nullish(),
  metadata: z.looseObject({ continue: z.string().optional() }).optional(),
});

/** Pages big enough that a Deployment's ReplicaSets arrive in one request; the server may send fewer. */
export const DEFAULT_LIST_LIMIT = 500;

/**
 * Every item of a list (GET on a collection path), page by page. When a continue token expires
 * mid-list (410 Gone), the list is read again in one unpaginated request, as client-go's pager does.
 */
export async function rawList<T>(kube: Kube, path: string, options: RawListOptions = {}): Promise<T[]> {
  const what = options.what ?? `GET ${path}`;
  const limit = options.limit ?? DEFAULT_LIST_LIMIT;
  const items: T[] = [];
  let continueToken: string | undefined;
  do {
    let page: Record<string, unknown>;
    try {
      page = await rawGet<Record<string, unknown>>(kube, path, {
        what,
        query: { ...options.query, limit, continue: continueToken },
      });
    } catch (error) {
      if (continueToken !== undefined && error instanceof KubeVerbError && error.status === 410) {
        const whole = await rawGet<Record<string, unknown>>(kube, path, { what, query: options.query });
        return listItems<T>(whole, what);
      }
      throw error;
    }
    const { items: pageItems, continueToken: next } = listPage<T>(page, what);
    items.push(...pageItems);
    continueToken = next;
  } while (continueToken !== undefined);
  return items;
}

/** The items of one page (as sent, not zod's copies) and the token for the next page, if any. */
export function listPage<T>(
  page: Record<string, unknown>,
  what: string,
): { items: T[]; continueToken: string | undefined } {
  const parsed = listSchema.safeParse(page);
  if (!parsed.success) {
    throw new KubeVerbError(
      "failed",
      `the API server's list for ${what} is not a Kubernetes list (${parsed.error.message}); is the path a collection?`,
    );
  }
  return {
    items: (page.items ?? []) as T[],
    continueToken: parsed.data.metadata?.continue || undefined,
  };
}

function listItems<T>(page: Record<string, unknown>, what: string): T[] {
  return listPage<T>(page, what).items;
}
