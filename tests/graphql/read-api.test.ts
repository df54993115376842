import { beforeAll, describe, expect, it } from "vitest";
import { type App, EXAMPLE } from "../../src/app.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { createAppWithoutCostLimit, graphql } from "../helpers/graphql.ts";

const REFERENCE = "individual-contributor-model-vs-management-track";
const database = useTestDatabase();
let app: App;

beforeAll(async () => {
  await seedDatabase(database().db);
  app = createAppWithoutCostLimit(database());
});

const DEEP_WALK = `
  query DeepWalk($slug: String!) {
    comparison(slug: $slug) {
      title
      options {
        name
        isPick
        relatedTopics { slug }
        topic {
          slug
          comparisons(first: 10) {
            totalCount
            nodes { slug verdict { pick { name topic { slug } } conditions { option { name } useIf } } }
          }
        }
      }
      topics {
        slug
        comparisons(first: 10) {
          nodes { slug verdict { pick { name } bottomLine } options { name } }
        }
      }
    }
  }
`;

describe("comparison", () => {
  it("reads the reference comparison with its options, verdict and adjacent topics", async () => {
    const { data, errors } = await graphql(
      app,
      `query ($slug: String!) {
        comparison(slug: $slug) {
          slug title category version
          options { name position isPick topic { slug } pros cons useIf relatedTopics { slug } }
          verdict { pick { name } bottomLine conditions { option { name } useIf } }
          topics { slug }
        }
      }`,
      { slug: REFERENCE },
    );
    expect(errors).toBeUndefined();
    const comparison = data?.comparison;
    expect(comparison.title).toBe("Individual Contributor Model vs Management Track");
    expect(comparison.category).toBe("Dynamic");
    expect(comparison.version).toBe(1);
    expect(comparison.options.map((o: any) => [o.name, o.position, o.isPick])).toEqual([
      ["Individual Contributor Model", 0, true],
      ["Management Track", 1, false],
    ]);
    expect(comparison.options[0].relatedTopics.map((t: any) => t.slug)).toEqual([
      "career-development",
      "technical-leadership",
    ]);
    expect(comparison.options[1].relatedTopics.map((t: any) => t.slug)).toEqual([
      "project-management",
      "agile-methodologies",
    ]);
    for (const option of comparison.options) {
      expect(option.pros.length).toBeGreaterThan(0);
      expect(option.cons.length).toBeGreaterThan(0);
      expect(option.pros.some((p: string) => p.startsWith("Related to"))).toBe(false);
    }
    expect(comparison.verdict.pick.name).toBe("Individual Contributor Model");
    expect(comparison.verdict.bottomLine.length).toBeGreaterThan(20);
    expect(comparison.verdict.conditions.map((c: any) => c.option.name)).toEqual([
      "Individual Contributor Model",
      "Management Track",
    ]);
    expect(comparison.topics.map((t: any) => t.slug)).toEqual([
      "career-development",
      "technical-leadership",
      "project-management",
      "agile-methodologies",
    ]);
  });

  it("gives null for an unknown slug", async () => {
    const { data, errors } = await graphql(app, `{ comparison(slug: "no-such-thing") { id } }`);
    expect(errors).toBeUndefined();
    expect(data?.comparison).toBeNull();
  });

  it("reaches another comparison from each adjacent topic of the reference page", async () => {
    const { data, errors } = await graphql(app, DEEP_WALK, { slug: REFERENCE });
    expect(errors).toBeUndefined();
    for (const topic of data?.comparison.topics ?? []) {
      const others = topic.comparisons.nodes.filter((c: any) => c.slug !== REFERENCE);
      expect(others.length, `${topic.slug} leads to another comparison`).toBeGreaterThan(0);
      for (const other of others) expect(other.verdict.pick.name).toBeTruthy();
    }
  });
});

describe("statement count", () => {
  it("walks comparison → options → topics → comparisons → verdict → pick in one statement", async () => {
    database().resetStatements();
    const { errors } = await graphql(app, DEEP_WALK, { slug: REFERENCE });
    expect(errors).toBeUndefined();
    expect(database().statements).toHaveLength(1);
  });

  it("runs GraphiQL's example query in one statement", async () => {
    database().resetStatements();
    const { errors } = await graphql(app, EXAMPLE.query, EXAMPLE.variables);
    expect(errors).toBeUndefined();
    expect(database().statements).toHaveLength(1);
  });

  it("does not grow with the number of rows: every comparison, its options and their topics", async () => {
    const query = `query ($first: Int!) {
      comparisons(first: $first) {
        nodes {
          verdict { pick { topic { related(first: 5) { nodes { slug } } } } }
          options { topic { comparisons(first: 3) { totalCount nodes { slug } } } }
        }
      }
    }`;
    const counts: number[] = [];
    for (const first of [1, 10, 60]) {
      database().resetStatements();
      const { errors } = await graphql(app, query, { first });
      expect(errors).toBeUndefined();
      counts.push(database().statements.length);
    }
    expect(new Set(counts).size).toBe(1);
    // Topic.related and Topic.comparisons in one document: plugin-drizzle loads the option topics
    // in one fallback batch (3 statements, as many for 1 as for 60 comparisons).
    expect(counts[0]).toBeLessThanOrEqual(3);
  });
});

describe("topics", () => {
  it("lists a topic's comparisons as a connection, as option or as related topic", async () => {
    const { data, errors } = await graphql(
      app,
      `{ topic(slug: "career-development") {
          name provisional
          comparisons(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { slug } }
        } }`,
    );
    expect(errors).toBeUndefined();
    const topic = data?.topic;
    expect(topic.name).toBe("Career Development");
    expect(topic.provisional).toBe(false);
    expect(topic.comparisons.totalCount).toBeGreaterThan(2);
    expect(topic.comparisons.nodes).toHaveLength(2);
    expect(topic.comparisons.pageInfo.hasNextPage).toBe(true);

    // Walk every page: each comparison once, in slug order, matching totalCount.
    const slugs: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await graphql(
        app,
        `query ($after: String) { topic(slug: "career-development") {
            comparisons(first: 3, after: $after) { pageInfo { hasNextPage endCursor } nodes { slug } } } }`,
        { after },
      );
      const connection = page.data.topic.comparisons;
      slugs.push(...connection.nodes.map((n: any) => n.slug));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(slugs).toEqual([...slugs].sort());
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(slugs).toHaveLength(topic.comparisons.totalCount);
    expect(slugs).toContain(REFERENCE);
  });

  it("lists related topics with edge kind, weight and direction", async () => {
    const { data, errors } = await graphql(
      app,
      `{ topic(slug: "individual-contributor-model") {
          all: related(first: 50) { totalCount edges { kind weight direction node { slug } } }
          out: related(first: 50, kinds: [RELATED_TO], direction: OUT) { totalCount nodes { slug } }
          compared: related(first: 50, kinds: [COMPARED_WITH]) { nodes { slug } }
        } }`,
    );
    expect(errors).toBeUndefined();
    const topic = data?.topic;
    expect(topic.out.nodes.map((n: any) => n.slug).sort()).toEqual([
      "career-development",
      "technical-leadership",
    ]);
    expect(topic.out.totalCount).toBe(2);
    expect(topic.compared.nodes.map((n: any) => n.slug)).toContain("management-track");
    const toManagement = topic.all.edges.find((e: any) => e.node.slug === "management-track");
    expect(toManagement).toMatchObject({ kind: "COMPARED_WITH", direction: "BOTH" });
    expect(topic.all.totalCount).toBe(topic.all.edges.length);
    const weights = topic.all.edges.map((e: any) => e.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
  });

  it("follows incoming RELATED_TO edges to a tag topic", async () => {
    const { data } = await graphql(
      app,
      `{ topic(slug: "technical-leadership") {
          related(first: 100, kinds: [RELATED_TO], direction: IN) { edges { direction node { slug } } }
        } }`,
    );
    const edges = data?.topic.related.edges;
    expect(edges.map((e: any) => e.node.slug)).toContain("individual-contributor-model");
    expect(new Set(edges.map((e: any) => e.direction))).toEqual(new Set(["IN"]));
  });

  it("pages through all topics in slug order with a total count", async () => {
    const { data } = await graphql(
      app,
      `{ topics(first: 5) { totalCount nodes { slug } pageInfo { hasNextPage } }
         search: topics(first: 10, search: "LEADER") { totalCount nodes { slug } } }`,
    );
    expect(data?.topics.totalCount).toBeGreaterThan(100);
    const slugs = data?.topics.nodes.map((n: any) => n.slug);
    expect(slugs).toEqual([...slugs].sort());
    expect(data?.search.nodes.map((n: any) => n.slug)).toContain("technical-leadership");
    expect(data?.search.totalCount).toBe(data?.search.nodes.length);
  });

  it("filters comparisons by category", async () => {
    const { data } = await graphql(
      app,
      `{ comparisons(first: 100, category: "Dynamic") { totalCount nodes { slug category } } }`,
    );
    expect(data?.comparisons.nodes.map((n: any) => n.slug)).toContain(REFERENCE);
    expect(data?.comparisons.totalCount).toBe(data?.comparisons.nodes.length);
  });
});

describe("global ids", () => {
  it("refetches every kind of node by id", async () => {
    const { data } = await graphql(
      app,
      `query ($slug: String!) { comparison(slug: $slug) { id options { id topic { id } } } }`,
      { slug: REFERENCE },
    );
    const ids = [
      data?.comparison.id,
      data?.comparison.options[0].id,
      data?.comparison.options[0].topic.id,
    ];
    const refetched = await graphql(
      app,
      `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } node(id: "${ids[0]}") { ... on Comparison { slug } } }`,
      { ids },
    );
    expect(refetched.errors).toBeUndefined();
    expect(refetched.data?.nodes.map((n: any) => n.__typename)).toEqual([
      "Comparison",
      "Option",
      "Topic",
    ]);
    expect(refetched.data?.nodes.map((n: any) => n.id)).toEqual(ids);
    expect(refetched.data?.node.slug).toBe(REFERENCE);
  });

  it.each([
    ["not base64 at all", "%%%"],
    ["base64 of garbage", Buffer.from("hello").toString("base64")],
    ["a negative id", Buffer.from("Topic:-1").toString("base64")],
    ["an id past the integer range", Buffer.from("Topic:9999999999").toString("base64")],
  ])("refuses a malformed id (%s) with BAD_USER_INPUT", async (_label, id) => {
    const { data, errors } = await graphql(app, `query ($id: ID!) { node(id: $id) { id } }`, {
      id,
    });
    expect(data?.node ?? null).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(errors?.[0]?.message).toContain("is not a pickgraph id");
  });

  it("gives null for a well-formed id of a row that does not exist", async () => {
    const id = Buffer.from("Topic:999999").toString("base64");
    const { data, errors } = await graphql(app, `{ node(id: "${id}") { id } }`);
    expect(errors).toBeUndefined();
    expect(data?.node).toBeNull();
  });

  it("refuses more than 100 ids at once", async () => {
    const ids = Array.from({ length: 101 }, (_, i) =>
      Buffer.from(`Topic:${i + 1}`).toString("base64"),
    );
    const { errors } = await graphql(app, `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids,
    });
    expect(errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("bad requests", () => {
  it("refuses a page size above the maximum", async () => {
    const { errors } = await graphql(app, `{ topics(first: 1000) { nodes { slug } } }`);
    expect(errors?.[0]?.message).toMatch(/100/);
  });

  it("refuses a query nested deeper than the limit", async () => {
    const nest = (depth: number): string =>
      depth === 0
        ? "slug"
        : `comparisons(first: 1) { nodes { options { topic { ${nest(depth - 1)} } } } }`;
    const { errors } = await graphql(app, `{ topic(slug: "scrum") { ${nest(8)} } }`);
    expect(errors?.[0]?.message).toMatch(/depth/i);
  });

  it("refuses a wrong argument type, naming it", async () => {
    const { errors } = await graphql(app, `{ comparison(slug: 42) { id } }`);
    expect(errors?.[0]?.message).toMatch(/String/);
  });
});

describe("arguments Pothos refuses", () => {
  it("answers an id of the wrong type with BAD_USER_INPUT", async () => {
    const option = Buffer.from("Option:1").toString("base64");
    const { errors } = await graphql(
      app,
      `mutation ($id: ID!) { submitFeedback(input: { comparisonId: $id, preferredOptionId: $id }) { __typename } }`,
      { id: option },
    );
    expect(errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(errors?.[0]?.message).toContain("is not of type: Comparison");
  });

  it("answers a negative page size and an empty kinds list with BAD_USER_INPUT", async () => {
    const negative = await graphql(app, `{ topics(first: -1) { nodes { slug } } }`);
    expect(negative.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const empty = await graphql(
      app,
      `{ topic(slug: "scrum") { related(kinds: []) { totalCount } } }`,
    );
    expect(empty.errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      argument: "kinds",
    });
  });
});
