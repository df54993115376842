import { beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";

// The seed corpus, read-only: ranking cases assert the hit a person expects first, never whole
// lists, so they hold as the corpus grows.
const database = useTestDatabase();
let app: App;

beforeAll(async () => {
  await seedDatabase(database().db);
  app = createApp({ database: database(), logErrors: false });
});

const SEARCH = `
  query ($query: String!, $first: Int, $after: String, $last: Int, $before: String, $types: [SearchType!]) {
    search(query: $query, first: $first, after: $after, last: $last, before: $before, types: $types) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        score
        highlights { field fragments { text match } }
        node {
          __typename
          ... on Topic { slug name summary createdAt }
          ... on Comparison { slug title intro }
        }
      }
      nodes { __typename ... on Topic { slug } ... on Comparison { slug } }
    }
  }
`;

async function search(variables: Record<string, unknown>): Promise<any> {
  const response = await graphql(app, SEARCH, variables);
  expect(response.errors).toBeUndefined();
  return response.data?.search;
}

async function searchError(variables: Record<string, unknown>) {
  const response = await graphql(app, SEARCH, variables);
  expect(response.data?.search ?? null).toBeNull();
  return response.errors?.[0];
}

const slugs = (result: any): string[] => result.edges.map((e: any) => e.node.slug);
const marked = (highlight: any): string[] =>
  highlight.fragments.filter((f: any) => f.match).map((f: any) => f.text);
const joined = (highlight: any): string => highlight.fragments.map((f: any) => f.text).join("");

describe("ranking on the seed corpus: what a person expects comes first", () => {
  it.each([
    ["microservcies", "Topic", "microservices"],
    ["manag", "Topic", "management-track"],
    ["c#", "Topic", "c-sharp"],
    ["C#", "Topic", "c-sharp"],
    ["c++", "Topic", "c-plus-plus"],
    ["node.js", "Topic", "node-js"],
    [".net", "Topic", "dot-net"],
    ["ic vs manager", "Comparison", "individual-contributor-model-vs-management-track"],
    ["kubernets", "Topic", "kubernetes"],
    ["k8s", "Topic", "kubernetes"],
    ["kafka vs rabbitmq", "Comparison", "kafka-vs-rabbitmq"],
    ["technical-leadership", "Topic", "technical-leadership"],
    ["Postgres", "Topic", "postgresql"],
  ])("%s finds %s %s first", async (query, type, slug) => {
    const result = await search({ query, first: 5 });
    expect(result.edges[0]?.node.__typename, JSON.stringify(slugs(result))).toBe(type);
    expect(result.edges[0]?.node.slug).toBe(slug);
  });

  it("a name match outranks a match only in pros, cons or verdicts", async () => {
    // "Kafka" is the name of a topic and a comparison title, and a pro of C# vs Java mentions it.
    const result = await search({ query: "kafka", first: 20 });
    const order = slugs(result);
    expect(order.slice(0, 2)).toEqual(["kafka", "kafka-vs-rabbitmq"]);
    const pros = result.edges.find((e: any) => e.node.slug === "c-sharp-vs-java");
    if (pros) expect(pros.score).toBeLessThan(result.edges[1].score);
  });

  it("scores are ordered, highest first", async () => {
    const result = await search({ query: "engineering", first: 30 });
    const scores = result.edges.map((e: any) => e.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(result.totalCount).toBeGreaterThan(10);
  });
});

describe("highlights", () => {
  it("marks the typed prefix in the name, the whole name comes back", async () => {
    const result = await search({ query: "manag", first: 1 });
    const name = result.edges[0].highlights.find((h: any) => h.field === "name");
    expect(name.fragments).toEqual([
      { text: "Management", match: true },
      { text: " Track", match: false },
    ]);
  });

  it("marks a slug-ish word whole (`c#` → `C#`) and a misspelt word by similarity", async () => {
    const sharp = await search({ query: "c#", first: 1 });
    expect(sharp.edges[0].highlights[0]).toEqual({
      field: "name",
      fragments: [{ text: "C#", match: true }],
    });
    const typo = await search({ query: "microservcies", first: 1 });
    expect(typo.edges[0].highlights[0]).toEqual({
      field: "name",
      fragments: [{ text: "Microservices", match: true }],
    });
    const node = await search({ query: "node.js", first: 1 });
    expect(marked(node.edges[0].highlights[0])).toEqual(["Node.js"]);
  });

  it("gives other fields only when they matched, each as its whole text", async () => {
    const result = await search({ query: "kafka", first: 5 });
    const comparison = result.edges.find((e: any) => e.node.slug === "kafka-vs-rabbitmq");
    const fields = comparison.highlights.map((h: any) => h.field);
    expect(fields[0]).toBe("title");
    const intro = comparison.highlights.find((h: any) => h.field === "intro");
    expect(joined(intro)).toBe(comparison.node.intro);
    expect(marked(intro).every((word: string) => word.toLowerCase() === "kafka")).toBe(true);
    for (const highlight of comparison.highlights) {
      expect(["title", "intro", "summary", "pros", "cons", "verdict"]).toContain(highlight.field);
      if (highlight.field !== "title") expect(marked(highlight).length).toBeGreaterThan(0);
    }
    const topic = result.edges.find((e: any) => e.node.slug === "kafka");
    expect(joined(topic.highlights[0])).toBe(topic.node.name);
  });

  it("marks both words of a synonym's phrase", async () => {
    const result = await search({ query: "ic vs manager", first: 1 });
    const title = result.edges[0].highlights.find((h: any) => h.field === "title");
    expect(marked(title)).toEqual(["Individual", "Contributor", "vs", "Management"]);
  });
});

describe("paging", () => {
  it("pages forward and backward through the same ranked list", async () => {
    const all = await search({ query: "management", first: 6 });
    expect(all.totalCount).toBeGreaterThanOrEqual(6);
    const first = await search({ query: "management", first: 3 });
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await search({ query: "management", first: 3, after: first.pageInfo.endCursor });
    expect(second.pageInfo.hasPreviousPage).toBe(true);
    expect([...slugs(first), ...slugs(second)]).toEqual(slugs(all));
    expect(second.totalCount).toBe(all.totalCount);
    const back = await search({
      query: "management",
      last: 3,
      before: second.pageInfo.startCursor,
    });
    expect(slugs(back)).toEqual(slugs(first));
    expect(first.nodes.map((n: any) => n.slug)).toEqual(slugs(first));
  });

  it("answers the total past the last page, with an empty page", async () => {
    const all = await search({ query: "kafka", first: 100 });
    const past = await search({ query: "kafka", first: 5, after: all.pageInfo.endCursor });
    expect(past.edges).toEqual([]);
    expect(past.totalCount).toBe(all.totalCount);
    expect(past.pageInfo.hasNextPage).toBe(false);
  });

  it("defaults to 20 and refuses more than 100, a foreign cursor and `last` alone", async () => {
    const page = await search({ query: "e" });
    expect(page.edges.length).toBeLessThanOrEqual(20);
    expect((await searchError({ query: "kafka", first: 101 }))?.extensions?.code).toBe(
      "BAD_USER_INPUT",
    );
    expect((await searchError({ query: "kafka", after: "bm9wZQ==" }))?.extensions?.code).toBe(
      "BAD_USER_INPUT",
    );
    const last = await searchError({ query: "kafka", last: 2 });
    expect(last?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("types", () => {
  it("filters to topics or comparisons, and refuses an empty list", async () => {
    const topics = await search({ query: "management", first: 50, types: ["TOPIC"] });
    expect(topics.edges.length).toBeGreaterThan(0);
    expect(topics.edges.every((e: any) => e.node.__typename === "Topic")).toBe(true);
    const comparisons = await search({ query: "management", first: 50, types: ["COMPARISON"] });
    expect(comparisons.edges.length).toBeGreaterThan(0);
    expect(comparisons.edges.every((e: any) => e.node.__typename === "Comparison")).toBe(true);
    const both = await search({ query: "management", first: 1 });
    expect(both.totalCount).toBe(topics.totalCount + comparisons.totalCount);
    const none = await searchError({ query: "management", types: [] });
    expect(none?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(none?.message).toMatch(/types/);
  });
});

describe("odd queries: a clear refusal or an empty answer, never a 500", () => {
  it.each([
    ["", /empty/],
    ["   \t ", /empty/],
    ["x".repeat(2000), /at most 200 characters/],
    ["kafka\u0000", /NUL/],
  ])("refuses %j with BAD_USER_INPUT", async (query, message) => {
    const error = await searchError({ query });
    expect(error?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error?.message).toMatch(message);
  });

  it.each(["?!", "---", "#", "''", "\\", "(&|!:*)"])(
    "answers %j, which has no letter or digit, with nothing and no statement",
    async (query) => {
      database().resetStatements();
      const result = await search({ query });
      expect(result.totalCount).toBe(0);
      expect(result.edges).toEqual([]);
      expect(database().statements).toHaveLength(0);
    },
  );

  it.each([
    "the",
    "a & b",
    "kafka:*",
    "'; DROP TABLE topics; --",
    "日本語",
    "x".repeat(200),
    "!kafka",
  ])("answers %j without error", async (query) => {
    const result = await search({ query });
    expect(result.totalCount).toBeGreaterThanOrEqual(0);
  });
});

describe("statements", () => {
  it("answers a search with highlights and the results' fields in one statement", async () => {
    database().resetStatements();
    const result = await search({ query: "manag", first: 10 });
    expect(result.edges.length).toBeGreaterThan(3);
    expect(database().statements).toHaveLength(1);
  });

  it("loads relations of the results with a fixed number of statements", async () => {
    database().resetStatements();
    const response = await graphql(
      app,
      `{ search(query: "kafka", first: 10) {
          nodes {
            ... on Topic { slug comparisons(first: 3) { totalCount nodes { slug } } }
            ... on Comparison { slug options { name } verdict { pick { name } } }
          }
        } }`,
    );
    expect(response.errors).toBeUndefined();
    const nodes = response.data?.search.nodes;
    const topic = nodes.find((n: any) => n.slug === "kafka");
    expect(topic.comparisons.nodes.map((c: any) => c.slug)).toContain("kafka-vs-rabbitmq");
    const comparison = nodes.find((n: any) => n.slug === "kafka-vs-rabbitmq");
    expect(comparison.options.map((o: any) => o.name)).toEqual(["Kafka", "RabbitMQ"]);
    // The search, then the plugin's fallback batches: comparisons with their options and pick,
    // and topics with their comparisons page (read through topic_comparison_entries, whose
    // relation takes one statement of its own). A fixed count, whatever the page size.
    expect(database().statements.length).toBeLessThanOrEqual(4);
  });

  it("hands out the same fields `topic(slug:)` reads", async () => {
    const result = await search({ query: "technical leadership", first: 1, types: ["TOPIC"] });
    const response = await graphql(
      app,
      `{ topic(slug: "technical-leadership") { slug name summary createdAt } }`,
    );
    expect(result.edges[0].node).toEqual({ __typename: "Topic", ...response.data?.topic });
  });
});
