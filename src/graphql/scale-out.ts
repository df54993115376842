import { createHash } from "node:crypto";
import {
  type Cache,
  createInMemoryCache,
  useResponseCache,
} from "@graphql-yoga/plugin-response-cache";
import { sql } from "drizzle-orm";
import { type DocumentNode, type ExecutionResult, GraphQLError, getOperationAST } from "graphql";
import type { GraphQLParams, Plugin } from "graphql-yoga";
import { awaitCachesCoherent, type GenerationFollower } from "../db/cache-coherence.ts";
import { type Db, selectRows } from "../db/client.ts";
import { isDatabaseDown } from "../db/database-errors.ts";
import {
  formatLsn,
  PrimaryUnavailableError,
  parseLsn,
  type Reader,
  type ReadRouter,
} from "../db/replicas.ts";
import type { Context } from "./builder.ts";

/**
 * Scale-out plugins for the yoga app (issue 13): read routing to replicas with read-your-writes,
 * the generation-keyed response cache and HTTP caching headers. See ARCHITECTURE.md, "Scale-out".
 */

/** Sent back by the client to read its own writes; answered on every mutation. */
export const LSN_HEADER = "x-pickgraph-lsn";
/** Which server answered a query: `primary`, `replica-<n>` or `cache`. */
export const SERVED_BY_HEADER = "x-pickgraph-served-by";

/** Where the current data generation comes from: memory kept in sync, or the primary. */
export interface GenerationSource {
  /**
   * A generation at least as new as every write already answered, or null when it cannot be
   * known now (then nothing is cached). Synchronous when it comes from memory.
   */
  generation(): bigint | null | Promise<bigint | null>;
}

/**
 * The generation in memory, followed through LISTEN/NOTIFY and acknowledged under a lease (see
 * db/cache-coherence.ts): a cache hit asks no database. While the process cannot vouch for it
 * (lease ended: primary unreachable, notifications lost), each request reads it from `fallback`.
 */
export function generationOfFollower(
  follower: GenerationFollower,
  fallback: GenerationSource,
): GenerationSource {
  return {
    generation() {
      return follower.current() ?? fallback.generation();
    },
  };
}

export function generationOfDatabase(db: Db): GenerationSource {
  return {
    async generation() {
      try {
        const [row] = await selectRows<{ seq: string }>(
          db,
          sql`SELECT seq::text AS seq FROM data_generation WHERE id = 1`,
        );
        return row === undefined ? null : BigInt(row.seq);
      } catch {
        // Unknowable now (the database is away): nothing is cached or served from the cache, and
        // the request runs, so its own answer says what is wrong (DATABASE_UNAVAILABLE, …).
        return null;
      }
    },
  };
}

export function generationOfPrimary(router: ReadRouter): GenerationSource {
  const ofDb = generationOfDatabase(router.primary.db);
  return {
    async generation() {
      // With the primary down nothing can prove an entry current: answer uncached from replicas.
      if (!router.primaryUp) return null;
      try {
        return await ofDb.generation();
      } catch (error) {
        if (isDatabaseDown(error)) router.markDown(router.primaryState, error);
        return null;
      }
    },
  };
}

/** What the plugins learnt about one request, for the response headers. */
interface RequestFacts {
  generation?: bigint | null;
  minLsn?: bigint | null;
  mutation?: boolean;
  servedBy?: string;
  commitLsn?: string;
  withoutErrors?: boolean;
  /** The key the response cache built for the request (when it was enabled for it). */
  cacheKey?: string;
}

const factsOf = new WeakMap<Request, RequestFacts>();

function facts(request: Request): RequestFacts {
  let found = factsOf.get(request);
  if (found === undefined) {
    found = {};
    factsOf.set(request, found);
  }
  return found;
}

function badLsn(value: string): GraphQLError {
  return new GraphQLError(
    `The ${LSN_HEADER} header must be a WAL position such as 0/16B3748 (got "${value.slice(0, 40)}").`,
    { extensions: { code: "BAD_USER_INPUT" } },
  );
}

function primaryUnavailable(): GraphQLError {
  const error = new PrimaryUnavailableError();
  return new GraphQLError(error.message, { extensions: { code: error.code } });
}

/**
 * Routes each operation at execution, once the document is parsed: queries get a reader as
 * `ctx.db` (a replica that has replayed the client's `x-pickgraph-lsn` and the generation the
 * response cache keyed the answer on, else the primary), mutations keep the primary and answer the
 * WAL position of their commit. A query whose replica dies under it is run again on the primary.
 */
export function useReadRouting(router: ReadRouter): Plugin<Context> {
  return {
    onExecute({ args, setExecuteFn, executeFn, setResultAndStopExecution }) {
      const context = args.contextValue as Context & { request: Request };
      const request = context.request;
      const known = facts(request);
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation === "mutation") {
        known.mutation = true;
        known.servedBy = "primary";
        context.db = router.primary.db;
        if (!router.primaryUp) {
          setResultAndStopExecution({ errors: [primaryUnavailable()] });
          return;
        }
        return {
          async onExecuteDone({ result, setResult }) {
            const executed = result as ExecutionResult;
            if (executed.errors?.some((error) => isDatabaseDown(error))) {
              router.markDown(router.primaryState, executed.errors[0]);
              setResult({ ...executed, errors: [primaryUnavailable()] });
              return;
            }
            try {
              const lsn = formatLsn(await router.currentPrimaryLsn());
              known.commitLsn = lsn;
              setResult({ ...executed, extensions: { ...executed.extensions, lsn } });
            } catch (error) {
              if (isDatabaseDown(error)) router.markDown(router.primaryState, error);
            }
          },
        };
      }
      const sent = request.headers.get(LSN_HEADER);
      let minLsn: bigint | null = null;
      if (sent !== null && sent.trim() !== "") {
        minLsn = parseLsn(sent);
        if (minLsn === null) {
          setResultAndStopExecution({ errors: [badLsn(sent)] });
          return;
        }
      }
      known.minLsn = minLsn;
      setExecuteFn(async (executionArgs) => {
        const requirement = { minLsn, minGeneration: known.generation ?? null };
        let reader: Reader = await router.chooseReader(requirement);
        // Reads have no side effects: when the server chosen went away under the query (a replica
        // or the primary), it is marked down and the next reader answers instead.
        for (let attempt = 0; ; attempt++) {
          known.servedBy = reader.name;
          context.db = reader.db;
          const result = (await executeFn(executionArgs)) as ExecutionResult;
          const lost = result.errors?.find((e) => isDatabaseDown(e));
          if (lost === undefined || attempt >= 2) return result;
          router.markDown(reader.state, lost);
          const next = await router.chooseReader(requirement);
          if (next.state === reader.state) return result;
          reader = next;
        }
      });
    },
    onResponse({ request, response }) {
      const known = factsOf.get(request);
      if (known?.servedBy) response.headers.set(SERVED_BY_HEADER, known.servedBy);
      if (known?.commitLsn) response.headers.set(LSN_HEADER, known.commitLsn);
    },
  };
}

export interface ResponseCacheOptions {
  generation: GenerationSource;
  /** How long an entry may live at most; generations make it stale long before, on writes. */
  ttlMs: number;
  /** Shared store (Redis) when CACHE_URL is set; in-process LRU otherwise. */
  cache?: Cache;
}

const KEY = /^g(\d+)-[0-9a-f]{64}$/;

/**
 * The response cache: `@graphql-yoga/plugin-response-cache`, keyed on the data generation (from
 * this process's GenerationFollower while its lease runs, else read from the primary), the document, the operation name and the variables. Only anonymous requests
 * are cached (there is one scope: what anyone may read), never an answer with errors. A key of an
 * older generation is never served, also not for an `If-None-Match` revalidation.
 */
export function useGenerationResponseCache(options: ResponseCacheOptions): Plugin {
  const store = options.cache ?? createInMemoryCache({ max: 2_000 });
  const uncached = new WeakSet<Request>();
  const validated: Cache = {
    async get(key) {
      const match = KEY.exec(key);
      if (!match) return undefined;
      const current = options.generation.generation();
      const serve = (now: bigint | null) =>
        now === null || now !== BigInt(match[1] as string) ? undefined : store.get(key);
      return current instanceof Promise ? current.then(serve) : serve(current);
    },
    set: (key, value, entities, ttl) => store.set(key, value, entities, ttl),
    invalidate: (entities) => store.invalidate(entities),
  };
  const cache = useResponseCache({
    cache: validated,
    ttl: options.ttlMs,
    invalidateViaMutation: false,
    session: () => null,
    enabled: (request) => !request.headers.has("authorization") && !uncached.has(request),
    buildResponseCacheKey({ documentString, variableValues, operationName, request }) {
      const digest = createHash("sha256")
        .update(documentString)
        .update("\u0000")
        .update(operationName ?? "")
        .update("\u0000")
        .update(stableJson(variableValues ?? {}))
        .digest("hex");
      const keyOn = (generation: bigint | null) => {
        facts(request).generation = generation;
        if (generation === null) uncached.add(request);
        const key = `g${generation ?? 0}-${digest}`;
        if (generation !== null) facts(request).cacheKey = key;
        return key;
      };
      const generation = options.generation.generation();
      // From memory the key is built synchronously: a hit costs no await and no database.
      return (generation instanceof Promise ? generation.then(keyOn) : keyOn(generation)) as never;
    },
  }) as Plugin;
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(cache);
    },
    // With `invalidateViaMutation: false` the plugin would keep a mutation's answer like a
    // query's: one that wrote nothing (the generation stays) would then be answered again without
    // running. Parsing precedes execution, where the plugin asks `enabled` (once per request).
    onParse({ context }) {
      return ({ result }) => {
        const { request, params } = context as { request: Request; params: GraphQLParams };
        if (!(result instanceof Object) || !("kind" in result)) return;
        const operation = getOperationAST(result as DocumentNode, params.operationName);
        if (operation?.operation !== "query") uncached.add(request);
      };
    },
  };
}

/**
 * A mutation answers only once every server process has taken its write in (or can no longer
 * serve from its cache): see `awaitCachesCoherent`. The one exception is a mutation that answered
 * nothing but connection errors (the primary is away): it answers at once, so writes fail fast.
 * Its client was told its write failed; should the commit have gone through just before the
 * connection broke, other processes may answer from their caches for up to one lease more.
 */
/**
 * The response cache's key for this request, when it keyed it on a known generation. The cache
 * marks an answer it keeps (or served) with `ETag: <key>`; the hit path (http/hit-path.ts) takes
 * that mark as the cache's decision instead of restating its rules.
 */
export function responseCacheKeyOf(request: Request): string | undefined {
  return factsOf.get(request)?.cacheKey;
}

export function useCoherentWrites(primary: Db, leaseMs: number): Plugin {
  return {
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== "mutation") return;
      return {
        async onExecuteDone({ result }) {
          const { data, errors = [] } = result as ExecutionResult;
          const answeredSomething = Object.values(data ?? {}).some((value) => value != null);
          const refused =
            !answeredSomething &&
            errors.length > 0 &&
            errors.every(
              (error) => error.extensions?.code === "PRIMARY_UNAVAILABLE" || isDatabaseDown(error),
            );
          if (!refused) await awaitCachesCoherent(primary, leaseMs);
        },
      };
    },
  };
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
}

/**
 * HTTP caching for front ends: a query over GET that answered without errors and without
 * credentials may be kept `maxAgeSeconds` by browsers and CDNs. `Vary` keeps a client that sends
 * its write position (or a token) from being answered by an older copy.
 */
export function useHttpCaching(maxAgeSeconds: number): Plugin {
  const executed = new WeakSet<Request>();
  return {
    onExecute({ args }) {
      executed.add((args.contextValue as { request: Request }).request);
    },
    onResultProcess({ request, result }) {
      const single = result as ExecutionResult;
      facts(request).withoutErrors = !Array.isArray(result) && !single.errors?.length;
    },
    onResponse({ request, response }) {
      const known = factsOf.get(request);
      // Only GraphQL answers (and the cache's 304s) are ours to mark; GraphiQL keeps its headers.
      if (known?.withoutErrors === undefined && response.status !== 304) return;
      response.headers.set("vary", `authorization, ${LSN_HEADER}`);
      const cacheable =
        request.method === "GET" &&
        (response.status === 200 || response.status === 304) &&
        maxAgeSeconds > 0 &&
        !request.headers.has("authorization") &&
        (response.status === 304 || known?.withoutErrors === true) &&
        known?.mutation !== true;
      response.headers.set(
        "cache-control",
        cacheable ? `public, max-age=${maxAgeSeconds}` : "no-store",
      );
      if (!executed.has(request) && known?.withoutErrors === true) {
        // Answered without executing: the response cache had it.
        response.headers.set(SERVED_BY_HEADER, "cache");
      }
    },
  };
}
