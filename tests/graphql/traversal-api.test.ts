import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import type { App } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { embeddedBatch } from "../../src/graph/traversal.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { createAppWithoutCostLimit, graphql } from "../helpers/graphql.ts";

const database = useTestDatabase();
let app: App;
/** Undirected adjacency of the seed graph by slug, built by hand from the edge table. */
const adjacency = new Map<string, Set<string>>();

beforeAll(async () => {
  await seedDatabase(database().db);
  app = createAppWithoutCostLimit(database());
  const edges = await selectRows<{ a: string; b: string }>(
    database().db,
    sql`SELECT f.slug AS a, t.slug AS b FROM topic_relations r
        JOIN topics f ON f.id = r.from_topic_id JOIN topics t ON t.id = r.to_topic_id`,
  );
  for (const { a, b } of edges) {
    if (!adjacency.has(a)) adjacency.set(a, new Set());
    if (!adjacency.has(b)) adjacency.set(b, new Set());
    adjacency.get(a)?.add(b);
    adjacency.get(b)?.add(a);
  }
});

function bfs(start: string, maxDepth: number): Map<string, number> {
  const distance = new Map([[start, 0]]);
  let frontier = [start];
  for (let depth = 1; depth <= maxDepth; depth++) {
    const next: string[] = [];
    for (const node of frontier) {
      for (const neighbour of adjacency.get(node) ?? []) {
        if (!distance.has(neighbour)) {
          distance.set(neighbour, depth);
          next.push(neighbour);
        }
      }
    }
    frontier = next;
  }
  return distance;
}

/**
 * Statements beyond the first that a batch of `n` starts takes: none on Postgres (one statement
 * per batch, whatever its size); on PGlite the batch goes in slices of `embeddedBatch`, one after
 * another, so other requests get PGlite's thread in between (issue 8).
 */
function extraSlices(
  n: number,
  search: Parameters<typeof embeddedBatch>[0],
  options: Parameters<typeof embeddedBatch>[1],
): number {
  return database().driver === "pglite" ? Math.ceil(n / embeddedBatch(search, options)) - 1 : 0;
}

describe("Topic.neighborhood", () => {
  it("matches a breadth-first search done by hand", async () => {
    for (const start of ["individual-contributor-model", "scrum", "career-development"]) {
      const { data, errors } = await graphql(
        app,
        `query ($slug: String!) { topic(slug: $slug) {
            neighborhood(depth: 2, limit: 1000) { truncated nodes { depth topic { slug } } edges { from { slug } to { slug } } } } }`,
        { slug: start },
      );
      expect(errors).toBeUndefined();
      const got = new Map<string, number>(
        data?.topic.neighborhood.nodes.map((n: any) => [n.topic.slug, n.depth]),
      );
      expect(got).toEqual(bfs(start, 2));
      expect(data?.topic.neighborhood.truncated).toBe(false);
      for (const edge of data?.topic.neighborhood.edges ?? []) {
        expect(got.has(edge.from.slug) && got.has(edge.to.slug)).toBe(true);
      }
    }
  });

  it("caps the nodes at limit and says so", async () => {
    const { data } = await graphql(
      app,
      `{ topic(slug: "career-development") { neighborhood(depth: 3, limit: 4) { truncated nodes { depth } } } }`,
    );
    expect(data?.topic.neighborhood.nodes).toHaveLength(4);
    expect(data?.topic.neighborhood.nodes[0].depth).toBe(0);
    expect(data?.topic.neighborhood.truncated).toBe(true);
  });

  it("costs a fixed number of statements for a whole list of topics", async () => {
    const query = `query ($first: Int!) { topics(first: $first) { nodes {
        neighborhood(depth: 2, limit: 20) { nodes { topic { slug } } edges { kind from { slug } } }
        record { comparisons wins } } } }`;
    const counts: number[] = [];
    const lists = [1, 10, 50];
    for (const first of lists) {
      database().resetStatements();
      const { errors } = await graphql(app, query, { first });
      expect(errors).toBeUndefined();
      counts.push(database().statements.length);
    }
    expect(counts).toEqual(
      lists.map((n) => (counts[0] ?? 0) + extraSlices(n, "neighborhood", { limit: 20 })),
    );
    expect(counts[0]).toBeLessThanOrEqual(3);
  });

  it.each([
    ["depth", "depth: 7"],
    ["depth", "depth: -1"],
    ["limit", "limit: 0"],
    ["limit", "limit: 100000"],
    ["kinds", "kinds: []"],
  ])("refuses an out-of-range %s with BAD_USER_INPUT", async (argument, args) => {
    const { errors } = await graphql(
      app,
      `{ topic(slug: "scrum") { neighborhood(${args}) { truncated } } }`,
    );
    expect(errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(errors?.[0]?.message).toContain(argument);
  });
});

describe("Query.path", () => {
  it("finds a shortest path whose length matches the hand BFS", async () => {
    const { data, errors } = await graphql(
      app,
      `{ path(from: "individual-contributor-model", to: "rust") { length topics { slug } edges { from { slug } to { slug } } } }`,
    );
    expect(errors).toBeUndefined();
    const path = data?.path;
    expect(path.length).toBe(bfs("individual-contributor-model", 10).get("rust"));
    expect(path.topics[0].slug).toBe("individual-contributor-model");
    expect(path.topics.at(-1).slug).toBe("rust");
    expect(path.edges).toHaveLength(path.length);
    path.edges.forEach((edge: any, i: number) => {
      const pair = new Set([edge.from.slug, edge.to.slug]);
      expect(pair).toEqual(new Set([path.topics[i].slug, path.topics[i + 1].slug]));
    });
  });

  it("answers null when no path is short enough, and length 0 to itself", async () => {
    const { data } = await graphql(
      app,
      `{ far: path(from: "individual-contributor-model", to: "rust", maxDepth: 1) { length }
         self: path(from: "scrum", to: "scrum") { length topics { slug } } }`,
    );
    expect(data?.far).toBeNull();
    expect(data?.self).toEqual({ length: 0, topics: [{ slug: "scrum" }] });
  });

  it("refuses an unknown slug and an out-of-range maxDepth with BAD_USER_INPUT", async () => {
    const unknown = await graphql(app, `{ path(from: "scrum", to: "no-such-topic") { length } }`);
    expect(unknown.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "to",
    });
    const deep = await graphql(
      app,
      `{ path(from: "scrum", to: "kanban", maxDepth: 99) { length } }`,
    );
    expect(deep.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("Comparison.relatedComparisons", () => {
  it("lists nearby comparisons by score then slug, never itself, and pages through them", async () => {
    const slug = "scrum-vs-kanban";
    const { data } = await graphql(
      app,
      `query ($slug: String!) { comparison(slug: $slug) { relatedComparisons(first: 100) {
          totalCount edges { score node { slug } } } } }`,
      { slug },
    );
    const all = data?.comparison.relatedComparisons.edges.map((e: any) => [e.score, e.node.slug]);
    expect(all.length).toBe(data?.comparison.relatedComparisons.totalCount);
    expect(all.length).toBeGreaterThan(4);
    expect(all.map((e: any) => e[1])).not.toContain(slug);
    const sorted = [...all].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : 1));
    expect(all).toEqual(sorted);
    for (const [score] of all) expect(score).toBeGreaterThan(0);

    const paged: [number, string][] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await graphql(
        app,
        `query ($slug: String!, $after: String) { comparison(slug: $slug) {
            relatedComparisons(first: 4, after: $after) { edges { score node { slug } } pageInfo { hasNextPage endCursor } } } }`,
        { slug, after },
      );
      const connection = page.data.comparison.relatedComparisons;
      paged.push(...connection.edges.map((e: any) => [e.score, e.node.slug]));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(paged).toEqual(all);
  });

  it("gives the same pages with totalCount, which cuts them from one full search", async () => {
    const slug = "scrum-vs-kanban";
    const page = (withCount: boolean, after: string | null) =>
      graphql(
        app,
        `query ($after: String) { comparison(slug: "${slug}") {
            relatedComparisons(first: 3, after: $after) { ${withCount ? "totalCount" : ""}
              edges { cursor score node { slug } } pageInfo { hasPreviousPage hasNextPage endCursor } } } }`,
        { after },
      );
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const plain: any = await page(false, after);
      const counted: any = await page(true, after);
      const { totalCount, ...rest } = counted.data.comparison.relatedComparisons;
      expect(rest).toEqual(plain.data.comparison.relatedComparisons);
      expect(totalCount).toBeGreaterThan(3);
      after = rest.pageInfo.endCursor;
    }
  });

  it("pages backwards with last and before over the same order", async () => {
    const slug = "scrum-vs-kanban";
    const all: any = await graphql(
      app,
      `{ comparison(slug: "${slug}") { relatedComparisons(first: 100) { edges { cursor node { slug } } } } }`,
    );
    const edges = all.data.comparison.relatedComparisons.edges;
    const tail: any = await graphql(
      app,
      `{ comparison(slug: "${slug}") { relatedComparisons(last: 3) {
          totalCount edges { node { slug } } pageInfo { hasPreviousPage hasNextPage } } } }`,
    );
    const page = tail.data.comparison.relatedComparisons;
    expect(page.edges.map((e: any) => e.node.slug)).toEqual(
      edges.slice(-3).map((e: any) => e.node.slug),
    );
    expect(page.pageInfo).toEqual({ hasPreviousPage: edges.length > 3, hasNextPage: false });
    expect(page.totalCount).toBe(edges.length);
    const before: any = await graphql(
      app,
      `query ($before: String!) { comparison(slug: "${slug}") {
          relatedComparisons(last: 2, before: $before) { edges { node { slug } } } } }`,
      { before: edges[4].cursor },
    );
    expect(before.data.comparison.relatedComparisons.edges.map((e: any) => e.node.slug)).toEqual(
      edges.slice(2, 4).map((e: any) => e.node.slug),
    );
  });

  it("agrees with distances between option topics computed by hand", async () => {
    const options = await selectRows<{ comparison: string; topic: string }>(
      database().db,
      sql`SELECT c.slug AS comparison, t.slug AS topic FROM options o
          JOIN comparisons c ON c.id = o.comparison_id JOIN topics t ON t.id = o.topic_id`,
    );
    const topicsOf = new Map<string, string[]>();
    for (const o of options)
      topicsOf.set(o.comparison, [...(topicsOf.get(o.comparison) ?? []), o.topic]);
    const slug = "individual-contributor-model-vs-management-track";
    const reach = new Map<string, number>();
    for (const topic of topicsOf.get(slug) ?? []) {
      for (const [node, d] of bfs(topic, 2)) reach.set(node, Math.min(d, reach.get(node) ?? d));
    }
    const expected = [...topicsOf]
      .filter(([other]) => other !== slug)
      .flatMap(([other, topics]) => {
        const ds = topics.flatMap((t) => (reach.has(t) ? [reach.get(t) as number] : []));
        return ds.length ? [[Math.min(...ds), other] as [number, string]] : [];
      })
      .sort((a, b) => (a[1] < b[1] ? -1 : 1));
    const { data } = await graphql(
      app,
      `{ comparison(slug: "${slug}") { relatedComparisons(first: 100) { edges { distance node { slug } } } } }`,
    );
    expect(
      data?.comparison.relatedComparisons.edges
        .map((e: any) => [e.distance, e.node.slug])
        .sort((a: any, b: any) => (a[1] < b[1] ? -1 : 1)),
    ).toEqual(expected);
  });

  it("ranks career comparisons first around the reference page", async () => {
    const { data, errors } = await graphql(
      app,
      `{ comparison(slug: "individual-contributor-model-vs-management-track") {
          relatedComparisons(first: 5) { edges { score node { slug category } } } } }`,
    );
    expect(errors).toBeUndefined();
    const top = data?.comparison.relatedComparisons.edges.map((e: any) => e.node);
    expect(top).toHaveLength(5);
    // The career pages of the corpus are filed under Career or, like the reference, Dynamic.
    for (const node of top) expect(["Career", "Dynamic"], node.slug).toContain(node.category);
    const slugs = top.map((node: any) => node.slug);
    expect(slugs).toContain("staff-engineer-vs-engineering-manager");
    expect(slugs).toContain("technical-leadership-vs-people-management");
  });

  it("costs a fixed number of statements across a list of comparisons", async () => {
    const query = `query ($first: Int!) { comparisons(first: $first) { nodes {
        relatedComparisons(first: 3) { totalCount edges { distance node { slug } } } } } }`;
    const counts: number[] = [];
    const lists = [1, 20, 50];
    for (const first of lists) {
      database().resetStatements();
      const { errors } = await graphql(app, query, { first });
      expect(errors).toBeUndefined();
      counts.push(database().statements.length);
    }
    expect(counts).toEqual(
      lists.map((n) => (counts[0] ?? 0) + extraSlices(n, "relatedComparisons", {})),
    );
  });

  it("refuses a bad cursor and an out-of-range depth", async () => {
    const cursor = await graphql(
      app,
      `{ comparison(slug: "scrum-vs-kanban") { relatedComparisons(after: "nonsense") { totalCount } } }`,
    );
    expect(cursor.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const depth = await graphql(
      app,
      `{ comparison(slug: "scrum-vs-kanban") { relatedComparisons(depth: 9) { totalCount } } }`,
    );
    expect(depth.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("answers a failed counted page with an error, and nothing rejects unobserved", async () => {
    const SIGNATURE = "(integer[], integer, integer, double precision, text)";
    const unobserved: unknown[] = [];
    const keep = (reason: unknown) => unobserved.push(reason);
    process.on("unhandledRejection", keep);
    // The search's statement fails (its function is away): the page fails, totalCount never runs.
    await database().db.execute(
      sql.raw(`ALTER FUNCTION pickgraph_related_comparisons${SIGNATURE} RENAME TO pickgraph_away`),
    );
    try {
      const { data, errors } = await graphql(
        app,
        `{ comparison(slug: "scrum-vs-kanban") { title relatedComparisons(first: 3) { totalCount edges { score } } } }`,
      );
      expect(errors?.length).toBeGreaterThan(0);
      expect(data?.comparison).toBeNull();
      await new Promise((done) => setTimeout(done, 50));
      expect(unobserved).toEqual([]);
    } finally {
      process.off("unhandledRejection", keep);
      await database().db.execute(
        sql.raw(
          `ALTER FUNCTION pickgraph_away${SIGNATURE} RENAME TO pickgraph_related_comparisons`,
        ),
      );
    }
  });
});

describe("Topic.record", () => {
  it("counts comparisons and wins", async () => {
    const { data } = await graphql(
      app,
      `{ ic: topic(slug: "individual-contributor-model") { record { comparisons wins } }
         mt: topic(slug: "management-track") { record { comparisons wins } }
         tag: topic(slug: "technical-leadership") { record { comparisons } } }`,
    );
    expect(data?.ic.record).toEqual({ comparisons: 1, wins: 1 });
    expect(data?.mt.record).toEqual({ comparisons: 1, wins: 0 });
    expect(data?.tag.record.comparisons).toBeGreaterThanOrEqual(1);
  });
});
