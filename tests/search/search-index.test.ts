import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { createToken } from "../../src/editing/tokens.ts";
import { SEEDS_FOLDER } from "../../src/ingest/seed.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";

// Search must see every write at once: imports, structured edits, topic edits, merges, deletes.
// Each test uses made-up words no other test writes, so the order of tests does not matter.
const database = useTestDatabase();
let app: App;
let editor: Record<string, string>;

beforeAll(async () => {
  app = createApp({ database: database(), logErrors: false });
  const { token } = await createToken(database().db, { name: "search-editor", scopes: ["editor"] });
  editor = { authorization: `Bearer ${token}` };
});

async function run(query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await graphql(app, query, variables, editor);
  expect(response.errors).toBeUndefined();
  const result = Object.values(response.data ?? {})[0] as any;
  expect(result.__typename).not.toMatch(/Error$/);
  return result;
}

/** The slugs `search` finds for a text, best first. */
async function found(query: string, types?: string[]): Promise<string[]> {
  const response = await graphql(
    app,
    `query ($query: String!, $types: [SearchType!]) {
      search(query: $query, first: 50, types: $types) {
        nodes { ... on Topic { slug } ... on Comparison { slug } }
      }
    }`,
    { query, types },
  );
  expect(response.errors).toBeUndefined();
  return response.data?.search.nodes.map((n: any) => n.slug);
}

const CREATE = `mutation ($input: CreateComparisonInput!) {
  createComparison(input: $input) { __typename ... on CreateComparisonPayload { comparison { id slug version } } } }`;
const UPDATE = `mutation ($input: UpdateComparisonInput!) {
  updateComparison(input: $input) { __typename ... on UpdateComparisonPayload { comparison { version } } } }`;
const SET_PICK = `mutation ($input: SetPickInput!) {
  setPick(input: $input) { __typename ... on SetPickPayload { comparison { version } } } }`;
const DELETE = `mutation ($input: DeleteComparisonInput!) {
  deleteComparison(input: $input) { __typename ... on DeleteComparisonPayload { slug } } }`;
const IMPORT = `mutation ($pages: [String!]!) {
  importPages(input: { pages: $pages }) { __typename ... on ImportPagesPayload { created { slug } } } }`;
const UPSERT_TOPIC = `mutation ($input: UpsertTopicInput!) {
  upsertTopic(input: $input) { __typename ... on UpsertTopicPayload { topic { slug } } } }`;
const MERGE = `mutation ($from: String!, $into: String!) {
  mergeTopics(input: { from: $from, into: $into }) { __typename ... on MergeTopicsPayload { topic { slug } } } }`;

function comparisonInput(names: string[], word: string) {
  return {
    category: "Testing",
    intro: `Which of ${names.join(" or ")} should a team pick?`,
    options: names.map((name, index) => ({
      name,
      summary: `${name} in one sentence.`,
      pros: index === 0 ? [`Ships with ${word} built in`] : [`${name} is steady`],
      cons: [`${name} is young`],
      useIf: `you want ${name}`,
    })),
    pick: names[0],
    bottomLine: `${names[0]} wins for most teams.`,
  };
}

describe("search stays current", () => {
  it("finds a comparison created through the importer by a word only its pros hold", async () => {
    const created = await run(CREATE, {
      input: comparisonInput(["Alpacadb", "Llamadb"], "quasarflux"),
    });
    expect(await found("quasarflux")).toEqual([created.comparison.slug]);
    expect((await found("alpacadb"))[0]).toBe("alpacadb");
  });

  it("follows an edit: the old word is gone, the new one found", async () => {
    const created = await run(CREATE, {
      input: comparisonInput(["Ibexql", "Oryxql"], "nebulaspin"),
    });
    const { id, version, slug } = created.comparison;
    await run(UPDATE, {
      input: { id, expectedVersion: version, intro: "Which one handles zephyrgrid loads better?" },
    });
    expect(await found("zephyrgrid")).toEqual([slug]);
    expect(await found("should a team pick ibexql", ["COMPARISON"])).toEqual([]);
    expect(await found("nebulaspin")).toEqual([slug]);
  });

  it("follows setPick: a word only the new bottom line holds is found and highlighted", async () => {
    const created = await run(CREATE, {
      input: comparisonInput(["Okapiql", "Dikdikql"], "lunarfern"),
    });
    const { id, version, slug } = created.comparison;
    const options = await graphql(
      app,
      `query ($slug: String!) { comparison(slug: $slug) { options { id name } } }`,
      { slug },
    );
    const second = options.data?.comparison.options.find((o: any) => o.name === "Dikdikql");
    await run(SET_PICK, {
      input: {
        comparisonId: id,
        optionId: second.id,
        expectedVersion: version,
        bottomLine: "Dikdikql wins where quasarmoss matters.",
      },
    });
    expect(await found("quasarmoss")).toEqual([slug]);
    const response = await graphql(
      app,
      `query { search(query: "quasarmoss", first: 1) {
        edges { highlights { field fragments { text match } } } } }`,
      {},
    );
    const verdicts = response.data?.search.edges[0].highlights.filter(
      (h: any) => h.field === "verdict",
    );
    expect(verdicts).toContainEqual({
      field: "verdict",
      fragments: [
        { text: "Dikdikql wins where ", match: false },
        { text: "quasarmoss", match: true },
        { text: " matters.", match: false },
      ],
    });
  });

  it("follows a renamed option: the comparison's new title and slug are found", async () => {
    const created = await run(CREATE, {
      input: comparisonInput(["Gnuframe", "Elandframe"], "solarwisp"),
    });
    const { id, version } = created.comparison;
    const input = comparisonInput(["Gnuframe", "Kuduframe"], "solarwisp");
    await run(UPDATE, {
      input: { id, expectedVersion: version, options: input.options, intro: input.intro },
    });
    expect(await found("kuduframe", ["COMPARISON"])).toEqual(["gnuframe-vs-kuduframe"]);
    expect(await found("elandframe", ["COMPARISON"])).toEqual([]);
  });

  it("finds pages imported as text", async () => {
    const seed = await readFile(join(SEEDS_FOLDER, "kafka-vs-rabbitmq.txt"), "utf8");
    const page = seed.replaceAll("RabbitMQ", "Wombatmq");
    const result = await run(IMPORT, { pages: [page] });
    expect(result.created.map((c: any) => c.slug)).toEqual(["kafka-vs-wombatmq"]);
    expect((await found("wombatmq"))[0]).toBe("wombatmq");
    expect(await found("wombatmq", ["COMPARISON"])).toEqual(["kafka-vs-wombatmq"]);
    expect((await found("wombatqm"))[0]).toBe("wombatmq");
  });

  it("follows topic edits: a new name and a new summary", async () => {
    await run(UPSERT_TOPIC, { input: { slug: "tapir-tools", name: "Tapir Tools" } });
    expect((await found("tapir"))[0]).toBe("tapir-tools");
    await run(UPSERT_TOPIC, {
      input: {
        slug: "tapir-tools",
        name: "Tapir Toolkit",
        summary: "Helps with moonquake drills.",
      },
    });
    expect(await found("moonquake")).toEqual(["tapir-tools"]);
    expect((await found("tapir toolkit"))[0]).toBe("tapir-tools");
  });

  it("finds the survivor of a merge by the merged topic's slug and name", async () => {
    await run(UPSERT_TOPIC, { input: { slug: "marmot-engine", name: "Marmot Engine" } });
    await run(UPSERT_TOPIC, { input: { slug: "woodchuck-engine", name: "Woodchuck Engine" } });
    await run(MERGE, { from: "marmot-engine", into: "woodchuck-engine" });
    for (const query of ["marmot-engine", "Marmot Engine"]) {
      const slugs = await found(query);
      expect(slugs[0], query).toBe("woodchuck-engine");
      expect(slugs).not.toContain("marmot-engine");
    }
  });

  it("forgets a deleted comparison", async () => {
    const created = await run(CREATE, {
      input: comparisonInput(["Okapidb", "Zebudb"], "glimmerwave"),
    });
    expect(await found("glimmerwave")).toEqual([created.comparison.slug]);
    await run(DELETE, { input: { id: created.comparison.id } });
    expect(await found("glimmerwave")).toEqual([]);
  });
});
