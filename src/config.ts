import { z } from "zod";

/** Where the data lives, decided once from DATABASE_URL. */
export type DatabaseTarget =
  | { driver: "postgres"; url: string }
  | { driver: "pglite"; dataDir: string }
  | { driver: "pglite"; dataDir: null };

export const DEFAULT_DATABASE_URL = "pglite://./.data/pickgraph";

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (/^postgres(ql)?:\/\//.test(url)) return { driver: "postgres", url };
  if (url === "memory://" || url === "pglite://memory") return { driver: "pglite", dataDir: null };
  if (url.startsWith("pglite://")) {
    const dataDir = url.slice("pglite://".length);
    if (dataDir === "")
      throw new Error("DATABASE_URL pglite:// needs a folder, e.g. pglite://./.data/pickgraph");
    return { driver: "pglite", dataDir };
  }
  throw new Error(
    `DATABASE_URL must start with postgres://, postgresql://, pglite://<folder> or be memory:// (got "${redactUrl(url)}")`,
  );
}

/** A URL safe to print: the password, if any, replaced. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

const booleanString = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const originList = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ""),
  );

/** What one HTTP request may ask for and who may ask (src/http/, README "Limits"). */
const httpEnv = {
  NODE_ENV: z.string().default("development"),
  /** Items one operation may make the server produce (see README "Limits"). */
  MAX_QUERY_COST: z.coerce.number().int().min(1).default(10_000),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).max(100).default(16),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).max(1000).default(30),
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(30),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(10).max(1_000_000).default(4000),
  /** Characters of a query document, comments and whitespace included. */
  MAX_QUERY_LENGTH: z.coerce.number().int().min(100).max(10_000_000).default(20_000),
  /** Bytes of a request body; larger ones get 413. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1000).max(100_000_000).default(2_000_000),
  /** Comma-separated origins that get credentialed CORS; other origins only uncredentialed reads. */
  CORS_ORIGINS: originList,
  /** Default: on unless NODE_ENV=production. */
  GRAPHIQL: booleanString.optional(),
  INTROSPECTION: booleanString.optional(),
  /** submitFeedback calls one client address may make per minute. */
  FEEDBACK_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
  /** Seconds in which an identical feedback from one client address is not counted again. */
  FEEDBACK_DEDUPE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
  /** Take the client address from X-Forwarded-For (behind a proxy you run). */
  TRUST_PROXY: booleanString.default(false),
};

const envSchema = z.object({
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("127.0.0.1"),
  SEED: booleanString.default(true),
  ...httpEnv,
  /** Connections in the postgres.js pool of one server process. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Statement timeout applied to every request's SQL (milliseconds). */
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /** How long opening one Postgres connection may take before the request fails (milliseconds). */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  /** After SIGTERM/SIGINT, how long requests in flight may take to finish (milliseconds). */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  // --- issue 13 (scale-out) ---
  /** Server processes on one port (Postgres only): a number, or `auto` for one per core. */
  WORKERS: z
    .string()
    .regex(/^(auto|[1-9][0-9]?)$/, "a number from 1 to 99, or auto")
    .default("1"),
  /** Streaming replicas that serve queries, comma-separated postgres:// URLs. */
  DATABASE_READ_URLS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((url) => url.trim())
        .filter((url) => url !== ""),
    )
    .refine((urls) => urls.every((url) => /^postgres(ql)?:\/\//.test(url)), {
      message: "every read URL must start with postgres:// or postgresql://",
    }),
  /** A replica further behind the primary than this is skipped until it catches up. */
  REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).max(600_000).default(1_000),
  /** Longest life of a response-cache entry (writes retire entries at once); 0 turns it off. */
  RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** redis:// URL of a cache store shared by every process and machine; in-process when empty. */
  CACHE_URL: z
    .string()
    .regex(/^(rediss?:\/\/.+)?$/, "a redis:// URL")
    .default(""),
  /**
   * Postgres: how long a process's acknowledgement of the data generation vouches for its
   * response cache; a writer waits at most this long for every process to take its write in.
   */
  CACHE_LEASE_MS: z.coerce.number().int().min(200).max(60_000).default(2_000),
  /** `Cache-Control: max-age` (seconds) on anonymous queries over GET; 0 sends `no-store`. */
  HTTP_CACHE_MAX_AGE: z.coerce.number().int().min(0).max(86_400).default(5),
  /** Refuse documents that are not in schema/persisted-documents.json (production). */
  PERSISTED_DOCUMENTS_ONLY: booleanString.default(false),
  // --- end issue 13 ---
});

export type Config = z.infer<typeof envSchema> & { database: DatabaseTarget };

/** Parses the environment; the only place in the code that reads process.env. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment:\n  ${problems.join("\n  ")}`);
  }
  return { ...parsed.data, database: parseDatabaseUrl(parsed.data.DATABASE_URL) };
}
