import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Cache } from "@graphql-yoga/plugin-response-cache";
import { PothosValidationError } from "@pothos/core";
import { GraphQLError } from "graphql";
import { createYoga, maskError, type YogaServerInstance } from "graphql-yoga";
import { type Config, loadConfig } from "./config.ts";
import type { Database } from "./db/client.ts";
import { classifyDatabaseError, describeDatabaseFailure } from "./db/database-errors.ts";
import { runAsStatementOwner } from "./db/fair-statements.ts";
import type { ReadRouter } from "./db/replicas.ts";
import type { Context } from "./graphql/builder.ts";
import { useCompiledReads } from "./graphql/compiled-reads-plugin.ts";
import { createContext } from "./graphql/context.ts";
// --- issue 13 (scale-out) ---
import {
  DOCUMENTS_FOLDER,
  type DocumentManifest,
  usePersistedDocuments,
} from "./graphql/persisted-documents.ts";
import {
  type GenerationSource,
  useCoherentWrites,
  useGenerationResponseCache,
  useHttpCaching,
  useReadRouting,
} from "./graphql/scale-out.ts";
// --- end issue 13 ---
import { schema } from "./graphql/schema.ts";
import { useSpecifiedRulesCache } from "./graphql/validation-cache.ts";
import { compressionPlugin } from "./http/compression.ts";
import { explorerPlugin } from "./http/explorer.ts";
import { readinessPlugin } from "./http/health.ts";
import { createHitPath, type HitPath } from "./http/hit-path.ts";
import {
  type OperationLimits,
  operationLimitsPlugin,
  schemaExposurePlugin,
} from "./http/operation-limits.ts";
import {
  createPublicWriteGate,
  type PublicWriteLimits,
  type PublicWriteStore,
} from "./http/public-writes.ts";
import { requestGuardPlugin } from "./http/request-guard.ts";
import { MASKED_ORIGINAL, requestLogPlugin } from "./http/request-log.ts";
import { type Logger, silentLogger, throttledWarnings } from "./logger.ts";

/** What the HTTP layer allows; `httpSettings(loadConfig())` unless a caller says otherwise. */
export interface HttpSettings {
  limits: OperationLimits;
  maxBodyBytes: number;
  /** Origins that get credentialed CORS; every other origin gets uncredentialed reads only. */
  corsOrigins: readonly string[];
  graphiql: boolean;
  introspection: boolean;
  /** "Did you mean …?" hints name fields a client did not ask about: off in production. */
  fieldSuggestions: boolean;
  publicWrites: PublicWriteLimits;
  /** Take the client address from the last X-Forwarded-For entry (the one our proxy appended). */
  trustProxy: boolean;
}

export function httpSettings(config: Config): HttpSettings {
  const production = config.NODE_ENV === "production";
  return {
    limits: {
      maxLength: config.MAX_QUERY_LENGTH,
      maxTokens: config.MAX_QUERY_TOKENS,
      maxDepth: config.MAX_QUERY_DEPTH,
      maxAliases: config.MAX_QUERY_ALIASES,
      maxDirectives: config.MAX_QUERY_DIRECTIVES,
      maxCost: config.MAX_QUERY_COST,
    },
    maxBodyBytes: config.MAX_BODY_BYTES,
    corsOrigins: config.CORS_ORIGINS,
    graphiql: config.GRAPHIQL ?? !production,
    introspection: config.INTROSPECTION ?? !production,
    fieldSuggestions: !production,
    publicWrites: {
      perMinute: config.FEEDBACK_PER_MINUTE,
      dedupeSeconds: config.FEEDBACK_DEDUPE_SECONDS,
    },
    trustProxy: config.TRUST_PROXY,
  };
}

/**
 * What GraphiQL opens with: the explorer's comparison page (`documents/DeepWalk.graphql`, a
 * persisted document) on the seed comparison: its verdict, its adjacent topics and theirs.
 */
export const EXAMPLE = {
  query: readFileSync(join(DOCUMENTS_FOLDER, "DeepWalk.graphql"), "utf8"),
  variables: { slug: "individual-contributor-model-vs-management-track" },
};

// --- database faults (issue 8: timeouts and outages) ---
type ThrottledWarn = ReturnType<typeof throttledWarnings>;
const DATABASE_FAULT_MESSAGES = {
  TIMEOUT: "The request took too long and was stopped; ask for less, or try again",
  DATABASE_UNAVAILABLE: "The database is unavailable right now; try again in a moment",
} as const;
/**
 * A statement timeout or an unreachable database is not a bug to mask: the client gets a code
 * it can act on (`TIMEOUT`, `DATABASE_UNAVAILABLE`) and the log one short line, never the
 * statement and its parameters. The error is rewritten in place, because yoga logs whole
 * (SQL and all) every error its mask function replaces.
 */
function answerDatabaseFault(error: GraphQLError, warn: ThrottledWarn): boolean {
  const fault = classifyDatabaseError(error);
  if (fault === null) return false;
  // Throttled: during an outage every request is refused, and the breaker says so once.
  warn(
    fault,
    { fault, path: error.path?.join("."), reason: describeDatabaseFailure(error) },
    `database fault: ${fault}`,
  );
  const rewritten = error as { -readonly [K in keyof GraphQLError]: GraphQLError[K] };
  rewritten.message = DATABASE_FAULT_MESSAGES[fault];
  rewritten.extensions = { code: fault };
  rewritten.originalError = undefined;
  return true;
}

/** The mask function: database faults answered with their code, then the rest as before. */
function maskErrorsLoggingTo(logger: Logger): typeof maskError {
  const warn = throttledWarnings(logger);
  return (error, message, isDev) => {
    if (error instanceof GraphQLError && answerDatabaseFault(error, warn)) return error;
    return codeValidationErrors(error, message, isDev);
  };
}
// --- end database faults ---

/**
 * Pothos refuses some arguments itself (an id of the wrong type, a negative `first`); those are
 * the client's mistakes and get BAD_USER_INPUT like ours. Everything else is yoga's masking.
 */
const codeValidationErrors: typeof maskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof PothosValidationError && error instanceof GraphQLError) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { ...error.extensions, code: "BAD_USER_INPUT" },
    });
  }
  const masked = maskError(error, message, isDev);
  // The request log (src/http/request-log.ts) logs what the client does not see, bounded. An
  // error yoga passes on as it is (a GraphQLError of ours or of validation: the client's
  // mistake, answered with its code) was not masked and is no unexpected error.
  if (masked === error) return masked;
  Object.defineProperty(masked, MASKED_ORIGINAL, { value: original, enumerable: false });
  return masked;
};

export interface AppOptions {
  database: Database;
  /** Kept for callers of the old signature; unexpected errors are logged through `logger`. */
  logErrors?: boolean;
  /** Request lines and unexpected errors; silent when not given. */
  logger?: Logger;
  /** Limits, CORS and switches; from the environment (src/config.ts) when not given. */
  settings?: Partial<HttpSettings>;
  /** The built explorer page (default: dist/explorer, written by `npm run build:web`). */
  explorerDir?: string;
  /** Issue 13: replicas, response cache, HTTP caching, persisted documents (all off when absent). */
  scaleOut?: ScaleOutOptions;
  /**
   * Where submitFeedback's rate-limit counters live (default: the `rate_limits` table of
   * `database`, shared by every process on it; main.ts passes Redis when CACHE_URL is set).
   */
  publicWriteStore?: PublicWriteStore;
}

// --- issue 13 (scale-out) ---
export interface ScaleOutOptions {
  /** Routes queries to replicas and mutations to the primary (`database` is the primary). */
  router?: ReadRouter;
  /** Response cache: where the data generation is read, and the entries' longest life. */
  responseCache?: {
    generation: GenerationSource;
    ttlMs: number;
    cache?: Cache;
    /** The generation in memory under a valid lease: enables the hit path before GraphQL. */
    inMemoryGeneration?: () => bigint | null;
    /** The hit path's memory bound in bytes (default 32 MiB). */
    hitPathMaxBytes?: number;
  };
  /** `Cache-Control: max-age` for anonymous queries over GET (0: `no-store`). */
  httpMaxAgeSeconds?: number;
  persistedDocuments?: { manifest: DocumentManifest; only: boolean };
  /** Mutations answer once every process's response cache has taken them in (Postgres). */
  coherentWrites?: { primary: Database["db"]; leaseMs: number };
}

function scaleOutPlugins(
  options: ScaleOutOptions | undefined,
  front: { maxBodyBytes: number; logger: Logger; hitPath?: HitPath },
) {
  if (!options) return [];
  const hitPath =
    options.responseCache?.inMemoryGeneration && options.responseCache.ttlMs > 0
      ? createHitPath({
          endpoint: ENDPOINT,
          inMemoryGeneration: options.responseCache.inMemoryGeneration,
          ttlMs: options.responseCache.ttlMs,
          ...(options.responseCache.hitPathMaxBytes !== undefined
            ? { maxBytes: options.responseCache.hitPathMaxBytes }
            : {}),
          variant: options.persistedDocuments?.only ? "persisted-only" : "",
          maxBodyBytes: front.maxBodyBytes,
          logger: front.logger,
        })
      : undefined;
  front.hitPath = hitPath;
  // Order matters: a persisted id becomes a document before the cache keys it; the cache answers
  // before routing picks a reader.
  return [
    ...(options.persistedDocuments ? [usePersistedDocuments(options.persistedDocuments)] : []),
    ...(options.httpMaxAgeSeconds !== undefined ? [useHttpCaching(options.httpMaxAgeSeconds)] : []),
    ...(options.responseCache && options.responseCache.ttlMs > 0
      ? [useGenerationResponseCache(options.responseCache)]
      : []),
    ...(options.router ? [useReadRouting(options.router)] : []),
    ...(options.coherentWrites
      ? [useCoherentWrites(options.coherentWrites.primary, options.coherentWrites.leaseMs)]
      : []),
    // Last: its onResponse sees the answer as sent (compressed, with the cache's headers), and
    // its onRequest runs after the request guard has read and checked the body.
    ...(hitPath ? [hitPath.plugin] : []),
  ];
}

const fronts = new WeakMap<App, { serve: HitPath["serve"] | undefined; logger: Logger }>();

/**
 * How a Node server should hand requests to the app: through the response cache's front (a
 * repeated anonymous query answered before yoga, http/hit-path.ts) when the app has one. Each
 * request yoga handles is one owner of statements (on PGlite, requests take turns: issue 8); a
 * request the front answers sends none. The owner is entered where yoga is called, so the front
 * needs no async context of its own: binding its body's `end` handler to the request's
 * (`AsyncResource.bind`) made ~5 KB of every request outlive a young-generation GC, and each
 * scavenge took ~10 ms (the warm deep walk's p99 in `npm run bench -- scale`).
 */
export function nodeHandlerOf(
  app: App,
): (request: IncomingMessage, response: ServerResponse) => void {
  const toYoga = (request: IncomingMessage, response: ServerResponse) => {
    runAsStatementOwner(() => void app(request, response));
  };
  const { serve, logger } = fronts.get(app) ?? { serve: undefined, logger: silentLogger };
  const handle: typeof toYoga =
    serve === undefined ? toYoga : (request, response) => serve(request, response, toYoga);
  return (request, response) => {
    // An absolute-form target (`GET http://host/graphql`, what a client talking to a proxy
    // sends) is served as its path: the adapter joins the target to the Host header.
    const target = request.url ?? "";
    if (!target.startsWith("/") && URL.canParse(target)) {
      const { pathname, search } = new URL(target);
      request.url = pathname + search;
    }
    // The URL the fetch API is given is built from the Host header and the request target; one
    // that is no URL (`Host: a b`, `OPTIONS *`) made the adapter answer 500 with its stack.
    if (URL.canParse(`http://${request.headers.host ?? "localhost"}${request.url ?? ""}`)) {
      handle(request, response);
      return;
    }
    const message = "The request's Host header or target is not a valid URL";
    response.writeHead(400, { "content-type": "application/json; charset=utf-8" });
    response.end(JSON.stringify({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] }));
    logger.info(
      {
        method: request.method?.slice(0, 20),
        status: 400,
        outcome: "error",
        errorCodes: ["BAD_REQUEST"],
      },
      "request",
    );
  };
}
// --- end issue 13 ---

export type App = YogaServerInstance<Record<string, never>, Context>;

const ENDPOINT = "/graphql";

function clientAddress(
  request: Request,
  serverContext: { req?: { socket?: { remoteAddress?: string } } },
  trustProxy: boolean,
): string {
  if (trustProxy) {
    // The last entry: the address our proxy saw and appended. The ones before it are whatever
    // the client sent, and taking the first let a client choose its own rate-limit budget.
    const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded.slice(0, 100);
  }
  return serverContext.req?.socket?.remoteAddress ?? "unknown";
}

/** Builds the HTTP app; `app.fetch` serves it in-process, `main.ts` puts it on a port. */
export function createApp({
  database,
  logger = silentLogger,
  settings = {},
  explorerDir,
  scaleOut,
  publicWriteStore = { kind: "database", db: database.db },
}: AppOptions): App {
  const http: HttpSettings = { ...httpSettings(loadConfig()), ...settings };
  const admitFrom = createPublicWriteGate(http.publicWrites, publicWriteStore, logger);
  const front: { maxBodyBytes: number; logger: Logger; hitPath?: HitPath } = {
    maxBodyBytes: http.maxBodyBytes,
    logger,
  };
  const scaleOutPlugged = scaleOutPlugins(scaleOut, front);
  const app = createYoga<Record<string, never>, Context>({
    schema,
    context: ({ request, ...serverContext }) =>
      createContext(
        database.db,
        request.headers.get("authorization"),
        admitFrom(clientAddress(request, serverContext as never, http.trustProxy)),
      ),
    graphqlEndpoint: ENDPOINT,
    landingPage: false,
    // The GraphiQL page is a 9 MB module (~170 ms of CPU to load): loaded when first asked for,
    // not on every start (issue 9).
    renderGraphiQL: async (options) =>
      (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(options),
    graphiql: http.graphiql
      ? {
          title: "pickgraph",
          defaultQuery: EXAMPLE.query,
          defaultTabs: [{ query: EXAMPLE.query, variables: JSON.stringify(EXAMPLE.variables) }],
        }
      : false,
    // One operation per request: a JSON array is refused (yoga's default, said here on purpose).
    batching: false,
    // Documents are cached by text. Validation depends on the request's variables (cost,
    // argument checks), so yoga never caches it; useSpecifiedRulesCache caches the part that
    // does not (graphql's own rules, per document).
    parserAndValidationCache: { validationCache: false },
    // Unexpected errors are logged by the request log, bounded and with the request id.
    logging: false,
    maskedErrors: { maskError: maskErrorsLoggingTo(logger) },
    // Reads are public and tokens travel in the Authorization header, never in cookies: no
    // origin needs credentials, and only the listed ones get them.
    cors: (request) => {
      const origin = request.headers.get("origin");
      if (origin && http.corsOrigins.includes(origin)) {
        return { origin, credentials: true, methods: ["GET", "POST"], maxAge: 600 };
      }
      return { origin: "*", credentials: false, methods: ["GET", "POST"], maxAge: 600 };
    },
    plugins: [
      requestLogPlugin(logger),
      compressionPlugin(),
      requestGuardPlugin({ endpoint: ENDPOINT, maxBodyBytes: http.maxBodyBytes }),
      operationLimitsPlugin(http.limits),
      schemaExposurePlugin(http),
      // issue 9: after the plugins that add validation rules (those still run per request).
      useSpecifiedRulesCache(),
      readinessPlugin(database),
      explorerPlugin({ dir: explorerDir, graphqlEndpoint: "/graphql" }),
      // issue 9: hot reads as one prepared statement; after the limits, which still apply.
      useCompiledReads(),
      // Issue 13, after the compiled reads: routing picks ctx.db when the read runs.
      ...scaleOutPlugged,
    ],
  });
  fronts.set(app, { serve: front.hitPath?.serve, logger });
  return app;
}
