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

const envSchema = z.object({
  DATABASE_URL: z.string().default(DEFAULT_DATABASE_URL),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default("127.0.0.1"),
  SEED: booleanString.default(true),
  /** Connections in the postgres.js pool of one server process. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** Statement timeout applied to every request's SQL (milliseconds). */
  STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
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
