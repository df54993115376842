import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { type SeedResult, seedDatabase } from "../../src/editing/seed.ts";
import { parsePages } from "../../src/ingest/parse-page.ts";
import { parseTopicDescriptions } from "../../src/ingest/parse-topics.ts";
import { readPageFiles, readTopicFiles } from "../../src/ingest/read-pages.ts";
import { SEEDS_FOLDER } from "../../src/ingest/seed.ts";
import { snapshotTables, useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";

/**
 * The seed corpus as a whole (seeds/): what every newcomer's `npm start` serves. Content checks
 * that a careless edit to seeds/ would break, run in CI with the rest of the suite.
 */

const REFERENCE = "individual-contributor-model-vs-management-track";

/**
 * A tag naming another option of its own page says the page's options are related, which the
 * page already says by comparing them: it adds an edge that is noise, so it is refused unless
 * listed here with the reason it is meant.
 */
const INTENDED_SIBLING_TAGS: { page: string; option: string; tag: string; reason: string }[] = [];

const database = useTestDatabase();
let app: App;
let seeded: SeedResult;
let pageFiles: number;

beforeAll(async () => {
  pageFiles = (await readPageFiles([SEEDS_FOLDER])).length;
  seeded = await seedDatabase(database().db);
  app = createApp({ database: database(), logErrors: false });
}, 120_000);

describe("seed corpus", () => {
  it("imports every page and every topic description file", async () => {
    const descriptionFiles = await readTopicFiles([SEEDS_FOLDER]);
    expect(descriptionFiles.length).toBeGreaterThan(0);
    const descriptions = parseTopicDescriptions(descriptionFiles);
    expect(seeded.created).toHaveLength(pageFiles);
    expect(seeded.descriptions.created.length + seeded.descriptions.updated.length).toBe(
      descriptions.length,
    );
    expect(parsePages(await readPageFiles([SEEDS_FOLDER]))).toHaveLength(pageFiles);
  });

  it("has at least 90 pages", () => {
    expect(pageFiles).toBeGreaterThanOrEqual(90);
  });

  it("is seeded again without a single write, history included", async () => {
    const before = await snapshotTables(database().db);
    const again = await seedDatabase(database().db);
    expect(again.unchanged).toHaveLength(pageFiles);
    expect(again.descriptions).toMatchObject({ created: [], updated: [], aliasesAdded: [] });
    expect(await snapshotTables(database().db)).toEqual(before);
    // The first seed is logged like every write (actor "seed"); the second logs nothing.
    expect(before.changes?.rows).toBeGreaterThan(0);
  });

  it("forms one connected graph", async () => {
    const edges = await selectRows<{ a: number; b: number }>(
      database().db,
      sql`SELECT from_topic_id AS a, to_topic_id AS b FROM topic_relations`,
    );
    const topics = await selectRows<{ id: number }>(database().db, sql`SELECT id FROM topics`);
    const neighbours = new Map<number, number[]>();
    for (const { a, b } of edges) {
      neighbours.set(a, [...(neighbours.get(a) ?? []), b]);
      neighbours.set(b, [...(neighbours.get(b) ?? []), a]);
    }
    const start = topics[0]?.id as number;
    const seen = new Set([start]);
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      for (const next of neighbours.get(queue[i] as number) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    expect(seen.size, "topics reachable from any one topic").toBe(topics.length);
  });

  it("names every topic with three or more tags by a description or a page, never its slug", async () => {
    const slugNamed = await selectRows<{ slug: string; name: string; tags: number }>(
      database().db,
      sql`
        SELECT t.slug, t.name, count(*)::int AS tags
        FROM topics t JOIN option_tags g ON g.topic_id = t.id
        WHERE t.summary IS NULL AND NOT EXISTS (SELECT 1 FROM options o WHERE o.topic_id = t.id)
        GROUP BY t.id HAVING count(*) >= 3
        ORDER BY t.slug
      `,
    );
    expect(slugNamed).toEqual([]);
  });

  it("never tags an option with a sibling option of its own page, unless listed as intended", async () => {
    const siblingTags = await selectRows<{ page: string; option: string; tag: string }>(
      database().db,
      sql`
        SELECT c.slug AS page, ot.slug AS option, tt.slug AS tag
        FROM option_tags g
        JOIN options o ON o.id = g.option_id
        JOIN options s ON s.comparison_id = o.comparison_id AND s.topic_id = g.topic_id
        JOIN comparisons c ON c.id = o.comparison_id
        JOIN topics ot ON ot.id = o.topic_id
        JOIN topics tt ON tt.id = g.topic_id
        ORDER BY 1, 2, 3
      `,
    );
    expect(siblingTags).toEqual(
      INTENDED_SIBLING_TAGS.map(({ page, option, tag }) => ({ page, option, tag })),
    );
  });

  it("keeps the reference page's options, pick and four tags", async () => {
    const { data, errors } = await graphql(
      app,
      `{ comparison(slug: "${REFERENCE}") { title category verdict { pick { name } }
          options { name relatedTopics { slug } } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data?.comparison).toEqual({
      title: "Individual Contributor Model vs Management Track",
      category: "Dynamic",
      verdict: { pick: { name: "Individual Contributor Model" } },
      options: [
        {
          name: "Individual Contributor Model",
          relatedTopics: [{ slug: "career-development" }, { slug: "technical-leadership" }],
        },
        {
          name: "Management Track",
          relatedTopics: [{ slug: "project-management" }, { slug: "agile-methodologies" }],
        },
      ],
    });
  });

  it("puts Staff Engineer vs Engineering Manager and Technical Leadership vs People Management within one hop of the reference", async () => {
    const { data } = await graphql(
      app,
      `{ comparison(slug: "${REFERENCE}") { relatedComparisons(depth: 1, first: 100) {
          edges { node { slug } } } } }`,
    );
    const near = data?.comparison.relatedComparisons.edges.map((e: any) => e.node.slug);
    expect(near).toContain("staff-engineer-vs-engineering-manager");
    expect(near).toContain("technical-leadership-vs-people-management");
  });

  it("has no contradicting picks", async () => {
    const { data, errors } = await graphql(
      app,
      `{ pickConflicts(maxCycleLength: 5, first: 100) { truncated
          contradictions { first { slug } second { slug } } cycles { steps { winner { slug } } } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data?.pickConflicts).toEqual({ truncated: false, contradictions: [], cycles: [] });
  });
});
