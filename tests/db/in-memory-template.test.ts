import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { openDatabase, selectRows } from "../../src/db/client.ts";
import { testDriver } from "../helpers/database.ts";

/**
 * An in-memory database (memory://, the end-to-end tests' server) starts from the migrated
 * template's dump rather than initdb and the migrations; `fromTemplate: false` still gives the
 * empty database initdb leaves, for tests of an unmigrated one.
 */
const tablesNamedTopics = sql`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'topics'`;

// PGlite whatever the suite's driver: the PGlite pass runs it, the Postgres pass would repeat it.
describe.runIf(testDriver === "pglite")("in-memory PGlite", () => {
  it("opens migrated, from the template, and empty of data", async () => {
    const database = await openDatabase({ driver: "pglite", dataDir: null });
    try {
      expect(await selectRows(database.db, tablesNamedTopics)).toEqual([{ n: 1 }]);
      expect(
        await selectRows(database.db, sql`SELECT count(*)::int AS n FROM comparisons`),
      ).toEqual([{ n: 0 }]);
    } finally {
      await database.close();
    }
  });

  it("opens as initdb leaves it with fromTemplate: false", async () => {
    const database = await openDatabase(
      { driver: "pglite", dataDir: null },
      { fromTemplate: false },
    );
    try {
      expect(await selectRows(database.db, tablesNamedTopics)).toEqual([{ n: 0 }]);
    } finally {
      await database.close();
    }
  });
});
