import { sql } from "drizzle-orm";
import { execute, parse } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { type App, EXAMPLE } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { deleteComparison } from "../../src/editing/comparisons.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { mergeTopics } from "../../src/editing/topics.ts";
import { createContext } from "../../src/graphql/context.ts";
import { schema } from "../../src/graphql/schema.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { createAppWithoutCostLimit } from "../helpers/graphql.ts";

/**
 * The compiled read path (one prepared statement per document) against the Pothos resolvers:
 * every answer must be the same bytes, and the compiled path must really be the one that ran.
 */
const database = useTestDatabase();
let app: App;
let comparisonSlugs: string[];
let topicSlugs: string[];

beforeAll(async () => {
  await seedDatabase(database().db);
  app = createAppWithoutCostLimit(database());
  comparisonSlugs = (
    await selectRows<{ slug: string }>(
      database().db,
      sql`SELECT slug FROM comparisons ORDER BY slug`,
    )
  ).map((r) => r.slug);
  topicSlugs = (
    await selectRows<{ slug: string }>(database().db, sql`SELECT slug FROM topics ORDER BY slug`)
  ).map((r) => r.slug);
});

const COMPILED_MARK = "SELECT json_build_object(";

/** The answer over HTTP (in-process) and the statements it ran. */
async function viaApp(query: string, variables: Record<string, unknown> = {}) {
  database().resetStatements();
  const response = await app.fetch("http://app/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { text, statements: [...database().statements] };
}

/** The same document through the Pothos resolvers only, serialised the way yoga does. */
async function viaPothos(query: string, variables: Record<string, unknown> = {}) {
  const result = await execute({
    schema,
    document: parse(query),
    variableValues: variables,
    contextValue: createContext(database().db, null),
  });
  return JSON.stringify({ data: result.data });
}

async function expectCompiledSame(query: string, variables: Record<string, unknown> = {}) {
  const ours = await viaApp(query, variables);
  expect(ours.statements, "one statement, the compiled one").toHaveLength(1);
  expect(ours.statements[0]?.startsWith(COMPILED_MARK)).toBe(true);
  expect(ours.text).toBe(await viaPothos(query, variables));
  return JSON.parse(ours.text);
}

const README_DEEP_WALK = `query DeepWalk($slug: String!) {
  comparison(slug: $slug) {
    title
    verdict { pick { name } bottomLine conditions { option { name } useIf } }
    options { name isPick pros cons relatedTopics { slug } }
    topics { slug comparisons(first: 5) { totalCount nodes { title verdict { pick { name } bottomLine } } } }
  }
}`;

const EVERYTHING = `query Everything($slug: String!, $first: Int) {
  __typename
  comparison(slug: $slug) {
    __typename id slug title category intro feedbackContact version createdAt updatedAt
    verdict { __typename pickSummary bottomLine pick { id name position isPick topic { slug } }
      conditions { __typename useIf option { id name useIf } } }
    options { __typename id name position summary pros cons useIf isPick
      topic { id slug name summary provisional createdAt updatedAt }
      comparison { slug }
      relatedTopics { slug name comparisons(first: $first) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { __typename cursor node { slug } } } } }
    topics { slug provisional comparisons { __typename totalCount nodes { slug title } } }
  }
}`;

const ALIASES_AND_FRAGMENTS = `query Shapes($slug: String!, $other: String!) {
  first: comparison(slug: $slug) { ...Card t: title title options { ... on Option { n: name } ...OptionName } }
  second: comparison(slug: $other) { ...Card ... on Node { id } }
  missing: comparison(slug: "no-such-comparison") { title }
  nobody: topic(slug: "no-such-topic") { slug }
}
fragment Card on Comparison { slug verdict { pick { name } } verdict { bottomLine } }
fragment OptionName on Option { name isPick }`;

const TOPIC_PAGE = `query Topic($slug: String!, $first: Int, $after: String) {
  topic(slug: $slug) {
    slug name summary
    comparisons(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { slug verdict { pick { name } } } }
      nodes { title }
    }
  }
}`;

describe("compiled reads answer what the resolvers answer", () => {
  it("the README deep walk, for every comparison", async () => {
    for (const slug of [...comparisonSlugs, "no-such-comparison"]) {
      await expectCompiledSame(README_DEEP_WALK, { slug });
    }
  });

  it("every compiled field, for every comparison, with and without a page size", async () => {
    for (const slug of comparisonSlugs) {
      await expectCompiledSame(EVERYTHING, { slug, first: 2 });
    }
    await expectCompiledSame(EVERYTHING, { slug: comparisonSlugs[0] });
    await expectCompiledSame(EVERYTHING, { slug: comparisonSlugs[1], first: 0 });
    await expectCompiledSame(EVERYTHING, { slug: comparisonSlugs[2], first: 100 });
  });

  it("aliases, fragments, __typename and nulls for unknown slugs", async () => {
    const answer = await expectCompiledSame(ALIASES_AND_FRAGMENTS, {
      slug: comparisonSlugs[3],
      other: comparisonSlugs[4],
    });
    expect(answer.data.missing).toBeNull();
    expect(answer.data.nobody).toBeNull();
    expect(answer.data.first.t).toBe(answer.data.first.title);
  });

  it("GraphiQL's example and every topic page", async () => {
    await expectCompiledSame(EXAMPLE.query, EXAMPLE.variables);
    for (const slug of topicSlugs) await expectCompiledSame(TOPIC_PAGE, { slug, first: 3 });
  });

  it("pages through a topic's comparisons by cursor to the end", async () => {
    const [hub] = await selectRows<{ slug: string; n: number }>(
      database().db,
      sql`SELECT t.slug, count(*)::int AS n FROM topics t JOIN topic_comparisons tc ON tc.topic_id = t.id
          GROUP BY t.slug ORDER BY n DESC, t.slug LIMIT 1`,
    );
    let after: string | null = null;
    const seen: string[] = [];
    for (let page = 0; page < 100; page++) {
      const answer = await expectCompiledSame(TOPIC_PAGE, { slug: hub?.slug, first: 2, after });
      const connection = answer.data.topic.comparisons;
      seen.push(...connection.edges.map((e: { node: { slug: string } }) => e.node.slug));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(hub?.n as number);
    expect([...seen].sort()).toEqual(seen);
  });

  it("literal arguments compile too", async () => {
    await expectCompiledSame(
      `{ topic(slug: "career-development") { comparisons(first: 1) { pageInfo { endCursor } } } }`,
    );
  });
});

describe("what the compiled path leaves to the resolvers", () => {
  const declined = async (query: string, variables: Record<string, unknown> = {}) => {
    const ours = await viaApp(query, variables);
    expect(ours.statements.some((s) => s.startsWith(COMPILED_MARK))).toBe(false);
    return JSON.parse(ours.text);
  };

  it("refused page sizes and cursors keep the resolvers' errors", async () => {
    for (const first of [101, -1]) {
      const answer = await declined(TOPIC_PAGE, { slug: "career-development", first });
      expect(answer.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    }
    const answer = await declined(TOPIC_PAGE, {
      slug: "career-development",
      after: "bm90LWEtY3Vyc29y",
    });
    expect(answer.errors).toHaveLength(1);
  });

  it("fields it does not compile, directives and mutations", async () => {
    await declined(`{ comparison(slug: "scrum-vs-kanban") { relatedComparisons { totalCount } } }`);
    await declined(`query ($s: Boolean!) { topic(slug: "scrum") { slug @include(if: $s) } }`, {
      s: true,
    });
    await declined(`{ topic(slug: "scrum") { related(first: 2) { totalCount } } }`);
  });
});

describe("topic_comparison_entries follow every write", () => {
  const ALL_TOPICS = `query ($slug: String!) { topic(slug: $slug) { comparisons(first: 100) { totalCount nodes { slug } } } }`;

  it("after a delete and a merge the compiled pages still equal the resolvers'", async () => {
    const [victim] = comparisonSlugs;
    const [row] = await selectRows<{ id: number }>(
      database().db,
      sql`SELECT id FROM comparisons WHERE slug = ${victim}`,
    );
    await deleteComparison(database().db, "test", row?.id as number, null);
    const tags = await selectRows<{ slug: string }>(
      database().db,
      sql`SELECT t.slug FROM topics t JOIN option_tags ot ON ot.topic_id = t.id
          GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT 2`,
    );
    await mergeTopics(database().db, "test", {
      from: tags[1]?.slug as string,
      into: tags[0]?.slug as string,
    });
    for (const slug of topicSlugs) {
      const ours = await viaApp(ALL_TOPICS, { slug });
      expect(ours.text).toBe(await viaPothos(ALL_TOPICS, { slug }));
    }
    // Both paths read totalCount from topic_comparison_counts: its triggers must have followed
    // the seed, the delete (entries removed by cascade) and the merge (entries rebuilt).
    const drift = await selectRows<{ topic_id: number; counted: number; kept: number }>(
      database().db,
      sql`SELECT t.id AS topic_id, coalesce(e.n, 0) AS counted, coalesce(k.comparisons, 0) AS kept
          FROM topics t
          LEFT JOIN (SELECT topic_id, count(*)::int AS n FROM topic_comparison_entries GROUP BY topic_id) e
            ON e.topic_id = t.id
          LEFT JOIN topic_comparison_counts k ON k.topic_id = t.id
          WHERE coalesce(e.n, 0) <> coalesce(k.comparisons, 0)`,
    );
    expect(drift).toEqual([]);
    const [kept] = await selectRows<{ n: number }>(
      database().db,
      sql`SELECT count(*)::int AS n FROM topic_comparison_counts WHERE comparisons > 0`,
    );
    expect(kept?.n).toBeGreaterThan(10);
    // Entries are never moved to another topic: the counts could not follow.
    await expect(
      database().db.execute(
        sql`UPDATE topic_comparison_entries SET topic_id = topic_id WHERE topic_id IN (SELECT topic_id FROM topic_comparison_entries LIMIT 1)`,
      ),
    ).rejects.toThrow();
  });
});
