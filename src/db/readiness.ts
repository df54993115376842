import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { type Database, selectRows } from "./client.ts";
import { describeDatabaseFailure } from "./database-errors.ts";
import { MIGRATIONS_FOLDER } from "./migrate.ts";

export interface Readiness {
  ready: boolean;
  /** `reachable`, or `unreachable` with the reason in `error`. */
  database: "reachable" | "unreachable";
  /** `applied`, `pending` (some of ours not yet applied) or `unknown` (database unreachable). */
  migrations: "applied" | "pending" | "unknown";
  pendingMigrations?: number;
  error?: string;
}

let localHashes: Set<string> | null = null;

/**
 * Whether this process can serve: the database answers and every migration in
 * schema/migrations has been applied. One statement, bounded by `timeoutMs` so that a probe
 * never hangs on a database that does not answer.
 */
export async function checkReadiness(database: Database, timeoutMs = 2_000): Promise<Readiness> {
  localHashes ??= new Set(
    readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => m.hash),
  );
  const expected = localHashes;
  let timer: NodeJS.Timeout | undefined;
  try {
    const query = selectRows<{ hash: string }>(
      database.db,
      sql`SELECT hash FROM drizzle.__drizzle_migrations
          WHERE to_regclass('drizzle.__drizzle_migrations') IS NOT NULL`,
    ).catch((error: unknown) => {
      // No migrations table yet: reachable, nothing applied.
      if ((error as { cause?: { code?: string } }).cause?.code === "42P01") return [];
      throw error;
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const rows = await Promise.race([query, timeout]);
    const applied = new Set(rows.map((r) => r.hash));
    const pending = [...expected].filter((hash) => !applied.has(hash)).length;
    return pending === 0
      ? { ready: true, database: "reachable", migrations: "applied" }
      : { ready: false, database: "reachable", migrations: "pending", pendingMigrations: pending };
  } catch (error) {
    return {
      ready: false,
      database: "unreachable",
      migrations: "unknown",
      error: describeDatabaseFailure(error),
    };
  } finally {
    clearTimeout(timer);
  }
}
