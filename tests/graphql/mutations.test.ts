import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { createToken } from "../../src/editing/tokens.ts";
import { renderPage } from "../../src/ingest/render-page.ts";
import { race, snapshotTables, useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";

// One database for the file; every test writes comparisons and topics with names of its own
// (see `names`), so tests never see each other's rows.
const database = useTestDatabase();
let app: App;
/** Authorization headers of the writers the tests act as. */
const as: Record<"editor" | "other" | "saboteur", Record<string, string>> = {
  editor: {},
  other: {},
  saboteur: {},
};

beforeAll(async () => {
  // More feedback than one client may send a minute in production (src/http/public-writes.ts).
  app = createApp({
    database: database(),
    settings: { publicWrites: { perMinute: 10_000, dedupeSeconds: 600 } },
  });
  for (const name of ["editor", "other", "saboteur"] as const) {
    const { token } = await createToken(database().db, { name, scopes: ["editor"] });
    as[name] = { authorization: `Bearer ${token}` };
  }
  // Failures the database raises in the middle of a write, where no validation can see them:
  // every change-log row written for the token "saboteur" (each write's last statement), a tag
  // on a topic whose slug starts with "sabotaged-tag-", and an alias named "sabotaged-alias-…".
  const db = database().db;
  await db.execute(sql`
    CREATE FUNCTION test_sabotage() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'sabotaged % on %', TG_OP, TG_TABLE_NAME; END $$`);
  await db.execute(sql`
    CREATE FUNCTION test_sabotage_tag() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM topics WHERE id = NEW.topic_id AND slug LIKE 'sabotaged-tag-%') THEN
        RAISE EXCEPTION 'sabotaged tag';
      END IF;
      RETURN NEW;
    END $$`);
  await db.execute(sql`
    CREATE TRIGGER sabotage_changes BEFORE INSERT ON changes FOR EACH ROW
    WHEN (NEW.actor = 'saboteur') EXECUTE FUNCTION test_sabotage()`);
  await db.execute(sql`
    CREATE TRIGGER sabotage_aliases BEFORE INSERT ON topic_aliases FOR EACH ROW
    WHEN (NEW.slug LIKE 'sabotaged-alias-%') EXECUTE FUNCTION test_sabotage()`);
  await db.execute(sql`
    CREATE TRIGGER sabotage_tags BEFORE INSERT ON option_tags FOR EACH ROW
    EXECUTE FUNCTION test_sabotage_tag()`);
});

// ---------------------------------------------------------------------------------------------
// Helpers

let counter = 0;
/** Distinct names for one test: `names("Alpha", "Beta")` → ["Alpha K7", "Beta K7"]. */
function names(...bases: string[]): string[] {
  counter += 1;
  return bases.map((base) => `${base} K${counter}`);
}
const slug = (name: string) => name.toLowerCase().replace(/ /g, "-");
const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString("base64");
const numeric = (globalId: string) =>
  Number(Buffer.from(globalId, "base64").toString().split(":")[1]);

function gql(query: string, variables: Record<string, unknown> = {}, headers = as.editor) {
  return graphql(app, query, variables, headers);
}

/** Equal snapshots mean not a byte was written. */
const snapshot = () => snapshotTables(database().db);

const RESULT = `__typename
  ... on Error { message }
  ... on ValidationError { issues { path message } }
  ... on ConflictError { currentVersion }`;

const COMPARISON = `id slug title category intro version updatedAt feedbackContact
  options { id name position isPick summary pros cons useIf topic { slug } relatedTopics { slug } }
  verdict { pick { name } pickSummary bottomLine conditions { option { name } useIf } }`;

const CREATE = `mutation ($input: CreateComparisonInput!) {
  createComparison(input: $input) { ${RESULT} ... on CreateComparisonPayload { comparison { ${COMPARISON} } } } }`;
const UPDATE = `mutation ($input: UpdateComparisonInput!) {
  updateComparison(input: $input) { ${RESULT} ... on UpdateComparisonPayload { changed comparison { ${COMPARISON} } } } }`;
const DELETE = `mutation ($input: DeleteComparisonInput!) {
  deleteComparison(input: $input) { ${RESULT} ... on DeleteComparisonPayload { deletedId slug } } }`;
const SET_PICK = `mutation ($input: SetPickInput!) {
  setPick(input: $input) { ${RESULT} ... on SetPickPayload { comparison { ${COMPARISON} } } } }`;
const IMPORT = `mutation ($pages: [String!]!) {
  importPages(input: { pages: $pages }) { ${RESULT}
    ... on ImportPagesPayload { created { slug version } updated { slug version } unchanged topicsCreated } } }`;
const UPSERT_TOPIC = `mutation ($input: UpsertTopicInput!) {
  upsertTopic(input: $input) { ${RESULT}
    ... on UpsertTopicPayload { created topic { slug name summary provisional updatedAt } } } }`;
const MERGE = `mutation ($from: String!, $into: String!) {
  mergeTopics(input: { from: $from, into: $into }) { ${RESULT} ... on MergeTopicsPayload { topic { slug name provisional } } } }`;
const LINK = `mutation ($input: LinkTopicsInput!) {
  linkTopics(input: $input) { ${RESULT} ... on LinkTopicsPayload { from { slug } to { slug } weight } } }`;
const UNLINK = `mutation ($input: UnlinkTopicsInput!) {
  unlinkTopics(input: $input) { ${RESULT} ... on UnlinkTopicsPayload { from { slug } to { slug } weight } } }`;
const FEEDBACK = `mutation ($input: SubmitFeedbackInput!) {
  submitFeedback(input: $input) { ${RESULT}
    ... on SubmitFeedbackPayload { comparison { feedback { total agree byOption { option { name } count } } } } } }`;

function comparisonInput(optionNames: string[], overrides: Record<string, unknown> = {}) {
  return {
    category: "Testing",
    intro: `Which of ${optionNames.join(", ")} should you use?`,
    options: optionNames.map((name) => ({
      name,
      summary: `${name} in a sentence.`,
      pros: [`${name} is fast`],
      cons: [`${name} is new`],
      useIf: `you like ${name}`,
    })),
    pick: optionNames[0],
    bottomLine: `${optionNames[0]} wins for most teams.`,
    ...overrides,
  };
}

/** The field's result; fails the test on a GraphQL error. */
async function run(
  query: string,
  variables: Record<string, unknown>,
  headers = as.editor,
): Promise<any> {
  const response = await gql(query, variables, headers);
  expect(response.errors).toBeUndefined();
  return Object.values(response.data ?? {})[0];
}

async function create(optionNames: string[], overrides: Record<string, unknown> = {}) {
  const result = await run(CREATE, { input: comparisonInput(optionNames, overrides) });
  expect(result.__typename).toBe("CreateComparisonPayload");
  return result.comparison;
}

async function read(comparisonSlug: string): Promise<any> {
  const { data, errors } = await gql(
    `query ($slug: String!) { comparison(slug: $slug) { ${COMPARISON}
        history(first: 50) { totalCount nodes { actor action summary version } } } }`,
    { slug: comparisonSlug },
  );
  expect(errors).toBeUndefined();
  return data?.comparison;
}

/** A topic's edges as `KIND DIRECTION neighbour weight`, sorted. */
async function edges(topicSlug: string): Promise<string[]> {
  const { data, errors } = await gql(
    `query ($slug: String!) { topic(slug: $slug) {
        related(first: 100) { edges { kind direction weight node { slug } } } } }`,
    { slug: topicSlug },
  );
  expect(errors).toBeUndefined();
  return data?.topic.related.edges
    .map((e: any) => `${e.kind} ${e.direction} ${e.node.slug} ${e.weight}`)
    .sort();
}

async function topic(topicSlug: string): Promise<any> {
  const { data } = await gql(
    `query ($slug: String!) { topic(slug: $slug) { slug name summary provisional updatedAt
        comparisons(first: 20) { nodes { slug } } } }`,
    { slug: topicSlug },
  );
  return data?.topic;
}

const paths = (result: any) => result.issues.map((issue: any) => issue.path.join("."));

// ---------------------------------------------------------------------------------------------

describe("createComparison", () => {
  it("creates a comparison with its options, pick, topics, edges and a history entry", async () => {
    const [a, b, c] = names("Alpha", "Beta", "Gamma");
    const tag = `${slug(a as string)}-tag`;
    const result = await run(CREATE, {
      input: comparisonInput([a, b, c] as string[], {
        pick: b,
        options: comparisonInput([a, b, c] as string[]).options.map((o, i) =>
          i === 0 ? { ...o, relatedTo: [tag, "Some Concept K0"] } : o,
        ),
        feedbackContact: "team@example.com",
      }),
    });
    expect(result.__typename).toBe("CreateComparisonPayload");
    const comparison = result.comparison;
    expect(comparison).toMatchObject({
      slug: [a, b, c].map((n) => slug(n as string)).join("-vs-"),
      title: `${a} vs ${b} vs ${c}`,
      category: "Testing",
      version: 1,
      feedbackContact: "team@example.com",
      verdict: { pick: { name: b }, pickSummary: `${b} in a sentence.` },
    });
    expect(
      comparison.options.map((o: any) => [o.name, o.position, o.isPick, o.topic.slug]),
    ).toEqual([
      [a, 0, false, slug(a as string)],
      [b, 1, true, slug(b as string)],
      [c, 2, false, slug(c as string)],
    ]);
    expect(comparison.options[0].relatedTopics.map((t: any) => t.slug)).toEqual([
      tag,
      "some-concept-k0",
    ]);
    expect(comparison.verdict.conditions).toHaveLength(3);

    const tagTopic = await topic(tag);
    expect(tagTopic).toMatchObject({
      provisional: true,
      comparisons: { nodes: [{ slug: comparison.slug }] },
    });
    expect(await edges(slug(a as string))).toEqual([
      `COMPARED_WITH BOTH ${slug(b as string)} 1`,
      `COMPARED_WITH BOTH ${slug(c as string)} 1`,
      `RELATED_TO OUT ${tag} 1`,
      "RELATED_TO OUT some-concept-k0 1",
    ]);
    const stored = await read(comparison.slug);
    expect(stored.history.nodes).toEqual([
      {
        actor: "editor",
        action: "comparison.create",
        summary: `created "${a} vs ${b} vs ${c}"`,
        version: 1,
      },
    ]);
  });

  it("refuses a second comparison with the same slug with a ConflictError", async () => {
    const optionNames = names("Dup", "Licate");
    await create(optionNames);
    const before = await snapshot();
    // Different spelling, same topics: the same slug.
    const result = await run(CREATE, {
      input: comparisonInput(optionNames.map((n) => n.toUpperCase())),
    });
    expect(result).toMatchObject({
      __typename: "ConflictError",
      message: expect.stringContaining("already exists"),
      currentVersion: null,
    });
    expect(await snapshot()).toEqual(before);
  });

  const bad: [string, (n: string[]) => Record<string, unknown>, string[]][] = [
    ["an empty category", () => ({ category: "  " }), ["category"]],
    ["a category over 100 characters", () => ({ category: "c".repeat(101) }), ["category"]],
    ["a two-line category", () => ({ category: "a\nb" }), ["category"]],
    ["an empty intro", () => ({ intro: "" }), ["intro"]],
    ["an intro over 10000 characters", () => ({ intro: "i".repeat(10_001) }), ["intro"]],
    [
      "a bottom line over 10000 characters",
      () => ({ bottomLine: "b".repeat(10_001) }),
      ["bottomLine"],
    ],
    [
      "a contact over 200 characters",
      () => ({ feedbackContact: "x".repeat(201) }),
      ["feedbackContact"],
    ],
    ["one option", (n) => ({ options: comparisonInput(n).options.slice(0, 1) }), ["options"]],
    [
      "nine options",
      (n) => {
        const many = Array.from({ length: 9 }, (_, i) => `${n[0]} ${i}`);
        return { options: comparisonInput(many).options, pick: many[0] };
      },
      ["options"],
    ],
    [
      "two options that are the same topic",
      (n) => ({
        options: [
          comparisonInput(n).options[0],
          { ...comparisonInput(n).options[1], name: `${n[0]?.toUpperCase()}!` },
        ],
      }),
      ["options.1.name"],
    ],
    ["a pick that is not an option", () => ({ pick: "Neither" }), ["pick"]],
    [
      "an option name over 200 characters",
      (n) => ({
        options: [
          { ...comparisonInput(n).options[0], name: "n".repeat(201) },
          comparisonInput(n).options[1],
        ],
        pick: n[1],
      }),
      ["options.0.name"],
    ],
    [
      "an option name with no letters or digits",
      (n) => ({
        options: [comparisonInput(n).options[0], { ...comparisonInput(n).options[1], name: "--" }],
      }),
      ["options.1.name"],
    ],
    [
      // 150 characters pass the name limit, but the slug (sharp-sharp-…) is 899 characters.
      "an option name whose slug is too long",
      (n) => ({
        options: [
          comparisonInput(n).options[0],
          { ...comparisonInput(n).options[1], name: "#".repeat(150) },
        ],
      }),
      ["options.1.name"],
    ],
    [
      "option names whose comparison slug is too long",
      (n) => ({
        options: [
          { ...comparisonInput(n).options[0], name: `${n[0]} ${"x".repeat(100)}` },
          { ...comparisonInput(n).options[1], name: `${n[1]} ${"y".repeat(100)}` },
        ],
        pick: `${n[0]} ${"x".repeat(100)}`,
      }),
      ["options"],
    ],
    [
      "option names whose title is too long",
      (n) => {
        const long = Array.from({ length: 3 }, (_, i) => `${i}${"!".repeat(180)}${n[0]}`);
        return { options: comparisonInput(long).options, pick: long[0] };
      },
      ["options"],
    ],
    [
      "an empty summary and a two-line pro",
      (n) => ({
        options: [
          { ...comparisonInput(n).options[0], summary: " " },
          { ...comparisonInput(n).options[1], pros: ["fine", "two\nlines"] },
        ],
      }),
      ["options.0.summary", "options.1.pros.1"],
    ],
    [
      "21 cons",
      (n) => ({
        options: [
          {
            ...comparisonInput(n).options[0],
            cons: Array.from({ length: 21 }, (_, i) => `con ${i}`),
          },
          comparisonInput(n).options[1],
        ],
      }),
      ["options.0.cons"],
    ],
    [
      "a related topic that is the option itself, and one that is no slug",
      (n) => ({
        options: [
          { ...comparisonInput(n).options[0], relatedTo: [slug(n[0] as string), "%%"] },
          comparisonInput(n).options[1],
        ],
      }),
      ["options.0.relatedTo.0", "options.0.relatedTo.1"],
    ],
    [
      "a related topic slug over 200 characters",
      (n) => ({
        options: [
          { ...comparisonInput(n).options[0], relatedTo: ["r".repeat(201)] },
          comparisonInput(n).options[1],
        ],
      }),
      ["options.0.relatedTo.0"],
    ],
  ];
  it.each(bad)(
    "refuses %s with a ValidationError at its path",
    async (_label, change, expected) => {
      const optionNames = names("Valid", "Input");
      const before = await snapshot();
      const result = await run(CREATE, {
        input: { ...comparisonInput(optionNames), ...change(optionNames) },
      });
      expect(result.__typename).toBe("ValidationError");
      expect(result.message).toMatch(/^Invalid input/);
      expect(paths(result)).toEqual(expected);
      expect(await snapshot()).toEqual(before);
    },
  );

  it("refuses NUL characters, which Postgres text cannot hold, at their path", async () => {
    const optionNames = names("Nul", "Char");
    const before = await snapshot();
    const input = comparisonInput(optionNames, { intro: "a\u0000b" });
    input.options[1] = {
      ...(input.options[1] as (typeof input.options)[number]),
      pros: ["x\u0000"],
    };
    expect(paths(await run(CREATE, { input }))).toEqual(["intro", "options.1.pros.0"]);
    expect(paths(await run(UPSERT_TOPIC, { input: { slug: "nul-k0", name: "N\u0000" } }))).toEqual([
      "name",
    ]);
    expect(paths(await run(IMPORT, { pages: ["Category\u0000"] }))).toEqual(["pages.0"]);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses lone UTF-16 surrogates, which JSON can spell and Postgres cannot store, at their path", async () => {
    const optionNames = names("Lone", "Half");
    const before = await snapshot();
    const input = comparisonInput(optionNames, { bottomLine: "b\ud800" });
    input.options[0] = {
      ...(input.options[0] as (typeof input.options)[number]),
      cons: ["\udc00x"],
    };
    expect(paths(await run(CREATE, { input }))).toEqual(["bottomLine", "options.0.cons.0"]);
    expect(paths(await run(UPSERT_TOPIC, { input: { slug: "lone-k0", name: "\ud800" } }))).toEqual([
      "name",
    ]);
    expect(paths(await run(IMPORT, { pages: ["Category\ud83d"] }))).toEqual(["pages.0"]);
    expect(await snapshot()).toEqual(before);
    // A pair is a character: not refused.
    expect(
      await run(UPSERT_TOPIC, { input: { slug: "lone-k1", name: "Pair \ud83d\ude00" } }),
    ).toMatchObject({ __typename: "UpsertTopicPayload" });
  });

  it("lists every problem at once", async () => {
    const optionNames = names("Many", "Problems");
    const result = await run(CREATE, {
      input: comparisonInput(optionNames, { category: "", intro: "", pick: "nope" }),
    });
    expect(paths(result)).toEqual(["category", "intro", "pick"]);
    expect(result.message).toBe("Invalid input: 3 problems");
  });

  race("lets exactly one of two concurrent creates of the same comparison win", async () => {
    const optionNames = names("Race", "Create");
    const [first, second] = await Promise.all([
      gql(CREATE, { input: comparisonInput(optionNames, { intro: "First writer." }) }),
      gql(CREATE, { input: comparisonInput(optionNames, { intro: "Second writer." }) }, as.other),
    ]);
    const results = [first, second].map((r) => {
      expect(r.errors).toBeUndefined();
      return r.data?.createComparison;
    });
    expect(results.map((r) => r.__typename).sort()).toEqual([
      "ConflictError",
      "CreateComparisonPayload",
    ]);
    const winner = results.find((r) => r.__typename === "CreateComparisonPayload");
    const stored = await read(winner.comparison.slug);
    expect(stored.intro).toBe(winner.comparison.intro);
    expect(stored.version).toBe(1);
    expect(stored.history.totalCount).toBe(1);
  });
});

describe("importPages", () => {
  function pageText(optionNames: string[], intro = "An imported page.") {
    return renderPage({
      category: "Imported",
      title: optionNames.join(" vs "),
      intro,
      pick: { name: optionNames[0] as string, summary: "The pick." },
      options: optionNames.map((name) => ({
        name,
        summary: `${name} summary.`,
        pros: ["a pro"],
        cons: ["a con"],
        relatedTo: [],
        useIf: null,
      })),
      bottomLine: "The bottom line.",
      feedbackContact: null,
    });
  }

  it("imports new pages, then reports unchanged and updated ones", async () => {
    const one = names("Imp", "Orted");
    const two = names("Imp", "Orted");
    const [slugOne, slugTwo] = [one, two].map((n) => n.map(slug).join("-vs-")) as [string, string];
    const first = await run(IMPORT, { pages: [pageText(one), pageText(two)] });
    expect(first).toMatchObject({
      __typename: "ImportPagesPayload",
      created: [
        { slug: slugOne, version: 1 },
        { slug: slugTwo, version: 1 },
      ],
      updated: [],
      unchanged: [],
      topicsCreated: 4,
    });
    const second = await run(IMPORT, { pages: [pageText(one), pageText(two, "Changed intro.")] });
    expect(second).toMatchObject({
      created: [],
      updated: [{ slug: slugTwo, version: 2 }],
      unchanged: [slugOne],
      topicsCreated: 0,
    });
    expect((await read(slugTwo)).history.nodes).toEqual([
      {
        actor: "editor",
        action: "comparison.import.update",
        summary: "imported a changed page",
        version: 2,
      },
      {
        actor: "editor",
        action: "comparison.import.create",
        summary: "imported a new page",
        version: 1,
      },
    ]);
  });

  it("imports nothing when one page of the batch is bad, naming that page", async () => {
    const good = names("Good", "Page");
    const before = await snapshot();
    const result = await run(IMPORT, {
      pages: [pageText(good), "Category\n\nNot a page at all\n"],
    });
    expect(result.__typename).toBe("ValidationError");
    expect(result.issues.length).toBeGreaterThan(0);
    for (const issue of result.issues) {
      expect(issue.path).toEqual(["pages", "1"]);
      expect(issue.message).toMatch(/^pages\[1\]/);
    }
    expect(await snapshot()).toEqual(before);
    expect(await read(good.map(slug).join("-vs-"))).toBeNull();
  });

  it("refuses an empty batch and a page that is too long", async () => {
    const empty = await run(IMPORT, { pages: [] });
    expect(paths(empty)).toEqual(["pages"]);
    const long = await run(IMPORT, { pages: ["x".repeat(100_001)] });
    expect(paths(long)).toEqual(["pages.0"]);
  });
});

describe("updateComparison", () => {
  it("changes the given fields, bumps the version and updatedAt and logs who did it", async () => {
    const optionNames = names("Upd", "Ate");
    const created = await create(optionNames, { feedbackContact: "old@example.com" });
    const result = await run(UPDATE, {
      input: {
        id: created.id,
        expectedVersion: 1,
        intro: "A new intro.",
        bottomLine: "A new bottom line.",
        feedbackContact: null,
      },
    });
    expect(result.__typename).toBe("UpdateComparisonPayload");
    expect(result.changed).toBe(true);
    const updated = result.comparison;
    expect(updated).toMatchObject({
      id: created.id,
      slug: created.slug,
      version: 2,
      intro: "A new intro.",
      feedbackContact: null,
      category: "Testing",
      verdict: { bottomLine: "A new bottom line.", pick: { name: optionNames[0] } },
    });
    expect(updated.options).toEqual(created.options);
    expect(updated.updatedAt > created.updatedAt).toBe(true);
    const stored = await read(created.slug);
    expect(stored.history.nodes[0]).toEqual({
      actor: "editor",
      action: "comparison.update",
      summary: expect.stringMatching(/^updated /),
      version: 2,
    });
    expect(stored.history.nodes[0].summary.slice(8).split(", ").sort()).toEqual([
      "bottomLine",
      "feedbackContact",
      "intro",
    ]);
  });

  it("changes nothing, not even the version, when the input equals what is stored", async () => {
    const created = await create(names("Same", "Content"));
    const before = await snapshot();
    const result = await run(UPDATE, {
      input: { id: created.id, expectedVersion: 1, intro: created.intro, category: null },
    });
    expect(result).toMatchObject({ changed: false, comparison: { version: 1 } });
    expect(await snapshot()).toEqual(before);
  });

  it("replaces the option list: renames the slug, keeps ids of kept options, moves edges", async () => {
    const [a, b, c] = names("Keep", "Drop", "Add") as [string, string, string];
    const created = await create([a, b]);
    const input = comparisonInput([a, c]);
    const result = await run(UPDATE, {
      input: {
        id: created.id,
        expectedVersion: 1,
        options: input.options,
        pick: c,
      },
    });
    expect(result.__typename).toBe("UpdateComparisonPayload");
    const updated = result.comparison;
    expect(updated.slug).toBe(`${slug(a)}-vs-${slug(c)}`);
    expect(updated.title).toBe(`${a} vs ${c}`);
    expect(updated.version).toBe(2);
    expect(updated.options[0].id).toBe(created.options[0].id);
    expect(updated.options.map((o: any) => [o.name, o.isPick])).toEqual([
      [a, false],
      [c, true],
    ]);
    // The pick summary followed the new pick.
    expect(updated.verdict.pickSummary).toBe(`${c} in a sentence.`);
    expect(await read(created.slug)).toBeNull();
    expect(await edges(slug(a))).toEqual([`COMPARED_WITH BOTH ${slug(c)} 1`]);
    // The dropped option's topic stays, without the edge.
    expect(await edges(slug(b))).toEqual([]);
    expect(await topic(slug(b))).toMatchObject({ slug: slug(b), comparisons: { nodes: [] } });
  });

  it("refuses a stale version with a ConflictError carrying the current version", async () => {
    const created = await create(names("Stale", "Version"));
    await run(UPDATE, { input: { id: created.id, expectedVersion: 1, intro: "Second." } });
    const before = await snapshot();
    const result = await run(UPDATE, {
      input: { id: created.id, expectedVersion: 1, intro: "Lost." },
    });
    expect(result).toMatchObject({
      __typename: "ConflictError",
      currentVersion: 2,
      message: expect.stringContaining("version 2, not 1"),
    });
    expect(await snapshot()).toEqual(before);
    expect((await read(created.slug)).intro).toBe("Second.");
  });

  it("refuses options that give it the slug of another comparison with a ConflictError", async () => {
    const [a, b, c] = names("Taken", "Slug", "Mine") as [string, string, string];
    await create([a, b]);
    const mine = await create([a, c]);
    const before = await snapshot();
    const result = await run(UPDATE, {
      input: { id: mine.id, expectedVersion: 1, options: comparisonInput([a, b]).options },
    });
    expect(result).toMatchObject({
      __typename: "ConflictError",
      message: expect.stringContaining(`${slug(a)}-vs-${slug(b)}`),
    });
    expect(await snapshot()).toEqual(before);
  });

  it("answers NotFoundError for a comparison that does not exist", async () => {
    const result = await run(UPDATE, {
      input: { id: gid("Comparison", 999_999), expectedVersion: 1, intro: "x" },
    });
    expect(result).toMatchObject({
      __typename: "NotFoundError",
      message: "No comparison with id 999999",
    });
  });

  it("validates the merged content, with paths into the input", async () => {
    const optionNames = names("Check", "Merged");
    const created = await create(optionNames);
    const before = await snapshot();
    const onlyOne = await run(UPDATE, {
      input: {
        id: created.id,
        expectedVersion: 1,
        options: comparisonInput(optionNames).options.slice(1),
      },
    });
    expect(paths(onlyOne)).toEqual(["options", "pick"]);
    const badPick = await run(UPDATE, {
      input: { id: created.id, expectedVersion: 1, pick: "Other" },
    });
    expect(paths(badPick)).toEqual(["pick"]);
    const longSlug = await run(UPDATE, {
      input: {
        id: created.id,
        expectedVersion: 1,
        options: [comparisonInput(optionNames).options[0], { name: "#".repeat(150), summary: "s" }],
      },
    });
    expect(paths(longSlug)).toEqual(["options.1.name"]);
    expect(await snapshot()).toEqual(before);
  });

  race("lets exactly one of two concurrent updates at the same version win", async () => {
    const created = await create(names("Race", "Update"));
    const [first, second] = await Promise.all([
      gql(UPDATE, { input: { id: created.id, expectedVersion: 1, intro: "Writer one." } }),
      gql(
        UPDATE,
        { input: { id: created.id, expectedVersion: 1, intro: "Writer two." } },
        as.other,
      ),
    ]);
    const results = [first, second].map((r) => {
      expect(r.errors).toBeUndefined();
      return r.data?.updateComparison;
    });
    expect(results.map((r) => r.__typename).sort()).toEqual([
      "ConflictError",
      "UpdateComparisonPayload",
    ]);
    const winner = results.find((r) => r.__typename === "UpdateComparisonPayload");
    const loser = results.find((r) => r.__typename === "ConflictError");
    expect(loser.currentVersion).toBe(2);
    const stored = await read(created.slug);
    expect(stored.intro).toBe(winner.comparison.intro);
    expect(stored.version).toBe(2);
    expect(stored.history.nodes.map((n: any) => n.action)).toEqual([
      "comparison.update",
      "comparison.create",
    ]);
    expect(stored.history.nodes[0].actor).toBe(
      winner.comparison.intro === "Writer one." ? "editor" : "other",
    );
  });

  race("lets exactly one of a create and an update renaming into the same slug win", async () => {
    const [a, b, c] = names("Race", "Rename", "Target") as [string, string, string];
    const existing = await create([a, b]);
    const [update, created] = await Promise.all([
      gql(UPDATE, {
        input: { id: existing.id, expectedVersion: 1, options: comparisonInput([a, c]).options },
      }),
      gql(CREATE, { input: comparisonInput([a, c], { intro: "Created." }) }, as.other),
    ]);
    const outcome = [
      update.data?.updateComparison.__typename,
      created.data?.createComparison.__typename,
    ];
    expect([
      ["UpdateComparisonPayload", "ConflictError"],
      ["ConflictError", "CreateComparisonPayload"],
    ]).toContainEqual(outcome);
    const stored = await read(`${slug(a)}-vs-${slug(c)}`);
    expect(stored.version).toBe(outcome[0] === "UpdateComparisonPayload" ? 2 : 1);
    expect(stored.id).toBe(
      outcome[0] === "UpdateComparisonPayload"
        ? existing.id
        : created.data?.createComparison.comparison.id,
    );
    expect(stored.history.totalCount).toBe(outcome[0] === "UpdateComparisonPayload" ? 2 : 1);
  });

  race("lets exactly one of an update and a delete at the same version win", async () => {
    const created = await create(names("Race", "Delete"));
    const [update, remove] = await Promise.all([
      gql(UPDATE, { input: { id: created.id, expectedVersion: 1, intro: "Still here?" } }),
      gql(DELETE, { input: { id: created.id, expectedVersion: 1 } }, as.other),
    ]);
    const outcome = [
      update.data?.updateComparison.__typename,
      remove.data?.deleteComparison.__typename,
    ];
    expect([
      ["UpdateComparisonPayload", "ConflictError"],
      ["NotFoundError", "DeleteComparisonPayload"],
    ]).toContainEqual(outcome);
    const stored = await read(created.slug);
    if (outcome[0] === "UpdateComparisonPayload") {
      expect(stored).toMatchObject({ version: 2, intro: "Still here?" });
    } else {
      expect(stored).toBeNull();
    }
  });
});

describe("deleteComparison", () => {
  it("removes the comparison, its options and their edges, and keeps the topics", async () => {
    const [a, b, c] = names("Del", "Ete", "Third") as [string, string, string];
    const tag = `${slug(a)}-tag`;
    const doomed = await create([a, b], {
      options: comparisonInput([a, b]).options.map((o, i) =>
        i === 0 ? { ...o, relatedTo: [tag] } : o,
      ),
    });
    // Another page compares a with b too (and c), so that edge survives with one page less.
    const other = await create([a, b, c]);
    expect(await edges(slug(a))).toEqual([
      `COMPARED_WITH BOTH ${slug(b)} 2`,
      `COMPARED_WITH BOTH ${slug(c)} 1`,
      `RELATED_TO OUT ${tag} 1`,
    ]);
    await run(SET_PICK, {
      input: { comparisonId: other.id, optionId: other.options[2].id, expectedVersion: 1 },
    });
    await run(FEEDBACK, {
      input: { comparisonId: doomed.id, preferredOptionId: doomed.options[1].id },
    });

    const result = await run(DELETE, { input: { id: doomed.id, expectedVersion: 1 } });
    expect(result).toEqual({
      __typename: "DeleteComparisonPayload",
      deletedId: doomed.id,
      slug: doomed.slug,
    });
    expect(await read(doomed.slug)).toBeNull();
    const { data } = await gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: doomed.id });
    expect(data?.node).toBeNull();
    // The topics stay; the edges only this page asserted are gone.
    for (const name of [a, b]) expect((await topic(slug(name)))?.slug).toBe(slug(name));
    expect((await topic(tag))?.slug).toBe(tag);
    expect(await edges(slug(a))).toEqual([
      `COMPARED_WITH BOTH ${slug(b)} 1`,
      `COMPARED_WITH BOTH ${slug(c)} 1`,
    ]);
    expect(await edges(tag)).toEqual([]);
    const [rows] = await selectRows<{ options: number; feedback: number }>(
      database().db,
      sql`SELECT (SELECT count(*)::int FROM options WHERE comparison_id = ${numeric(doomed.id)}) AS options,
                 (SELECT count(*)::int FROM feedback WHERE comparison_id = ${numeric(doomed.id)}) AS feedback`,
    );
    expect(rows).toEqual({ options: 0, feedback: 0 });
    // The other page is untouched.
    expect(await read(other.slug)).toMatchObject({ version: 2 });
    // The change log keeps the delete.
    const log = await selectRows<{ actor: string; action: string; subject: string }>(
      database().db,
      sql`SELECT actor, action, subject FROM changes WHERE subject = ${doomed.slug} ORDER BY id`,
    );
    expect(log.map((r) => r.action)).toEqual(["comparison.create", "comparison.delete"]);
    expect(log[1]?.actor).toBe("editor");
  });

  it("removes a COMPARED_WITH edge when no other page asserts it", async () => {
    const [a, b, c] = names("Lone", "Pair", "Rest") as [string, string, string];
    const doomed = await create([a, b]);
    await create([b, c]);
    await run(DELETE, { input: { id: doomed.id } });
    expect(await edges(slug(a))).toEqual([]);
    expect(await edges(slug(b))).toEqual([`COMPARED_WITH BOTH ${slug(c)} 1`]);
  });

  it("refuses a stale version and an unknown comparison, writing nothing", async () => {
    const created = await create(names("Keep", "Me"));
    await run(UPDATE, { input: { id: created.id, expectedVersion: 1, intro: "v2" } });
    const before = await snapshot();
    const stale = await run(DELETE, { input: { id: created.id, expectedVersion: 1 } });
    expect(stale).toMatchObject({ __typename: "ConflictError", currentVersion: 2 });
    const missing = await run(DELETE, { input: { id: gid("Comparison", 999_999) } });
    expect(missing.__typename).toBe("NotFoundError");
    expect(await snapshot()).toEqual(before);
    await run(DELETE, { input: { id: created.id, expectedVersion: 2 } });
    const again = await run(DELETE, { input: { id: created.id } });
    expect(again.__typename).toBe("NotFoundError");
  });
});

describe("setPick", () => {
  it("refuses a bottom line that would not survive export, writing nothing", async () => {
    const [a, b] = names("Export", "Safe") as [string, string];
    const created = await create([a, b]);
    const before = await snapshot();
    const result = await run(SET_PICK, {
      input: {
        comparisonId: created.id,
        optionId: created.options[1].id,
        expectedVersion: 1,
        bottomLine: "Fine.\n\nDisagree with our pick? x\n\nPros",
      },
    });
    expect(result.__typename).toBe("ValidationError");
    expect(await snapshot()).toEqual(before);
  });

  it("moves the pick, takes the option's summary, bumps the version and logs it", async () => {
    const [a, b] = names("Pick", "Other") as [string, string];
    const created = await create([a, b], { pickSummary: "A custom pick summary." });
    expect(created.verdict.pickSummary).toBe("A custom pick summary.");
    const result = await run(SET_PICK, {
      input: {
        comparisonId: created.id,
        optionId: created.options[1].id,
        expectedVersion: 1,
        bottomLine: "  Now the other one wins.  ",
      },
    });
    expect(result.__typename).toBe("SetPickPayload");
    const updated = result.comparison;
    expect(updated.options.map((o: any) => o.isPick)).toEqual([false, true]);
    expect(updated.verdict).toMatchObject({
      pick: { name: b },
      pickSummary: `${b} in a sentence.`,
      bottomLine: "Now the other one wins.",
    });
    expect(updated.version).toBe(2);
    expect(updated.updatedAt > created.updatedAt).toBe(true);
    const stored = await read(created.slug);
    expect(stored.history.nodes[0]).toEqual({
      actor: "editor",
      action: "comparison.setPick",
      summary: `picked ${b}`,
      version: 2,
    });
    // Without a bottom line the old one stays.
    const back = await run(SET_PICK, {
      input: { comparisonId: created.id, optionId: created.options[0].id, expectedVersion: 2 },
    });
    expect(back.comparison).toMatchObject({
      version: 3,
      verdict: { pick: { name: a }, bottomLine: "Now the other one wins." },
    });
    // Picking the pick again changes nothing: same version, no new history entry.
    const again = await run(SET_PICK, {
      input: { comparisonId: created.id, optionId: created.options[0].id, expectedVersion: 3 },
    });
    expect(again.comparison).toMatchObject({ version: 3, updatedAt: back.comparison.updatedAt });
    expect((await read(created.slug)).history.totalCount).toBe(3);
    // What setPick stored exports as a page an update accepts unchanged.
    const same = await run(UPDATE, { input: { id: created.id, expectedVersion: 3 } });
    expect(same).toMatchObject({ changed: false, comparison: { version: 3 } });
  });

  it("refuses a stale version, an unknown option, another comparison's option and a bad bottom line", async () => {
    const first = await create(names("Pick", "Errors"));
    const second = await create(names("Pick", "Elsewhere"));
    const before = await snapshot();
    const input = (extra: Record<string, unknown>) => ({
      input: {
        comparisonId: first.id,
        optionId: first.options[1].id,
        expectedVersion: 1,
        ...extra,
      },
    });
    expect(await run(SET_PICK, input({ expectedVersion: 7 }))).toMatchObject({
      __typename: "ConflictError",
      currentVersion: 1,
    });
    expect(await run(SET_PICK, input({ optionId: gid("Option", 999_999) }))).toMatchObject({
      __typename: "NotFoundError",
      message: "No option with id 999999",
    });
    expect(await run(SET_PICK, input({ comparisonId: gid("Comparison", 999_999) }))).toMatchObject({
      __typename: "NotFoundError",
    });
    expect(paths(await run(SET_PICK, input({ optionId: second.options[0].id })))).toEqual([
      "optionId",
    ]);
    expect(paths(await run(SET_PICK, input({ bottomLine: " " })))).toEqual(["bottomLine"]);
    expect(paths(await run(SET_PICK, input({ bottomLine: "b".repeat(10_001) })))).toEqual([
      "bottomLine",
    ]);
    expect(await snapshot()).toEqual(before);
  });
});

describe("upsertTopic", () => {
  it("creates a topic, then renames and describes it", async () => {
    const [name] = names("Fresh Topic") as [string];
    const created = await run(UPSERT_TOPIC, {
      input: { slug: slug(name), name, summary: "First." },
    });
    expect(created).toMatchObject({
      __typename: "UpsertTopicPayload",
      created: true,
      topic: { slug: slug(name), name, summary: "First.", provisional: false },
    });
    const renamed = await run(UPSERT_TOPIC, { input: { slug: slug(name), name: "Renamed" } });
    expect(renamed).toMatchObject({
      created: false,
      topic: { name: "Renamed", summary: "First." },
    });
    expect(renamed.topic.updatedAt > created.topic.updatedAt).toBe(true);
    const cleared = await run(UPSERT_TOPIC, {
      input: { slug: slug(name), name: "Renamed", summary: null },
    });
    expect(cleared.topic.summary).toBeNull();
    const log = await selectRows<{ actor: string; action: string }>(
      database().db,
      sql`SELECT actor, action FROM changes WHERE subject = ${slug(name)} ORDER BY id`,
    );
    expect(log).toEqual([
      { actor: "editor", action: "topic.create" },
      { actor: "editor", action: "topic.update" },
      { actor: "editor", action: "topic.update" },
    ]);
  });

  it("names a provisional topic known only from a tag", async () => {
    const [a, b] = names("Tagger", "Peer") as [string, string];
    const tag = `${slug(a)}-concept`;
    await create([a, b], {
      options: comparisonInput([a, b]).options.map((o, i) =>
        i === 0 ? { ...o, relatedTo: [tag] } : o,
      ),
    });
    expect(await topic(tag)).toMatchObject({ provisional: true });
    const result = await run(UPSERT_TOPIC, { input: { slug: tag, name: "A Real Concept" } });
    expect(result).toMatchObject({
      created: false,
      topic: { name: "A Real Concept", provisional: false },
    });
  });

  it.each([
    ["upper case", { slug: "Bad-Slug" }, ["slug"]],
    ["a space", { slug: "bad slug" }, ["slug"]],
    ["a double dash", { slug: "bad--slug" }, ["slug"]],
    ["a trailing dash", { slug: "bad-" }, ["slug"]],
    ["201 characters", { slug: "s".repeat(201) }, ["slug"]],
    ["an empty name", { name: " " }, ["name"]],
    ["a 201-character name", { name: "n".repeat(201) }, ["name"]],
    ["a two-line name", { name: "two\nlines" }, ["name"]],
    ["a 5001-character summary", { summary: "s".repeat(5001) }, ["summary"]],
    ["a bad slug and an empty name", { slug: "!", name: "" }, ["slug", "name"]],
  ])("refuses %s with a ValidationError", async (_label, change, expected) => {
    const before = await snapshot();
    const result = await run(UPSERT_TOPIC, {
      input: { slug: "valid-slug-k0", name: "Valid", ...change },
    });
    expect(result.__typename).toBe("ValidationError");
    expect(paths(result)).toEqual(expected);
    expect(await snapshot()).toEqual(before);
  });
});

describe("mergeTopics", () => {
  it("moves options, tags, editor edges and aliases into the survivor; the old slug resolves to it", async () => {
    const [dup, peer, canon, other, far, near] = names(
      "Dup",
      "Peer",
      "Canon",
      "Other",
      "Far",
      "Near",
    ).map(slug) as [string, string, string, string, string, string];
    const shared = `${dup}-shared`;
    const c1 = await create([dup, peer], {
      options: comparisonInput([dup, peer]).options.map((o, i) =>
        i === 0 ? { ...o, relatedTo: [shared] } : o,
      ),
    });
    const c2 = await create([canon, other], {
      options: comparisonInput([canon, other]).options.map((o, i) =>
        i === 1 ? { ...o, relatedTo: [dup] } : o,
      ),
    });
    for (const s of [far, near]) await run(UPSERT_TOPIC, { input: { slug: s, name: s } });
    await run(LINK, { input: { from: dup, to: far, weight: 4 } });
    await run(LINK, { input: { from: near, to: dup, weight: 2 } });
    // An older alias of the duplicate moves along.
    const [older] = names("Older") as [string];
    await run(UPSERT_TOPIC, { input: { slug: slug(older), name: older } });
    await run(MERGE, { from: slug(older), into: dup });

    const canonBefore = await topic(canon);
    const result = await run(MERGE, { from: dup, into: canon });
    expect(result).toEqual({
      __typename: "MergeTopicsPayload",
      topic: { slug: canon, name: canon, provisional: false },
    });
    expect((await topic(dup))?.slug).toBe(canon);
    expect((await topic(slug(older)))?.slug).toBe(canon);
    expect((await topic(canon)).updatedAt > canonBefore.updatedAt).toBe(true);
    const [count] = await selectRows<{ n: number }>(
      database().db,
      sql`SELECT count(*)::int AS n FROM topics WHERE slug IN (${dup}, ${slug(older)})`,
    );
    expect(count?.n).toBe(0);

    const first = await read(c1.slug);
    expect(first.options[0].topic.slug).toBe(canon);
    expect(first.version).toBe(2);
    expect(first.history.nodes[0]).toEqual({
      actor: "editor",
      action: "comparison.topicMerged",
      summary: `topic ${dup} merged into ${canon}`,
      version: 2,
    });
    // The merged comparison still reads back as the page it is: an empty update changes nothing.
    const unchanged = await run(UPDATE, { input: { id: c1.id, expectedVersion: 2 } });
    expect(unchanged).toMatchObject({ changed: false, comparison: { version: 2 } });
    const second = await read(c2.slug);
    expect(second.options[1].relatedTopics.map((t: any) => t.slug)).toEqual([canon]);
    expect(second.version).toBe(2);
    expect(await edges(canon)).toEqual(
      [
        `COMPARED_WITH BOTH ${other} 1`,
        `COMPARED_WITH BOTH ${peer} 1`,
        `RELATED_TO IN ${near} 2`,
        `RELATED_TO IN ${other} 1`,
        `RELATED_TO OUT ${far} 4`,
        `RELATED_TO OUT ${shared} 1`,
      ].sort(),
    );
    expect(await edges(peer)).toEqual([`COMPARED_WITH BOTH ${canon} 1`]);
    expect((await topic(canon)).comparisons.nodes.map((c: any) => c.slug).sort()).toEqual(
      [c1.slug, c2.slug].sort(),
    );

    // Merging the survivor on carries every former slug with it.
    const [last] = names("Last") as [string];
    await run(UPSERT_TOPIC, { input: { slug: slug(last), name: last } });
    await run(MERGE, { from: canon, into: slug(last) });
    for (const s of [dup, slug(older), canon]) expect((await topic(s))?.slug).toBe(slug(last));
  });

  it("gives a provisional survivor the duplicate's name", async () => {
    const [named, peer, holder] = names("Named", "Peer", "Holder") as [string, string, string];
    const tag = `${slug(named)}-tag`;
    await create([named, peer]);
    await create([holder, peer], {
      options: comparisonInput([holder, peer]).options.map((o, i) =>
        i === 0 ? { ...o, relatedTo: [tag] } : o,
      ),
    });
    const result = await run(MERGE, { from: slug(named), into: tag });
    expect(result.topic).toEqual({ slug: tag, name: named, provisional: false });
  });

  it("keeps one tag when an option was tagged with both topics, and never tags an option with itself", async () => {
    const [a, b, keep, gone, peer] = names("Ta", "Tb", "Keep", "Gone", "Peer") as [
      string,
      string,
      string,
      string,
      string,
    ];
    const both = await create([a, peer], {
      options: comparisonInput([a, peer]).options.map((o, i) =>
        i === 1 ? { ...o, relatedTo: [slug(b), `${slug(b)}-x`] } : o,
      ),
    });
    await create([b, `${peer} 2`]);
    await run(MERGE, { from: `${slug(b)}-x`, into: slug(b) });
    expect((await read(both.slug)).options[1].relatedTopics.map((t: any) => t.slug)).toEqual([
      slug(b),
    ]);

    // keep is tagged with gone; once gone is keep, the tag would point at the option itself.
    const tagged = await create([keep, peer], {
      options: comparisonInput([keep, peer]).options.map((o, i) =>
        i === 0 ? { ...o, relatedTo: [slug(gone)] } : o,
      ),
    });
    await create([gone, `${peer} 3`]);
    await run(MERGE, { from: slug(gone), into: slug(keep) });
    const after = await read(tagged.slug);
    expect(after.options[0].relatedTopics).toEqual([]);
    // The comparison still reads back as a page that an update accepts.
    const update = await run(UPDATE, {
      input: { id: tagged.id, expectedVersion: after.version, intro: "Still editable." },
    });
    expect(update.__typename).toBe("UpdateComparisonPayload");
  });

  it("refuses a merge into itself, of two options of one comparison, and of unknown topics", async () => {
    const [a, b, c] = names("Ma", "Mb", "Mc") as [string, string, string];
    const created = await create([a, b]);
    await run(UPSERT_TOPIC, { input: { slug: slug(c), name: c } });
    await run(MERGE, { from: slug(c), into: slug(a) });
    const before = await snapshot();
    expect(paths(await run(MERGE, { from: slug(a), into: slug(a) }))).toEqual(["from"]);
    // c is now a former slug of a: still the same topic.
    expect(paths(await run(MERGE, { from: slug(c), into: slug(a) }))).toEqual(["from"]);
    const clash = await run(MERGE, { from: slug(a), into: slug(b) });
    expect(paths(clash)).toEqual(["from"]);
    expect(clash.issues[0].message).toContain(created.slug);
    expect(await run(MERGE, { from: "no-such-topic-k0", into: slug(a) })).toMatchObject({
      __typename: "NotFoundError",
      message: 'No topic (from) "no-such-topic-k0"',
    });
    expect(await run(MERGE, { from: slug(a), into: "no-such-topic-k0" })).toMatchObject({
      __typename: "NotFoundError",
      message: 'No topic (into) "no-such-topic-k0"',
    });
    expect(await snapshot()).toEqual(before);
  });
});

describe("linkTopics and unlinkTopics", () => {
  async function twoTopics() {
    const [a, b] = names("Link From", "Link To").map(slug) as [string, string];
    for (const s of [a, b]) await run(UPSERT_TOPIC, { input: { slug: s, name: s } });
    return [a, b] as const;
  }

  it("adds a weighted RELATED_TO edge, reweights it and removes it", async () => {
    const [a, b] = await twoTopics();
    const linked = await run(LINK, { input: { from: a, to: b, weight: 2.5 } });
    expect(linked).toEqual({
      __typename: "LinkTopicsPayload",
      from: { slug: a },
      to: { slug: b },
      weight: 2.5,
    });
    expect(await edges(a)).toEqual([`RELATED_TO OUT ${b} 2.5`]);
    expect(await edges(b)).toEqual([`RELATED_TO IN ${a} 2.5`]);
    await run(LINK, { input: { from: a, to: b, weight: 1_000_000 } });
    expect(await edges(a)).toEqual([`RELATED_TO OUT ${b} 1000000`]);
    await run(LINK, { input: { from: a, to: b } });
    expect(await edges(a)).toEqual([`RELATED_TO OUT ${b} 1`]);
    const unlinked = await run(UNLINK, { input: { from: a, to: b } });
    expect(unlinked).toEqual({
      __typename: "UnlinkTopicsPayload",
      from: { slug: a },
      to: { slug: b },
      weight: null,
    });
    expect(await edges(a)).toEqual([]);
    const log = await selectRows<{ actor: string; action: string }>(
      database().db,
      sql`SELECT actor, action FROM changes WHERE subject = ${a} AND action LIKE 'topic.%link' ORDER BY id`,
    );
    expect(log.map((r) => r.action)).toEqual([
      "topic.link",
      "topic.link",
      "topic.link",
      "topic.unlink",
    ]);
  });

  it("takes over an edge that pages assert, and refuses to remove it", async () => {
    const [a, b] = names("Paged", "Peer") as [string, string];
    const tag = `${slug(a)}-tag`;
    await create([a, b], {
      options: comparisonInput([a, b]).options.map((o, i) =>
        i === 0 ? { ...o, relatedTo: [tag] } : o,
      ),
    });
    await run(LINK, { input: { from: slug(a), to: tag, weight: 9 } });
    expect(await edges(slug(a))).toContain(`RELATED_TO OUT ${tag} 9`);
    const before = await snapshot();
    const refused = await run(UNLINK, { input: { from: slug(a), to: tag } });
    expect(paths(refused)).toEqual(["to"]);
    expect(refused.issues[0].message).toContain(`${slug(a)}-vs-${slug(b)}`);
    expect(await snapshot()).toEqual(before);
  });

  it("follows former slugs, and refuses a loop through one", async () => {
    const [a, b] = await twoTopics();
    const [alias] = names("Alias").map(slug) as [string];
    await run(UPSERT_TOPIC, { input: { slug: alias, name: alias } });
    await run(MERGE, { from: alias, into: b });
    expect(await run(LINK, { input: { from: a, to: alias, weight: 3 } })).toMatchObject({
      to: { slug: b },
    });
    expect(await edges(a)).toEqual([`RELATED_TO OUT ${b} 3`]);
    const loop = await run(LINK, { input: { from: b, to: alias } });
    expect(paths(loop)).toEqual(["to"]);
  });

  it.each([
    ["a self-loop", { to: "same-k0", from: "same-k0" }, ["to"]],
    ["weight 0", { weight: 0 }, ["weight"]],
    ["a negative weight", { weight: -1 }, ["weight"]],
    ["a weight above 1000000", { weight: 1_000_000.5 }, ["weight"]],
    ["a malformed slug", { from: "Not A Slug" }, ["from"]],
  ])("refuses %s with a ValidationError", async (_label, change, expected) => {
    const before = await snapshot();
    const result = await run(LINK, { input: { from: "x-k0", to: "y-k0", weight: 1, ...change } });
    expect(result.__typename).toBe("ValidationError");
    expect(paths(result)).toEqual(expected);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses NaN and Infinity before any resolver runs", async () => {
    const before = await snapshot();
    for (const weight of ["NaN", "Infinity"]) {
      const { data, errors } = await gql(
        `mutation ($w: Float) { linkTopics(input: { from: "x-k0", to: "y-k0", weight: $w }) { __typename } }`,
        { w: weight },
      );
      expect(data ?? null).toBeNull();
      expect(errors?.[0]?.message).toMatch(/Float cannot represent/);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("answers NotFoundError for unknown topics and a missing edge", async () => {
    const [a, b] = await twoTopics();
    expect(await run(LINK, { input: { from: a, to: "nowhere-k0" } })).toMatchObject({
      __typename: "NotFoundError",
      message: 'No topic (to) "nowhere-k0"',
    });
    expect(await run(UNLINK, { input: { from: "nowhere-k0", to: b } })).toMatchObject({
      __typename: "NotFoundError",
      message: 'No topic (from) "nowhere-k0"',
    });
    expect(await run(UNLINK, { input: { from: a, to: b } })).toMatchObject({
      __typename: "NotFoundError",
      message: `No RELATED_TO edge ${a} → ${b}`,
    });
    expect(paths(await run(UNLINK, { input: { from: a, to: a } }))).toEqual(["to"]);
  });
});

describe("submitFeedback and Comparison.feedback", () => {
  it("counts feedback per option, with or without a token", async () => {
    const created = await create(names("Feed", "Back", "More"));
    const [a, b] = created.options.map((o: any) => o.id);
    const send = (option: string, comment?: string, headers: Record<string, string> = {}) =>
      run(
        FEEDBACK,
        { input: { comparisonId: created.id, preferredOptionId: option, comment } },
        headers,
      );
    await send(a);
    await send(b, "I prefer this one.");
    await send(b, "c".repeat(2000), as.editor);
    const last = await send(b, undefined, { authorization: "Bearer not-a-token" });
    expect(last).toEqual({
      __typename: "SubmitFeedbackPayload",
      comparison: {
        feedback: {
          total: 4,
          agree: 1,
          byOption: [
            { option: { name: created.options[0].name }, count: 1 },
            { option: { name: created.options[1].name }, count: 3 },
            { option: { name: created.options[2].name }, count: 0 },
          ],
        },
      },
    });
    // Feedback changes nothing about the comparison itself.
    expect(await read(created.slug)).toMatchObject({ version: 1, updatedAt: created.updatedAt });
  });

  it("refuses a long comment, an unknown comparison or option, and another comparison's option", async () => {
    const first = await create(names("Feed", "Errors"));
    const second = await create(names("Feed", "Other"));
    const before = await snapshot();
    const send = (extra: Record<string, unknown>) =>
      run(
        FEEDBACK,
        { input: { comparisonId: first.id, preferredOptionId: first.options[0].id, ...extra } },
        {},
      );
    expect(paths(await send({ comment: "c".repeat(2001) }))).toEqual(["comment"]);
    expect(paths(await send({ comment: "  " }))).toEqual(["comment"]);
    expect(paths(await send({ comment: "nul \u0000" }))).toEqual(["comment"]);
    expect(paths(await send({ comment: "half \udbff" }))).toEqual(["comment"]);
    // Characters, not UTF-16 units: 2001 emoji are too many, 2000 are fine (below).
    expect(paths(await send({ comment: "😀".repeat(2001) }))).toEqual(["comment"]);
    expect(await send({ comparisonId: gid("Comparison", 999_999) })).toMatchObject({
      __typename: "NotFoundError",
    });
    expect(await send({ preferredOptionId: gid("Option", 999_999) })).toMatchObject({
      __typename: "NotFoundError",
    });
    expect(paths(await send({ preferredOptionId: second.options[0].id }))).toEqual([
      "preferredOptionId",
    ]);
    expect(await snapshot()).toEqual(before);
    expect((await send({ comment: "😀".repeat(2000) })).__typename).toBe("SubmitFeedbackPayload");
  });
});

describe("Comparison.history", () => {
  it("lists who changed what, newest first, in pages", async () => {
    const created = await create(names("His", "Tory"));
    for (let version = 1; version <= 4; version++) {
      await run(
        UPDATE,
        { input: { id: created.id, expectedVersion: version, intro: `Intro ${version + 1}.` } },
        version % 2 ? as.other : as.editor,
      );
    }
    const page = async (after: string | null) => {
      const { data, errors } = await gql(
        `query ($slug: String!, $after: String) { comparison(slug: $slug) {
            history(first: 2, after: $after) {
              totalCount pageInfo { hasNextPage endCursor } nodes { actor action version at } } } }`,
        { slug: created.slug, after },
      );
      expect(errors).toBeUndefined();
      return data?.comparison.history;
    };
    const seen: any[] = [];
    let after: string | null = null;
    for (;;) {
      const history: any = await page(after);
      expect(history.totalCount).toBe(5);
      seen.push(...history.nodes);
      if (!history.pageInfo.hasNextPage) break;
      after = history.pageInfo.endCursor;
    }
    expect(seen.map((n) => [n.version, n.actor, n.action])).toEqual([
      [5, "editor", "comparison.update"],
      [4, "other", "comparison.update"],
      [3, "editor", "comparison.update"],
      [2, "other", "comparison.update"],
      [1, "editor", "comparison.create"],
    ]);
    const times = seen.map((n) => n.at);
    expect(times).toEqual([...times].sort().reverse());
    const { errors } = await gql(
      `query ($slug: String!) { comparison(slug: $slug) { history(first: 101) { nodes { actor } } } }`,
      { slug: created.slug },
    );
    expect(errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("a failing statement in the middle of a write", () => {
  function expectMasked(response: Awaited<ReturnType<typeof gql>>) {
    expect(response.data ?? null).toBeNull();
    expect(response.errors).toHaveLength(1);
    expect(response.errors?.[0]).toMatchObject({
      message: "Unexpected error.",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    expect(JSON.stringify(response)).not.toMatch(/sabotage/);
  }

  it("rolls back an update that already renamed the slug and rewrote the options", async () => {
    const [a, b, c] = names("Mid", "Way", "New") as [string, string, string];
    const created = await create([a, b], {
      options: comparisonInput([a, b]).options.map((o, i) =>
        i === 0 ? { ...o, relatedTo: [`${slug(a)}-fine`] } : o,
      ),
    });
    const before = await snapshot();
    database().resetStatements();
    const response = await gql(UPDATE, {
      input: {
        id: created.id,
        expectedVersion: 1,
        intro: "Never stored.",
        options: [
          { name: a, summary: "changed", relatedTo: [`sabotaged-tag-${slug(a)}`] },
          { name: c, summary: "new" },
        ],
        pick: c,
      },
    });
    expectMasked(response);
    // The statements before the failing one did run: the transaction undid them.
    const sent = database().statements.join("\n");
    for (const statement of [
      "UPDATE comparisons SET slug",
      "INSERT INTO topics",
      "DELETE FROM options",
      "INSERT INTO options",
      "INSERT INTO option_tags",
    ]) {
      expect(sent).toContain(statement);
    }
    expect(sent).not.toContain("INSERT INTO changes");
    expect(await snapshot()).toEqual(before);
    const stored = await read(created.slug);
    expect(stored).toMatchObject({
      version: 1,
      intro: created.intro,
      updatedAt: created.updatedAt,
    });
    expect(stored.options).toEqual(created.options);
    expect(await topic(`sabotaged-tag-${slug(a)}`)).toBeNull();
    expect(await topic(slug(c))).toBeNull();
  });

  it("rolls back a merge that already moved options, tags and edges", async () => {
    const [a, b, c] = names("Merge", "Mid", "Peer") as [string, string, string];
    const from = `sabotaged-alias-${slug(a)}`;
    await create([from, c]);
    await create([b, `${c} 2`], {
      options: comparisonInput([b, `${c} 2`]).options.map((o, i) =>
        i === 1 ? { ...o, relatedTo: [from] } : o,
      ),
    });
    await run(LINK, { input: { from, to: slug(c), weight: 5 } });
    const before = await snapshot();
    database().resetStatements();
    expectMasked(await gql(MERGE, { from, into: slug(b) }));
    const sent = database().statements.join("\n");
    expect(sent).toContain("UPDATE options SET topic_id");
    expect(sent).toContain("DELETE FROM topics");
    expect(await snapshot()).toEqual(before);
    expect((await topic(from))?.slug).toBe(from);
  });

  // The saboteur's change-log row, the last statement of every write, fails.
  const writes: [string, () => Promise<[string, Record<string, unknown>]>][] = [
    [
      "importPages",
      async () => [
        IMPORT,
        {
          pages: [
            renderPage({
              category: "C",
              title: "Sab One vs Sab Two",
              intro: "i",
              pick: { name: "Sab One", summary: "s" },
              options: ["Sab One", "Sab Two"].map((name) => ({
                name,
                summary: "s",
                pros: [],
                cons: [],
                relatedTo: [],
                useIf: null,
              })),
              bottomLine: "b",
              feedbackContact: null,
            }),
          ],
        },
      ],
    ],
    ["createComparison", async () => [CREATE, { input: comparisonInput(names("Sab", "Create")) }]],
    [
      "updateComparison",
      async () => {
        const c = await create(names("Sab", "Update"));
        const renamed = names("Sab", "Renamed");
        return [
          UPDATE,
          {
            input: {
              id: c.id,
              expectedVersion: 1,
              options: comparisonInput(renamed).options,
              pick: renamed[0],
            },
          },
        ];
      },
    ],
    [
      "deleteComparison",
      async () => {
        const c = await create(names("Sab", "Delete"));
        return [DELETE, { input: { id: c.id } }];
      },
    ],
    [
      "setPick",
      async () => {
        const c = await create(names("Sab", "Pick"));
        return [
          SET_PICK,
          { input: { comparisonId: c.id, optionId: c.options[1].id, expectedVersion: 1 } },
        ];
      },
    ],
    ["upsertTopic", async () => [UPSERT_TOPIC, { input: { slug: "sab-topic-k0", name: "Sab" } }]],
    [
      "mergeTopics",
      async () => {
        const [a, b] = names("Sab", "Merge").map(slug) as [string, string];
        for (const s of [a, b]) await run(UPSERT_TOPIC, { input: { slug: s, name: s } });
        return [MERGE, { from: a, into: b }];
      },
    ],
    [
      "linkTopics",
      async () => {
        const [a, b] = names("Sab", "Link").map(slug) as [string, string];
        for (const s of [a, b]) await run(UPSERT_TOPIC, { input: { slug: s, name: s } });
        return [LINK, { input: { from: a, to: b, weight: 2 } }];
      },
    ],
    [
      "unlinkTopics",
      async () => {
        const [a, b] = names("Sab", "Unlink").map(slug) as [string, string];
        for (const s of [a, b]) await run(UPSERT_TOPIC, { input: { slug: s, name: s } });
        await run(LINK, { input: { from: a, to: b, weight: 2 } });
        return [UNLINK, { input: { from: a, to: b } }];
      },
    ],
  ];
  it.each(writes)("rolls back %s when its last statement fails", async (_name, setup) => {
    const [query, variables] = await setup();
    const before = await snapshot();
    expectMasked(await gql(query, variables, as.saboteur));
    expect(await snapshot()).toEqual(before);
  });
});

describe("Topic.history", () => {
  it("lists the topic's writes, newest first, with who made them", async () => {
    const [a, b] = names("Historic", "Survivor");
    const upsert = `mutation ($slug: String!, $name: String!) {
      upsertTopic(input: { slug: $slug, name: $name }) { __typename } }`;
    await gql(upsert, { slug: slug(a as string), name: a });
    await gql(upsert, { slug: slug(b as string), name: b }, as.other);
    await gql(upsert, { slug: slug(b as string), name: `${b} Renamed` });
    await gql(
      `mutation ($from: String!, $into: String!) { mergeTopics(input: { from: $from, into: $into }) { __typename } }`,
      { from: slug(a as string), into: slug(b as string) },
    );
    const { data, errors } = await gql(
      `query ($slug: String!) { topic(slug: $slug) {
          history(first: 2) { totalCount nodes { actor action } pageInfo { hasNextPage } } } }`,
      { slug: slug(b as string) },
    );
    expect(errors).toBeUndefined();
    expect(data?.topic.history.totalCount).toBe(4);
    expect(data?.topic.history.nodes).toEqual([
      { actor: "editor", action: "topic.merge" },
      { actor: "editor", action: "topic.update" },
    ]);
    expect(data?.topic.history.pageInfo.hasNextPage).toBe(true);
  });
});

describe("writing pages that name merged-away topics", () => {
  it("refuses two options that became one topic, and folds tags that became one", async () => {
    const [one, two, alpha, beta] = names("Zeta One", "Zeta Two", "Alpha", "Beta");
    const upsert = `mutation ($slug: String!, $name: String!) {
      upsertTopic(input: { slug: $slug, name: $name }) { __typename } }`;
    await gql(upsert, { slug: slug(one as string), name: one });
    await gql(upsert, { slug: slug(two as string), name: two });
    await gql(
      `mutation ($from: String!, $into: String!) { mergeTopics(input: { from: $from, into: $into }) { __typename } }`,
      { from: slug(one as string), into: slug(two as string) },
    );
    const create = `mutation ($input: CreateComparisonInput!) { createComparison(input: $input) {
      ${RESULT} ... on CreateComparisonPayload { comparison { options { relatedTopics { slug } } } } } }`;
    const before = await snapshot();
    const refused = await gql(create, {
      input: {
        category: "Test",
        intro: "Which?",
        options: [
          { name: one, summary: "First." },
          { name: two, summary: "Second." },
        ],
        pick: one,
        bottomLine: "Either.",
      },
    });
    expect(refused.data?.createComparison.__typename).toBe("ValidationError");
    expect(refused.data?.createComparison.issues[0].message).toMatch(/are one topic/);
    expect(await snapshot()).toEqual(before);

    const folded = await gql(create, {
      input: {
        category: "Test",
        intro: "Which?",
        options: [
          { name: alpha, summary: "First.", relatedTo: [slug(one as string), slug(two as string)] },
          { name: beta, summary: "Second." },
        ],
        pick: alpha,
        bottomLine: "Either.",
      },
    });
    expect(folded.data?.createComparison.__typename).toBe("CreateComparisonPayload");
    expect(folded.data?.createComparison.comparison.options[0].relatedTopics).toEqual([
      { slug: slug(two as string) },
    ]);
  });
});
