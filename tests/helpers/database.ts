import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, inject, it } from "vitest";
import { type Database, type Db, openDatabase, selectRows } from "../../src/db/client.ts";

/**
 * The suite runs on in-process PGlite unless TEST_DATABASE_URL names a Postgres server (an admin
 * URL such as postgres://postgres@127.0.0.1:5432/postgres). There each test file creates its own
 * database and drops it afterwards, so files never share data and can run in parallel.
 * Both start migrated without migrating: Postgres clones the template database the global setup
 * made (CREATE DATABASE … TEMPLATE), PGlite opens an empty folder, which openDatabase fills with
 * a copy of the migrated template (initdb plus migrations cost ~8 s per file before).
 */
const adminUrl = process.env.TEST_DATABASE_URL;

export const testDriver: "postgres" | "pglite" = adminUrl ? "postgres" : "pglite";

/**
 * A test of transactions racing each other. PGlite runs one transaction at a time, so there such
 * a test passes with or without the locks it is about: it runs where it can fail, on Postgres
 * (CI runs both).
 */
export const race = it.runIf(testDriver === "postgres");

export interface TestDatabase extends Database {
  /** Every statement drizzle sent since the last `resetStatements()`. */
  statements: string[];
  resetStatements(): void;
  /** Empties every table, so a test starts from nothing. */
  truncate(): Promise<void>;
  /** A URL another process can use to open this database (Postgres only). */
  url: string | null;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const statements: string[] = [];
  const onQuery = (query: string) => {
    statements.push(query);
  };
  let database: Database;
  let url: string | null = null;
  let dropDatabase = async () => {};
  if (adminUrl) {
    const name = `pickgraph_test_${randomBytes(6).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    const template = inject("postgresTemplate");
    if (!template) throw new Error("tests/global-setup.ts makes the template; run through vitest");
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    database = await openDatabase({ driver: "postgres", url }, { onQuery, poolSize: 5 });
    dropDatabase = async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  } else {
    const folder = await mkdtemp(join(tmpdir(), "pickgraph-test-"));
    database = await openDatabase({ driver: "pglite", dataDir: join(folder, "db") }, { onQuery });
    dropDatabase = () => rm(folder, { recursive: true, force: true });
  }
  statements.length = 0;
  return {
    ...database,
    url,
    statements,
    resetStatements: () => {
      statements.length = 0;
    },
    truncate: async () => {
      await database.db.execute(
        sql.raw(`TRUNCATE ${ALL_TABLES.join(", ")} RESTART IDENTITY CASCADE`),
      );
    },
    close: async () => {
      await database.close();
      await dropDatabase();
    },
  };
}

/** A database for the whole test file, opened before its tests and closed (dropped) after. */
export function useTestDatabase(): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });
  return () => {
    if (!database) throw new Error("the test database is opened in beforeAll");
    return database;
  };
}

const ALL_TABLES = [
  "topics",
  "topic_aliases",
  "topic_relations",
  "comparisons",
  "options",
  "option_tags",
  "changes",
  "feedback",
  "api_tokens",
];

/**
 * Every table's row count and a digest of all its rows (every column, timestamps included).
 * Two equal snapshots mean not a byte was written in between.
 */
export async function snapshotTables(
  db: Db,
): Promise<Record<string, { rows: number; digest: string }>> {
  const rows = await selectRows<{ t: string; n: number; digest: string }>(
    db,
    sql.raw(
      ALL_TABLES.map(
        (t) => `SELECT '${t}' AS t, count(*)::int AS n,
          md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS digest FROM ${t} x`,
      ).join(" UNION ALL "),
    ),
  );
  return Object.fromEntries(rows.map((r) => [r.t, { rows: r.n, digest: r.digest }]));
}
