import { sql } from "drizzle-orm";
import { execute, parse } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { importPageTexts, updateComparison } from "../../src/editing/comparisons.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { createContext } from "../../src/graphql/context.ts";
import { schema } from "../../src/graphql/schema.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";
import { type PageSketch, pageText } from "../helpers/pages.ts";

/**
 * `Topic.comparisons(orderBy: RELEVANCE | SLUG | UPDATED)`: each order on a crafted set whose
 * answer is obvious and on the seed corpus (against the order computed from the pages themselves,
 * not from topic_comparison_entries), cursor walks, both execution paths, and statement counts.
 */
const database = useTestDatabase();
let app: App;

type Order = "RELEVANCE" | "SLUG" | "UPDATED";
const ORDERS: Order[] = ["RELEVANCE", "SLUG", "UPDATED"];

const PAGE = `query Page($slug: String!, $first: Int, $after: String, $orderBy: TopicComparisonOrder) {
  topic(slug: $slug) {
    comparisons(first: $first, after: $after, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { slug } }
    }
  }
}`;

interface Page {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: { slug: string } }[];
}

async function page(slug: string, variables: Record<string, unknown>): Promise<Page> {
  const answer = await graphql<{ topic: { comparisons: Page } }>(app, PAGE, { slug, ...variables });
  expect(answer.errors).toBeUndefined();
  return answer.data?.topic.comparisons as Page;
}

/** Every comparison of the topic in one order, read `size` at a time through the cursors. */
async function walk(slug: string, orderBy: Order, size: number): Promise<string[]> {
  const slugs: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 200; guard += 1) {
    const current: Page = await page(slug, { first: size, after, orderBy });
    slugs.push(...current.edges.map((e) => e.node.slug));
    if (!current.pageInfo.hasNextPage) return slugs;
    expect(current.pageInfo.endCursor).toBe(current.edges.at(-1)?.cursor);
    after = current.pageInfo.endCursor;
  }
  throw new Error("the walk did not end");
}

/** The expected order, computed from options, tags and comparisons (not from the entries table). */
async function expected(topicSlug: string, orderBy: Order): Promise<string[]> {
  const order =
    orderBy === "RELEVANCE"
      ? "x.relevance DESC, c.slug"
      : orderBy === "UPDATED"
        ? "c.updated_at DESC, c.slug"
        : "c.slug";
  const rows = await selectRows<{ slug: string }>(
    database().db,
    sql`SELECT c.slug FROM (
          SELECT comparison_id,
            100 * count(*) FILTER (WHERE is_option) + count(*) FILTER (WHERE NOT is_option) AS relevance
          FROM (
            SELECT o.comparison_id, true AS is_option FROM options o
            JOIN topics t ON t.id = o.topic_id WHERE t.slug = ${topicSlug}
            UNION ALL
            SELECT o.comparison_id, false FROM option_tags g JOIN options o ON o.id = g.option_id
            JOIN topics t ON t.id = g.topic_id WHERE t.slug = ${topicSlug}
          ) ties GROUP BY comparison_id
        ) x JOIN comparisons c ON c.id = x.comparison_id
        ORDER BY ${sql.raw(order)}`,
  );
  return rows.map((r) => r.slug);
}

async function importPages(...sketches: PageSketch[]): Promise<void> {
  await importPageTexts(
    database().db,
    "test",
    sketches.map((s, i) => ({ text: pageText(s), source: `page-${i}.md` })),
  );
}

async function comparisonId(slug: string): Promise<{ id: number; version: number }> {
  const [row] = await selectRows<{ id: number; version: number }>(
    database().db,
    sql`SELECT id, version FROM comparisons WHERE slug = ${slug}`,
  );
  if (!row) throw new Error(`no comparison ${slug}`);
  return row;
}

beforeAll(() => {
  app = createApp({ database: database(), logErrors: false });
});

describe("a crafted set around the topic hub", () => {
  beforeAll(async () => {
    await database().truncate();
    // One import each, oldest first, so UPDATED has distinct times (one transaction is one now()).
    await importPages({ options: ["Delta", "Epsilon"], tags: { Delta: ["hub"] } });
    await importPages({ options: ["Beta", "Gamma"], tags: { Beta: ["hub"], Gamma: ["hub"] } });
    await importPages({ options: ["Hub", "Zeta"] });
    await importPages({ options: ["Hub", "Alpha"], tags: { Alpha: ["hub"] } });
  });

  it("RELEVANCE: options before tags, then by how many options tie the comparison to the topic", async () => {
    const all = await page("hub", { first: 10, orderBy: "RELEVANCE" });
    expect(all.edges.map((e) => e.node.slug)).toEqual([
      "hub-vs-alpha", // Hub is an option and Alpha tags it: 101
      "hub-vs-zeta", // Hub is an option: 100
      "beta-vs-gamma", // two options tag hub: 2
      "delta-vs-epsilon", // one option tags hub: 1
    ]);
    expect(all.totalCount).toBe(4);
  });

  it("SLUG: by slug; UPDATED: the latest written first", async () => {
    const bySlug = await page("hub", { first: 10, orderBy: "SLUG" });
    expect(bySlug.edges.map((e) => e.node.slug)).toEqual([
      "beta-vs-gamma",
      "delta-vs-epsilon",
      "hub-vs-alpha",
      "hub-vs-zeta",
    ]);
    const byDefault = await page("hub", { first: 10 });
    expect(byDefault).toEqual(bySlug);
    const updated = await page("hub", { first: 10, orderBy: "UPDATED" });
    expect(updated.edges.map((e) => e.node.slug)).toEqual([
      "hub-vs-alpha",
      "hub-vs-zeta",
      "beta-vs-gamma",
      "delta-vs-epsilon",
    ]);
  });

  it("an edit that changes only text moves its comparison to the front of UPDATED", async () => {
    const { id, version } = await comparisonId("delta-vs-epsilon");
    await updateComparison(database().db, "test", id, version, { intro: "A new introduction." });
    const updated = await page("hub", { first: 10, orderBy: "UPDATED" });
    expect(updated.edges.map((e) => e.node.slug)).toEqual([
      "delta-vs-epsilon",
      "hub-vs-alpha",
      "hub-vs-zeta",
      "beta-vs-gamma",
    ]);
    // Every entry carries its comparison's current updated_at and slug.
    const stale = await selectRows<{ n: number }>(
      database().db,
      sql`SELECT count(*)::int AS n FROM topic_comparison_entries e
          JOIN comparisons c ON c.id = e.comparison_id
          WHERE e.updated_at <> c.updated_at OR e.comparison_slug <> c.slug`,
    );
    expect(stale[0]?.n).toBe(0);
  });

  it("a tag added by an edit raises the relevance", async () => {
    const { version } = await comparisonId("delta-vs-epsilon");
    // Re-import the page with Epsilon tagging hub too: 2, tied with beta-vs-gamma, slug decides.
    await importPageTexts(
      database().db,
      "test",
      [
        {
          text: pageText({
            options: ["Delta", "Epsilon"],
            tags: { Delta: ["hub"], Epsilon: ["hub"] },
          }),
          source: "delta.md",
        },
      ],
      { guardEdits: { force: true } },
    );
    expect((await comparisonId("delta-vs-epsilon")).version).toBeGreaterThan(version);
    const relevance = await page("hub", { first: 10, orderBy: "RELEVANCE" });
    expect(relevance.edges.map((e) => e.node.slug)).toEqual([
      "hub-vs-alpha",
      "hub-vs-zeta",
      "beta-vs-gamma",
      "delta-vs-epsilon",
    ]);
  });

  it("walking one or three at a time gives every order whole, without gaps or repeats", async () => {
    for (const orderBy of ORDERS) {
      const whole = await expected("hub", orderBy);
      expect(whole).toHaveLength(4);
      expect(await walk("hub", orderBy, 1)).toEqual(whole);
      expect(await walk("hub", orderBy, 3)).toEqual(whole);
    }
  });

  it("refuses a cursor of another order as bad input, not as a wrong page", async () => {
    const bySlug = await page("hub", { first: 1, orderBy: "SLUG" });
    const answer = await graphql(app, PAGE, {
      slug: "hub",
      first: 1,
      after: bySlug.pageInfo.endCursor,
      orderBy: "RELEVANCE",
    });
    expect(answer.errors?.[0]?.message).toMatch(
      /cursor of Topic.comparisons\(orderBy: RELEVANCE\)/,
    );
    expect(answer.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const byRelevance = await page("hub", { first: 1, orderBy: "RELEVANCE" });
    for (const [after, orderBy] of [
      [byRelevance.pageInfo.endCursor, "SLUG"],
      [byRelevance.pageInfo.endCursor, "UPDATED"],
      ["not-a-cursor", "UPDATED"],
    ]) {
      const refused = await graphql(app, PAGE, { slug: "hub", first: 1, after, orderBy });
      expect(refused.errors?.[0]?.extensions?.code, `${after} ${orderBy}`).toBe("BAD_USER_INPUT");
    }
  });
});

describe("the seed corpus", () => {
  let hubs: string[];

  beforeAll(async () => {
    await database().truncate();
    await seedDatabase(database().db);
    // The three topics with the most comparisons, and one with a single comparison.
    hubs = (
      await selectRows<{ slug: string }>(
        database().db,
        sql`(SELECT t.slug FROM topics t JOIN topic_comparisons tc ON tc.topic_id = t.id
             GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT 3)
            UNION ALL
            (SELECT t.slug FROM topics t JOIN topic_comparisons tc ON tc.topic_id = t.id
             GROUP BY t.slug HAVING count(*) = 1 ORDER BY t.slug LIMIT 1)`,
      )
    ).map((r) => r.slug);
    expect(hubs).toHaveLength(4);
  });

  it("every order matches the pages, read whole and walked four at a time", async () => {
    for (const slug of hubs) {
      for (const orderBy of ORDERS) {
        const whole = await expected(slug, orderBy);
        const read = await page(slug, { first: 100, orderBy });
        expect(read.edges.map((e) => e.node.slug)).toEqual(whole);
        expect(read.totalCount).toBe(whole.length);
        expect(await walk(slug, orderBy, 4)).toEqual(whole);
      }
    }
  });

  it("both execution paths answer the same bytes, with and without orderBy", async () => {
    const documents = [
      `{ topic(slug: "${hubs[0]}") { comparisons(first: 5, orderBy: RELEVANCE) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { slug title } } } } }`,
      `{ topic(slug: "${hubs[0]}") { comparisons(first: 5, orderBy: UPDATED) { totalCount edges { cursor node { slug updatedAt } } } } }`,
      `{ topic(slug: "${hubs[0]}") { comparisons(first: 5, orderBy: SLUG) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug } } } } }`,
      `{ topic(slug: "${hubs[1]}") { comparisons(first: 5) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { slug } } } } }`,
    ];
    for (const query of documents) {
      database().resetStatements();
      const response = await app.fetch("http://app/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query }),
      });
      const viaApp = await response.text();
      const compiled = database().statements.some((s) => s.startsWith("SELECT json_build_object("));
      // The default order is compiled (one statement); the others run on the resolvers.
      expect(compiled).toBe(!/orderBy: (RELEVANCE|UPDATED)/.test(query));
      const result = await execute({
        schema,
        document: parse(query),
        contextValue: createContext(database().db, null),
      });
      expect(result.errors).toBeUndefined();
      expect(viaApp).toBe(JSON.stringify({ data: result.data }));
    }
  });

  it("a page of RELEVANCE under 20 topics costs the same statements however long the lists", async () => {
    const query = `{ topics(first: 20) { edges { node { slug comparisons(first: 5, orderBy: RELEVANCE) { totalCount edges { cursor node { slug title } } } } } } }`;
    const count = async () => {
      database().resetStatements();
      const answer = await graphql(app, query);
      expect(answer.errors).toBeUndefined();
      return database().statements.length;
    };
    const before = await count();
    // Thirty more pages, each with the first listed topics as tags, so those lists grow.
    const firstTopics = (
      await selectRows<{ slug: string }>(
        database().db,
        sql`SELECT slug FROM topics ORDER BY slug LIMIT 3`,
      )
    ).map((r) => r.slug);
    await importPages(
      ...Array.from({ length: 30 }, (_, i) => ({
        options: [`Grower ${i} One`, `Grower ${i} Two`],
        tags: { [`Grower ${i} One`]: firstTopics },
      })),
    );
    const grown = await page(firstTopics[0] as string, { first: 100, orderBy: "RELEVANCE" });
    expect(grown.totalCount).toBeGreaterThanOrEqual(30);
    expect(await count()).toBe(before);
    expect(before).toBeLessThanOrEqual(2);
  });
});
