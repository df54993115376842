import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { migrate } from "drizzle-orm/pg-core/async/session";
import type { Db } from "./client.ts";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../schema/migrations", import.meta.url));

// Any constant works; it only has to be the same in every pickgraph process.
const MIGRATION_LOCK_KEY = 7_201_442_019;

/**
 * Applies the pending migrations of schema/migrations. On Postgres, servers starting together
 * take turns through an advisory lock held in one transaction, so each migration runs once.
 */
export async function migrateDatabase(db: Db): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    const failure = await migrate(migrations, tx, { migrationsFolder: MIGRATIONS_FOLDER });
    if (failure) throw new Error(`Migration failed: ${JSON.stringify(failure)}`);
  });
}
