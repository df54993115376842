import { createHash } from "node:crypto";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import { LSN_HEADER, responseCacheKeyOf, SERVED_BY_HEADER } from "../graphql/scale-out.ts";
import { acceptedEncoding } from "./compression.ts";
import { checkedBodies } from "./request-guard.ts";

/**
 * The response cache's hit path before GraphQL (issue 13): a repeated anonymous query is answered
 * in yoga's first hook with the status, headers and bytes of an earlier answer, without parsing,
 * validating, running the plugins or serializing again.
 *
 * Exact by construction:
 * - The key is the raw request (method, query string or body text) and every header the answer
 *   depends on (accept, the compression chosen, the client's write position); the process's
 *   persisted-documents mode is fixed. Requests with credentials or a revalidation
 *   (`If-None-Match`, `If-Modified-Since`) always take the full path.
 * - Only answers the response cache itself decided to keep are stored: executed as a query, 200,
 *   and marked by the cache with `ETag: <its key>` (it marks only error-free answers it keys on a
 *   known generation). The entry keeps the generation of that key.
 * - An entry is served only while the process holds the current generation in memory under a
 *   valid lease (`inMemoryGeneration` not null) and it equals the entry's: the same rule the
 *   response cache applies, so a write answered anywhere is never followed by an older answer.
 */
/** Set on answers of the hit path (operators and tests tell them from the full path's hits). */
export const HIT_PATH_HEADER = "x-pickgraph-hit-path";

export interface HitPathOptions {
  endpoint: string;
  /** The generation in memory while its lease is valid, else null (db/cache-coherence.ts). */
  inMemoryGeneration: () => bigint | null;
  /** Longest life of an entry (the response cache's TTL). */
  ttlMs: number;
  /** Memory bound: bodies and headers kept, in bytes. */
  maxBytes?: number;
  /** Anything fixed per process that changes answers (persisted-documents mode). */
  variant?: string;
}

interface Entry {
  generation: bigint;
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

/** The headers an answer is sent again with; the rest (CORS, request id) is added per request. */
const KEPT_HEADERS = [
  "content-type",
  "content-encoding",
  "content-length",
  "etag",
  "last-modified",
  "cache-control",
  "vary",
];
const ETAG = /^g(\d+)-[0-9a-f]{64}$/;
/** How @graphql-yoga/plugin-response-cache marks a result it served from its cache. */
const SERVED_FROM_CACHE = Symbol.for("servedFromResponseCache");

export function hitPathPlugin(options: HitPathOptions): Plugin {
  const entries = new LRUCache<string, Entry>({
    maxSize: options.maxBytes ?? 32 * 1024 * 1024,
    sizeCalculation: (entry, key) =>
      entry.body.byteLength +
      key.length +
      entry.headers.reduce((n, [k, v]) => n + k.length + v.length, 64),
    ttl: options.ttlMs,
  });
  let generationSeen: bigint | null = null;
  /** Requests that missed here and may fill an entry: their key. */
  const pending = new WeakMap<Request, string>();
  const executedQueries = new WeakSet<Request>();
  /** Response-cache keys this process ran as a query (a key names one document and operation). */
  const queryKeys = new LRUCache<string, true>({ max: 10_000 });
  /** Requests the response cache answered from an entry of a key in `queryKeys`. */
  const servedByCache = new WeakSet<Request>();

  function keyOf(request: Request, search: string): string | null {
    if (request.method !== "GET" && request.method !== "POST") return null;
    const headers = request.headers;
    if (
      headers.has("authorization") ||
      headers.has("if-none-match") ||
      headers.has("if-modified-since")
    ) {
      return null;
    }
    const payload = request.method === "GET" ? search : checkedBodies.get(request);
    if (payload === undefined) return null;
    return createHash("sha256")
      .update(
        [
          request.method,
          headers.get("accept") ?? "",
          acceptedEncoding(headers.get("accept-encoding")) ?? "",
          headers.get(LSN_HEADER) ?? "",
          options.variant ?? "",
          payload,
        ].join("\u0000"),
      )
      .digest("base64");
  }

  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== options.endpoint) return;
      const generation = options.inMemoryGeneration();
      if (generation === null) return;
      if (generation !== generationSeen) {
        // Every entry is of an older generation now: none can be served again.
        entries.clear();
        generationSeen = generation;
      }
      const key = keyOf(request, url.search);
      if (key === null) return;
      const entry = entries.get(key);
      if (entry === undefined || entry.generation !== generation) {
        pending.set(request, key);
        return;
      }
      const headers = new fetchAPI.Headers(entry.headers);
      headers.set(SERVED_BY_HEADER, "cache");
      headers.set(HIT_PATH_HEADER, "hit");
      endResponse(
        new fetchAPI.Response(entry.body as unknown as BodyInit, { status: entry.status, headers }),
      );
    },
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation === "query") {
        const request = (args.contextValue as { request: Request }).request;
        executedQueries.add(request);
        const key = responseCacheKeyOf(request);
        if (key !== undefined) queryKeys.set(key, true);
      }
    },
    onResultProcess({ request, result }) {
      // Answered by the response cache in `onParams` (no execution): it serves only what it
      // kept, under the key it built for this request.
      const key = responseCacheKeyOf(request);
      if (
        key !== undefined &&
        (result as Record<symbol, unknown>)[SERVED_FROM_CACHE] === true &&
        queryKeys.has(key)
      ) {
        servedByCache.add(request);
      }
    },
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const key = pending.get(request);
      if (key === undefined || response.status !== 200) return;
      const cacheKey = responseCacheKeyOf(request);
      if (cacheKey === undefined) return;
      // The response cache's own decision: it marks with its key (ETag) exactly the answers it
      // keeps; or it answered from what it kept.
      const kept =
        (executedQueries.has(request) && response.headers.get("etag") === cacheKey) ||
        servedByCache.has(request);
      const marked = kept ? ETAG.exec(cacheKey) : null;
      if (marked === null) return;
      const generation = BigInt(marked[1] as string);
      if (generation !== options.inMemoryGeneration()) return;
      const body = new Uint8Array(await response.arrayBuffer());
      const headers: [string, string][] = [];
      for (const name of KEPT_HEADERS) {
        const value = response.headers.get(name);
        if (value !== null) headers.push([name, value]);
      }
      entries.set(key, { generation, status: response.status, headers, body });
      setResponse(
        new fetchAPI.Response(body as unknown as BodyInit, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        }),
      );
    },
  };
}
