import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { selectRows } from "../../src/db/client.ts";
import { vacuumWrittenTables } from "../../src/db/statistics.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { testDriver, useTestDatabase } from "../helpers/database.ts";

/**
 * The embedded database's upkeep (PGlite has no autovacuum; main.ts runs this hourly): the
 * tables written since their last analysis or holding dead rows, and only those, are vacuumed
 * and analysed, one statement each.
 */
const database = useTestDatabase();

interface TableState {
  name: string;
  dead: number;
  changed: number;
}
const state = async (): Promise<Map<string, TableState>> =>
  new Map(
    (
      await selectRows<TableState>(
        database().db,
        sql`SELECT relname AS name, n_dead_tup::int AS dead, n_mod_since_analyze::int AS changed
            FROM pg_stat_user_tables WHERE schemaname = 'public'`,
      )
    ).map((row) => [row.name, row]),
  );

// On PGlite only, where main.ts runs it: Postgres has autovacuum, and its statistics views see
// other connections' writes only after they report them (up to a second or more later).
describe.runIf(testDriver === "pglite")("vacuumWrittenTables", () => {
  it("vacuums and analyses the written tables, leaves the others, and then has nothing to do", async () => {
    await seedDatabase(database().db);
    await vacuumWrittenTables(database().db);
    // An edit's old row versions and a write to another table.
    await database().db.execute(sql`UPDATE comparisons SET intro = intro || ' '`);
    await database().db.execute(
      sql`INSERT INTO rate_limits (key, points, expire) VALUES ('upkeep-test', 1, now())`,
    );
    const tables = await vacuumWrittenTables(database().db);
    expect(tables).toContain("comparisons");
    expect(tables).toContain("rate_limits");
    expect(tables).not.toContain("topic_aliases");
    for (const name of ["comparisons", "rate_limits"]) {
      expect((await state()).get(name)).toMatchObject({ dead: 0, changed: 0 });
    }
    expect(await vacuumWrittenTables(database().db)).toEqual([]);
  });

  it("takes every table when asked for all (the first upkeep after a start)", async () => {
    expect(await vacuumWrittenTables(database().db)).toEqual([]);
    const all = await vacuumWrittenTables(database().db, { all: true });
    expect(all).toContain("topic_aliases");
    expect(all).toContain("comparisons");
    expect(all.length).toBe((await state()).size);
  });

  it("stops between tables once its signal is aborted", async () => {
    await database().db.execute(sql`UPDATE topics SET summary = summary`);
    const stopped = new AbortController();
    stopped.abort();
    expect(await vacuumWrittenTables(database().db, { signal: stopped.signal })).toEqual([]);
  });
});
