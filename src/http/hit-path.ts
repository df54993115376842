import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { LRUCache } from "lru-cache";
import { LSN_HEADER, responseCacheKeyOf, SERVED_BY_HEADER } from "../graphql/scale-out.ts";
import type { Logger } from "../logger.ts";
import { acceptedEncoding } from "./compression.ts";
import { checkedBodies } from "./request-guard.ts";
import { REQUEST_ID } from "./request-log.ts";

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
 *   known generation), or answered by the response cache from such an entry, also one another
 *   process stored (Redis): the full path would answer from it again. The entry keeps the
 *   generation of that key.
 * - The front (`serve`, main.ts's Node server) answers before yoga: its key is the raw request
 *   and every request header an answer depends on, CORS inputs included, and it replays yoga's
 *   whole answer (the headers yoga sent for exactly those) with a new request id.
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
  /** The request guard's bound: the front reads POST bodies up to it (larger ones go to yoga). */
  maxBodyBytes: number;
  /** The request log (one line per request, as http/request-log.ts writes for the full path). */
  logger: Logger;
}

interface Entry {
  generation: bigint;
  status: number;
  /** Yoga-level entries: the headers sent again (CORS and the request id are added by yoga). */
  headers: [string, string][];
  /** Front entries: every header of the answer, flat for `writeHead` (the request id is added). */
  flat: string[];
  body: Uint8Array;
}

type NodeHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** The hit path: a yoga plugin, and the front that answers on Node's request before yoga. */
export interface HitPath {
  plugin: Plugin;
  /** Answers a repeated request from an entry, or hands it to `next` (yoga) unchanged. */
  serve(request: IncomingMessage, response: ServerResponse, next: NodeHandler): void;
}

/** Headers a front entry does not keep: per request (the id), or written by Node itself. */
const NOT_KEPT_BY_FRONT = new Set([
  "x-request-id",
  "content-length",
  "date",
  "connection",
  "keep-alive",
  "transfer-encoding",
  SERVED_BY_HEADER,
  HIT_PATH_HEADER,
]);

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

export function createHitPath(options: HitPathOptions): HitPath {
  // Yoga-level entries are keyed "y…", front entries "f…": one memory bound for both.
  const entries = new LRUCache<string, Entry>({
    maxSize: options.maxBytes ?? 32 * 1024 * 1024,
    sizeCalculation: (entry, key) =>
      entry.body.byteLength +
      key.length +
      entry.headers.reduce((n, [k, v]) => n + k.length + v.length, 64) +
      entry.flat.reduce((n, part) => n + part.length, 0),
    ttl: options.ttlMs,
  });
  let generationSeen: bigint | null = null;
  /** The generation in memory, or null; drops every entry when it has moved on. */
  const currentGeneration = (): bigint | null => {
    const generation = options.inMemoryGeneration();
    if (generation !== null && generation !== generationSeen) {
      // Every entry is of an older generation now: none can be served again.
      entries.clear();
      generationSeen = generation;
    }
    return generation;
  };
  /** Node requests that missed at the front: their front key, for yoga's answer to fill. */
  const frontKeys = new WeakMap<IncomingMessage, string>();
  /** Requests yoga's hook answered from an entry (the front may keep that answer too). */
  const answeredEarly = new WeakMap<Request, Entry>();
  const variant = options.variant ?? "";

  /**
   * The front's key: the raw request (method, URL, body bytes) and every request header an
   * answer depends on, raw: content type, accept, encoding, the CORS inputs (origin and the
   * requested headers, so the CORS headers kept are the ones yoga sent for exactly these), the
   * client's write position. Raw values only ever split entries that yoga would answer alike.
   */
  function frontKeyOf(request: IncomingMessage, body: Buffer | null): string {
    const h = request.headers;
    const hash = createHash("sha256").update(
      `${request.method}\u0000${request.url}\u0000${h["content-type"] ?? ""}\u0000${h.accept ?? ""}\u0000${h["accept-encoding"] ?? ""}\u0000${h.origin ?? ""}\u0000${h["access-control-request-headers"] ?? ""}\u0000${h["access-control-request-method"] ?? ""}\u0000${h[LSN_HEADER] ?? ""}\u0000${variant}\u0000`,
    );
    if (body !== null) hash.update(body);
    return `f${hash.digest("base64")}`;
  }

  /** Keeps yoga's whole answer for the front, if still of the generation in memory. */
  function keepForFront(
    key: string,
    generation: bigint,
    status: number,
    headers: Headers,
    body: Uint8Array,
  ): void {
    if (generation !== options.inMemoryGeneration()) return;
    const flat: string[] = [];
    headers.forEach((value, name) => {
      if (!NOT_KEPT_BY_FRONT.has(name.toLowerCase())) flat.push(name, value);
    });
    flat.push(
      "content-length",
      String(body.byteLength),
      SERVED_BY_HEADER,
      "cache",
      HIT_PATH_HEADER,
      "hit",
    );
    entries.set(key, { generation, status, headers: [], flat, body });
  }

  /** Answers from a front entry, or hands the request (its body read, if any) to yoga. */
  function answerOrPass(
    request: IncomingMessage,
    response: ServerResponse,
    next: NodeHandler,
    body: Buffer | null,
  ): void {
    const started = performance.now();
    const generation = currentGeneration();
    const key = generation === null ? null : frontKeyOf(request, body);
    const entry = key === null ? undefined : entries.get(key);
    if (key === null || entry === undefined || entry.generation !== generation) {
      if (key !== null) frontKeys.set(request, key);
      // Read already: whatwg-node takes a body given on the request instead of the stream.
      if (body !== null) (request as IncomingMessage & { body?: Buffer }).body = body;
      next(request, response);
      return;
    }
    const given = request.headers["x-request-id"];
    const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
    response.writeHead(entry.status, [...entry.flat, "x-request-id", id]);
    response.end(entry.body);
    if (options.logger.isLevelEnabled("info"))
      options.logger.info(
        {
          requestId: id,
          method: request.method,
          path: options.endpoint,
          status: entry.status,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          outcome: "ok",
          hitPath: "front",
        },
        "request",
      );
  }

  const serve: HitPath["serve"] = (request, response, next) => {
    const url = request.url ?? "";
    const method = request.method;
    const h = request.headers;
    if (
      (method !== "GET" && method !== "POST") ||
      !(url === options.endpoint || url.startsWith(`${options.endpoint}?`)) ||
      h.authorization !== undefined ||
      h["if-none-match"] !== undefined ||
      h["if-modified-since"] !== undefined ||
      options.inMemoryGeneration() === null
    ) {
      next(request, response);
      return;
    }
    if (method === "GET") {
      answerOrPass(request, response, next, null);
      return;
    }
    // Only a body of a declared length within the guard's bound is read here; anything else
    // (chunked, empty, too large) is yoga's to refuse or read.
    const length = Number(h["content-length"]);
    if (!(length > 0 && length <= options.maxBodyBytes) || h["transfer-encoding"] !== undefined) {
      next(request, response);
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    // Runs in the socket's async context, not the handler's: `next` enters what yoga needs
    // (app.ts's nodeHandlerOf).
    request.on("end", () =>
      answerOrPass(
        request,
        response,
        next,
        chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
      ),
    );
    request.on("error", () => response.destroy());
  };
  /** Requests that missed here and may fill an entry: their key. */
  const pending = new WeakMap<Request, string>();
  const executedQueries = new WeakSet<Request>();
  /**
   * Requests the response cache answered from an entry, whichever process ran it (in-process,
   * or another one through Redis): the full path would answer them from that entry again.
   */
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
    return `y${createHash("sha256")
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
      .digest("base64")}`;
  }

  const plugin: Plugin = {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== options.endpoint) return;
      const generation = currentGeneration();
      if (generation === null) return;
      const key = keyOf(request, url.search);
      if (key === null) return;
      const entry = entries.get(key);
      if (entry === undefined || entry.generation !== generation) {
        pending.set(request, key);
        return;
      }
      answeredEarly.set(request, entry);
      const headers = new fetchAPI.Headers(entry.headers);
      headers.set(SERVED_BY_HEADER, "cache");
      headers.set(HIT_PATH_HEADER, "hit");
      endResponse(
        new fetchAPI.Response(entry.body as unknown as BodyInit, { status: entry.status, headers }),
      );
    },
    onExecute({ args }) {
      if (getOperationAST(args.document, args.operationName)?.operation === "query") {
        executedQueries.add((args.contextValue as { request: Request }).request);
      }
    },
    onResultProcess({ request, result }) {
      // Answered by the response cache in `onParams` (no execution): it serves only what it
      // kept, under the key it built for this request.
      if (
        responseCacheKeyOf(request) !== undefined &&
        (result as Record<symbol, unknown>)[SERVED_FROM_CACHE] === true
      ) {
        servedByCache.add(request);
      }
    },
    async onResponse({ request, response, serverContext, setResponse, fetchAPI }) {
      // Served by main.ts's Node server (not `app.fetch`): the Node request, if the front keyed it.
      const node = (serverContext as { req?: IncomingMessage }).req;
      const frontKey = node === undefined ? undefined : frontKeys.get(node);
      const early = answeredEarly.get(request);
      if (early !== undefined) {
        if (frontKey !== undefined) {
          keepForFront(frontKey, early.generation, response.status, response.headers, early.body);
        }
        return;
      }
      const key = pending.get(request);
      if (key === undefined || response.status !== 200) return;
      const cacheKey = responseCacheKeyOf(request);
      if (cacheKey === undefined) return;
      // whatwg-node's Headers, once copied (the compression plugin does), keep the names as given
      // ("ETag") and `get("etag")` misses them: looked up by lower-cased name instead.
      const lowercased = new Map<string, string>();
      response.headers.forEach((value, name) => {
        lowercased.set(name.toLowerCase(), value);
      });
      // The response cache's own decision: it marks with its key (ETag) exactly the answers it
      // keeps; or it answered from what it kept.
      const kept =
        (executedQueries.has(request) && lowercased.get("etag") === cacheKey) ||
        servedByCache.has(request);
      const marked = kept ? ETAG.exec(cacheKey) : null;
      if (marked === null) return;
      const generation = BigInt(marked[1] as string);
      if (generation !== options.inMemoryGeneration()) return;
      const body = new Uint8Array(await response.arrayBuffer());
      const headers: [string, string][] = [];
      for (const name of KEPT_HEADERS) {
        const value = lowercased.get(name);
        if (value !== undefined) headers.push([name, value]);
      }
      entries.set(key, { generation, status: response.status, headers, flat: [], body });
      if (frontKey !== undefined) {
        keepForFront(frontKey, generation, response.status, response.headers, body);
      }
      setResponse(
        new fetchAPI.Response(body as unknown as BodyInit, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        }),
      );
    },
  };
  return { plugin, serve };
}
