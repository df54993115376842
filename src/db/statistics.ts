import { sql } from "drizzle-orm";
import { type Db, selectRows } from "./client.ts";

/** The tables a page import writes; the reads plan over them. */
const PAGE_TABLES = [
  "topics",
  "comparisons",
  "options",
  "option_tags",
  "topic_relations",
  "topic_comparison_entries",
  "topic_comparison_counts",
  "comparison_search",
] as const;

/** Below this share of the comparisons written, autovacuum's own ANALYZE keeps up. */
const STALE_SHARE = 0.1;

/**
 * Brings planner statistics up to date after a page import, and the search indexes' pending
 * entries into the indexes (see cleanPendingSearchEntries). Without them (a fresh database,
 * autovacuum off or not yet run) Postgres misjudges every read and JIT-compiles it for a second;
 * with them the reads are planned as index lookups. Runs when a table has never been analysed or
 * when the import wrote at least a tenth of the comparisons; a page edit in a large graph does not
 * move the statistics, and it leaves them to autovacuum rather than analysing on every edit.
 */
export async function refreshPlannerStatistics(db: Db, writtenPages: number): Promise<void> {
  if (writtenPages === 0) return;
  const [state] = await selectRows<{ never: boolean; comparisons: number }>(
    db,
    // reltuples is -1 until a table is first analysed or vacuumed (Postgres 14 and later).
    sql`SELECT bool_or(c.reltuples < 0) AS never, (SELECT count(*)::int FROM comparisons) AS comparisons
        FROM pg_class c
        WHERE c.oid = ANY(${sql.raw(`ARRAY[${PAGE_TABLES.map((t) => `'${t}'::regclass`).join(", ")}]`)})`,
  );
  if (!state?.never && writtenPages < STALE_SHARE * (state?.comparisons ?? 0)) return;
  await db.execute(sql.raw(`ANALYZE ${PAGE_TABLES.join(", ")}`));
  await cleanPendingSearchEntries(db);
}

/**
 * Moves the entries a write parked in the GIN indexes' pending lists (fastupdate) into the
 * indexes proper. Until then every search scans those lists entry by entry: after 10,000 imported
 * pages they held every comparison title and a third of the documents, which made each full-text
 * lookup 10 to 50 times slower. Autovacuum cleans them too, but only when it gets round to it;
 * a plain ANALYZE does not.
 */
async function cleanPendingSearchEntries(db: Db): Promise<void> {
  await db.execute(sql`
    SELECT gin_clean_pending_list(i.indexrelid)
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_am am ON am.oid = c.relam
    WHERE am.amname = 'gin'
      AND i.indrelid = ANY(${sql.raw(`ARRAY[${PAGE_TABLES.map((t) => `'${t}'::regclass`).join(", ")}]`)})
  `);
}

/**
 * Vacuums and analyses every table of ours written since its last analysis or holding dead rows
 * (`all`: every table), one statement per table, and returns their names. For PGlite, which has
 * no autovacuum: without it an edit's old row versions, expired rate-limit counters and a
 * migration's backfill stay in the tables, and the planner's statistics age. PGlite keeps those
 * counts only while it is open, so the first upkeep after a start takes every table. Stops
 * between tables once `signal` is aborted.
 */
export async function vacuumWrittenTables(
  db: Db,
  { all = false, signal }: { all?: boolean; signal?: AbortSignal } = {},
): Promise<string[]> {
  // A backend reports its counts at most once a second; this statement's end reports them now
  // (PGlite's one backend did the writes; on Postgres other backends' may lag a second).
  await db.execute(sql`SELECT pg_stat_force_next_flush()`);
  const tables = await selectRows<{ name: string }>(
    db,
    sql`SELECT relname AS name FROM pg_stat_user_tables
        WHERE schemaname = 'public' AND (${all} OR n_dead_tup > 0 OR n_mod_since_analyze > 0)
        ORDER BY relname`,
  );
  const done: string[] = [];
  for (const { name } of tables) {
    if (signal?.aborted) break;
    await db.execute(sql`VACUUM (ANALYZE) ${sql.identifier(name)}`);
    done.push(name);
  }
  return done;
}
