import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { changedFunctions, functionSources } from "../../scripts/function-migration.mjs";
import { selectRows } from "../../src/db/client.ts";
import { useTestDatabase } from "../helpers/database.ts";

/**
 * The SQL functions' source is schema/functions/; the migrations are generated from it
 * (scripts/function-migration.mjs). Here: the migrations hold the sources as written, and the
 * database they migrated runs exactly those definitions (pg_get_functiondef, on PGlite and on
 * Postgres, against each source created in a scratch schema that is rolled back).
 */
const database = useTestDatabase();
const SCRATCH = "pickgraph_function_source";

class Rollback extends Error {}

async function definitionIn(schema: string, name: string): Promise<string[]> {
  const rows = await selectRows<{ definition: string }>(
    database().db,
    sql`SELECT pg_get_functiondef(p.oid) AS definition
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ${schema} AND p.proname = ${name}`,
  );
  return rows.map((row) => row.definition.replaceAll(`${schema}.`, "<schema>."));
}

describe("SQL functions", () => {
  const sources = functionSources();

  it("has a source for each traversal function, for search and for the count triggers", () => {
    expect(sources.map((source) => source.name)).toEqual([
      "pickgraph_comparison_search_words",
      "pickgraph_count_topic_comparisons",
      "pickgraph_neighborhood",
      "pickgraph_related_comparisons",
      "pickgraph_search",
      "pickgraph_shortest_path",
      "pickgraph_subgraph_edges",
    ]);
  });

  it("highlight and store the words of the same comparison fields", () => {
    // pickgraph_search highlights a comparison's fields (its `fields` CTE) with the distinct
    // words pickgraph_comparison_search_words stored for them: a field in one list and not the
    // other would lose its words' highlights without an error.
    const textOf = (name: string) => sources.find((source) => source.name === name)?.text ?? "";
    const search = textOf("pickgraph_search");
    const highlighted = search.slice(
      search.indexOf("fields AS MATERIALIZED"),
      search.indexOf("lexicon AS MATERIALIZED"),
    );
    const words = textOf("pickgraph_comparison_search_words");
    const stored = words.slice(words.indexOf("AS $$"));
    // The comparison's (c.) and its options' (o.) columns read, less the keys that join them.
    const columns = (body: string) =>
      [...new Set([...body.matchAll(/\b([co])\.(\w+)/g)].map((m) => `${m[1]}.${m[2]}`))]
        .filter((column) => !/\.(id|comparison_id|position)$/.test(column))
        .sort();
    expect(highlighted.length).toBeGreaterThan(0);
    expect(columns(highlighted)).toEqual(columns(stored));
    expect(columns(stored)).toEqual([
      "c.bottom_line",
      "c.intro",
      "c.pick_summary",
      "c.title",
      "o.cons",
      "o.pros",
      "o.summary",
      "o.use_if",
    ]);
  });

  it("are deployed by the migrations as their sources say", () => {
    expect(changedFunctions().map((changed) => changed.name)).toEqual([]);
  });

  it.each(sources.map((source) => [source.name, source] as const))(
    "%s runs in the database as its source defines it",
    async (name, source) => {
      const deployed = await definitionIn("public", name);
      expect(deployed).toHaveLength(1);
      let fromSource: string[] = [];
      await database()
        .db.transaction(async (tx) => {
          await tx.execute(sql.raw(`CREATE SCHEMA ${SCRATCH}`));
          // Unqualified names are created in the first schema; the tables stay visible.
          await tx.execute(sql.raw(`SET LOCAL search_path = ${SCRATCH}, public`));
          await tx.execute(sql.raw(source.text));
          const rows = await selectRows<{ definition: string }>(
            tx as never,
            sql`SELECT pg_get_functiondef(p.oid) AS definition
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = ${SCRATCH} AND p.proname = ${name}`,
          );
          fromSource = rows.map((row) => row.definition.replaceAll(`${SCRATCH}.`, "<schema>."));
          throw new Rollback();
        })
        .catch((error) => {
          if (!(error instanceof Rollback)) throw error;
        });
      expect(fromSource).toHaveLength(1);
      expect(deployed).toEqual(fromSource);
    },
  );
});
