import { sql } from "drizzle-orm";
import { parse } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { generatePages } from "../../bench/import.ts";
import { type App, createApp } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { bindRead, compileRead, DECLINE } from "../../src/graphql/compiled-reads.ts";
import { schema } from "../../src/graphql/schema.ts";
import { importPages } from "../../src/ingest/import-pages.ts";
import { parsePages } from "../../src/ingest/parse-page.ts";
import { renderPage } from "../../src/ingest/render-page.ts";
import { testDriver, useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";

/**
 * A freshly imported database (no autovacuum has run) must plan the deep walk as the cheap index
 * walk it is: the import leaves statistics behind, and JIT is off for our connections.
 */
const database = useTestDatabase();
let app: App;
const PAGES = 1500;

const DEEP_WALK = `query DeepWalk($slug: String!) {
  comparison(slug: $slug) {
    title
    verdict { pick { name } bottomLine conditions { option { name } useIf } }
    options { name isPick pros cons relatedTopics { slug } }
    topics { slug comparisons(first: 5) { totalCount nodes { title verdict { pick { name } bottomLine } } } }
  }
}`;

beforeAll(async () => {
  const inputs = generatePages(PAGES).map((page, i) => ({
    text: renderPage(page),
    source: `generated/${i}.txt`,
  }));
  await importPages(database().db, parsePages(inputs));
  app = createApp({ database: database(), logErrors: false });
});

/** The comparison whose adjacent topics have the most comparisons. */
async function hubComparison(): Promise<string> {
  const [row] = await selectRows<{ slug: string }>(
    database().db,
    sql`SELECT c.slug FROM comparisons c JOIN options o ON o.comparison_id = c.id
        JOIN option_tags ot ON ot.option_id = o.id
        JOIN topic_comparison_entries e ON e.topic_id = ot.topic_id
        GROUP BY c.slug ORDER BY count(*) DESC, c.slug LIMIT 1`,
  );
  return row?.slug as string;
}

describe("planner statistics after an import", () => {
  it("the import analysed the tables it wrote", async () => {
    const rows = await selectRows<{ relname: string; reltuples: number }>(
      database().db,
      sql`SELECT relname, reltuples::float8 AS reltuples FROM pg_class
          WHERE relname IN ('comparisons', 'options', 'option_tags', 'topic_comparison_entries')`,
    );
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.reltuples, row.relname).toBeGreaterThan(0);
    const comparisons = rows.find((r) => r.relname === "comparisons");
    expect(comparisons?.reltuples).toBeGreaterThan(PAGES * 0.9);
  });

  it("plans the hub deep walk far below JIT's threshold, without JIT", async () => {
    const slug = await hubComparison();
    const compiled = compileRead(schema, parse(DEEP_WALK), null);
    if (compiled === null) throw new Error("the deep walk compiles");
    const values = bindRead(schema, compiled, { slug });
    if (values === DECLINE) throw new Error("the deep walk binds");
    // EXPLAIN takes no parameters: the values go in as literals (a slug and a page size).
    let text = compiled.text;
    values.forEach((value, i) => {
      text = text.replace(new RegExp(`\\$${i + 1}::(text|int)`, "g"), `'${value}'::$1`);
    });
    const [plan] = await selectRows<{ "QUERY PLAN": unknown }>(
      database().db,
      sql.raw(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`),
    );
    const explained = JSON.stringify(plan?.["QUERY PLAN"]);
    const [top] = (plan?.["QUERY PLAN"] ?? []) as { Plan: { "Total Cost": number } }[];
    // jit_above_cost is 100,000 by default; a sort of every hub comparison used to cost more.
    expect(top?.Plan["Total Cost"]).toBeLessThan(10_000);
    expect(explained).not.toContain('"JIT"');
    if (testDriver === "postgres") {
      const [setting] = await selectRows<{ jit: string }>(
        database().db,
        sql`SELECT current_setting('jit') AS jit`,
      );
      expect(setting?.jit).toBe("off");
    }
    const { data, errors } = await graphql(app, DEEP_WALK, { slug });
    expect(errors).toBeUndefined();
    expect(data?.comparison.topics.length).toBeGreaterThan(0);
  });
});
