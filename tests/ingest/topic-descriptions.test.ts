import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { PageFormatError } from "../../src/ingest/page.ts";
import { parseTopicDescriptions } from "../../src/ingest/parse-topics.ts";
import { readPageFiles, readTopicFiles } from "../../src/ingest/read-pages.ts";
import { snapshotTables, useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";
import { pageText, removeFolder, writeFolder } from "../helpers/pages.ts";

const GOOD = fileURLToPath(new URL("../fixtures/topics/good", import.meta.url));
const BAD = fileURLToPath(new URL("../fixtures/topics/bad", import.meta.url));

function issuesOf(texts: { text: string; source: string }[]): string[] {
  try {
    parseTopicDescriptions(texts);
  } catch (error) {
    if (error instanceof PageFormatError) return error.message.split("\n");
    throw error;
  }
  throw new Error("expected the descriptions to be refused");
}

async function badFile(name: string): Promise<string[]> {
  return issuesOf([{ text: await readFile(join(BAD, name), "utf8"), source: name }]);
}

describe("parseTopicDescriptions", () => {
  it("reads names, slugs, aliases and summaries joined with single spaces", async () => {
    const texts = await readTopicFiles([GOOD]);
    expect(texts).toHaveLength(1);
    const parsed = parseTopicDescriptions(texts);
    expect(parsed.map(({ source: _source, ...d }) => d)).toEqual([
      {
        line: 3,
        slug: "career-development",
        name: "Career Development",
        summary:
          "Growing skills, scope and pay over a working life, through roles, projects and the people who help along the way.",
        aliases: [],
      },
      {
        line: 8,
        slug: "devops",
        name: "DevOps",
        summary:
          "A culture and set of practices that joins software development and operations so that teams build, ship and run their own services.",
        aliases: [
          { slug: "dev-ops", line: 9 },
          { slug: "devops-culture", line: 9 },
        ],
      },
      {
        line: 13,
        slug: "engineering-management",
        name: "Engineering Management",
        summary:
          "Leading the people who build software: hiring, growth, delivery and the health of a team.",
        aliases: [
          { slug: "people-management", line: 14 },
          { slug: "engineering-manager", line: 14 },
        ],
      },
    ]);
  });

  it("tolerates CRLF, a byte-order mark and trailing spaces", () => {
    const text = "\uFEFFTopic: Kanban  \r\nSummary: A pull system \r\n for work.\r\n";
    expect(parseTopicDescriptions([{ text, source: "k.topics" }])).toMatchObject([
      { slug: "kanban", name: "Kanban", summary: "A pull system for work." },
    ]);
  });

  it("refuses every kind of bad file with file:line and what was expected", async () => {
    expect(await badFile("unknown-key.topics")).toEqual([
      'unknown-key.topics:2: unknown key "Colour:" (expected Topic:, Aliases: or Summary:)',
    ]);
    expect(await badFile("no-topic.topics")).toEqual([
      "no-topic.topics:1: expected `Topic: <name>` as the first line of a block",
    ]);
    expect(await badFile("no-summary.topics")).toEqual([
      "no-summary.topics:1: expected a `Summary:` line in this block",
    ]);
    expect(await badFile("duplicate-topic.topics")).toEqual([
      'duplicate-topic.topics:4: topic "one" is already described at duplicate-topic.topics:1',
    ]);
    expect(await badFile("alias-is-topic.topics")).toEqual([
      'alias-is-topic.topics:2: the alias "two" is a described topic (alias-is-topic.topics:5); an alias names no topic of its own',
    ]);
    expect(await badFile("duplicate-alias.topics")).toEqual([
      'duplicate-alias.topics:6: the alias "shared" is already an alias at duplicate-alias.topics:2',
    ]);
    expect(await badFile("empty-topic.topics")).toEqual([
      'empty-topic.topics:1: expected a value after "Topic:"',
    ]);
    expect(await badFile("empty-summary.topics")).toEqual([
      "empty-summary.topics:1: expected text after Summary:",
    ]);
    expect(await badFile("bad-aliases.topics")).toEqual([
      'bad-aliases.topics:2: the alias "Not A Slug" is not a slug (lower-case letters and digits joined by single dashes, at most 200 characters)',
      "bad-aliases.topics:2: expected a slug between every two commas of Aliases:",
    ]);
    expect(await badFile("too-long.topics")).toEqual([
      "too-long.topics:1: the name is 201 characters (at most 200)",
      "too-long.topics:2: the summary is 5001 characters (at most 5000)",
    ]);
    expect(await badFile("key-after-summary.topics")).toEqual([
      'key-after-summary.topics:3: "Aliases:" after Summary: (the summary runs to the end of the block; put Aliases: before it)',
    ]);
  });

  it("checks duplicates across files", () => {
    expect(
      issuesOf([
        { text: "Topic: Scrum\nSummary: One.\n", source: "a.topics" },
        { text: "Topic: Kanban\nAliases: scrum\nSummary: Two.\n", source: "b.topics" },
        { text: "Topic: SCRUM\nSummary: Three.\n", source: "c.topics" },
      ]),
    ).toEqual([
      'c.topics:1: topic "scrum" is already described at a.topics:1',
      'b.topics:2: the alias "scrum" is a described topic (a.topics:1); an alias names no topic of its own',
    ]);
  });

  it("is never read as a page, and pages are never read as descriptions", async () => {
    const folder = await writeFolder({
      "a.topics": "Topic: Scrum\nSummary: One.\n",
      "b.txt": pageText({ options: ["Scrum", "Kanban"] }),
    });
    try {
      expect((await readPageFiles([folder])).map((p) => p.source)).toEqual([join(folder, "b.txt")]);
      expect((await readTopicFiles([folder])).map((p) => p.source)).toEqual([
        join(folder, "a.topics"),
      ]);
    } finally {
      await removeFolder(folder);
    }
  });
});

describe("seeding descriptions with pages", () => {
  const database = useTestDatabase();
  let app: App;
  const folders: string[] = [];
  afterAll(async () => {
    for (const folder of folders) await removeFolder(folder);
  });
  beforeEach(async () => {
    await database().truncate();
    app = createApp({ database: database(), logErrors: false });
  });
  const corpus = async (files: Record<string, string>) => {
    const folder = await writeFolder(files);
    folders.push(folder);
    return folder;
  };
  const TOPICS = `Topic: DevOps
Aliases: dev-ops
Summary: Teams that build, ship and run their own services.

Topic: Management Track
Summary: The path of leading people rather than building systems.
`;
  const PAGES = {
    "a.txt": pageText({
      options: ["Individual Contributor Model", "Management Track"],
      tags: {
        "Individual Contributor Model": ["career-development"],
        "Management Track": ["dev-ops"],
      },
    }),
    "b.txt": pageText({ options: ["Terraform", "Pulumi"], tags: { Terraform: ["devops"] } }),
  };
  const TOPIC = `query ($slug: String!) { topic(slug: $slug) { slug name summary provisional
    comparisons { nodes { slug } } } }`;

  it("names and describes topics, resolves aliases, and keeps option summaries on options", async () => {
    const folder = await corpus({ "careers.topics": TOPICS, ...PAGES });
    const result = await seedDatabase(database().db, folder);
    expect(result.descriptions).toMatchObject({
      created: ["devops", "management-track"],
      aliasesAdded: ["dev-ops"],
    });
    const devops = await graphql(app, TOPIC, { slug: "dev-ops" });
    expect(devops.data?.topic).toEqual({
      slug: "devops",
      name: "DevOps",
      summary: "Teams that build, ship and run their own services.",
      provisional: false,
      comparisons: {
        nodes: [
          { slug: "individual-contributor-model-vs-management-track" },
          { slug: "terraform-vs-pulumi" },
        ],
      },
    });
    // A described option topic keeps the description; an undescribed one has no summary.
    const track = await graphql(app, TOPIC, { slug: "management-track" });
    expect(track.data?.topic).toMatchObject({
      name: "Management Track",
      summary: "The path of leading people rather than building systems.",
    });
    const ic = await graphql(app, TOPIC, { slug: "individual-contributor-model" });
    expect(ic.data?.topic).toMatchObject({ name: "Individual Contributor Model", summary: null });
    const option = await graphql(
      app,
      `{ comparison(slug: "individual-contributor-model-vs-management-track") { options { summary } } }`,
    );
    expect(option.data?.comparison.options[1].summary).toBe(
      "Management Track is one of the options weighed here.",
    );
    // Undescribed tags keep their slug-derived name and stay provisional.
    const tag = await graphql(app, TOPIC, { slug: "career-development" });
    expect(tag.data?.topic).toMatchObject({ name: "Career Development", provisional: true });
  });

  it("is idempotent: seeding again writes nothing and no history", async () => {
    const folder = await corpus({ "careers.topics": TOPICS, ...PAGES });
    await seedDatabase(database().db, folder);
    const before = await snapshotTables(database().db);
    const again = await seedDatabase(database().db, folder);
    expect(again.descriptions).toMatchObject({ created: [], updated: [], aliasesAdded: [] });
    expect(again.unchanged).toHaveLength(2);
    expect(await snapshotTables(database().db)).toEqual(before);
  });

  it("folds an alias that was a tag-only topic into the described topic", async () => {
    const pagesOnly = await corpus(PAGES);
    await seedDatabase(database().db, pagesOnly);
    const [split] = await selectRows<{ n: number }>(
      database().db,
      sql`SELECT count(*)::int AS n FROM topics WHERE slug IN ('devops', 'dev-ops')`,
    );
    expect(split?.n).toBe(2);
    const withTopics = await corpus({ "careers.topics": TOPICS, ...PAGES });
    const result = await seedDatabase(database().db, withTopics);
    expect(result.descriptions.folded).toEqual(["dev-ops"]);
    expect(result.unchanged).toHaveLength(2);
    const devops = await graphql(
      app,
      `{ topic(slug: "devops") { related(kinds: [RELATED_TO], direction: IN) { edges { weight node { slug } } } } }`,
    );
    expect(devops.data?.topic.related.edges).toEqual([
      { weight: 1, node: { slug: "management-track" } },
      { weight: 1, node: { slug: "terraform" } },
    ]);
    const before = await snapshotTables(database().db);
    await seedDatabase(database().db, withTopics);
    expect(await snapshotTables(database().db)).toEqual(before);
  });

  it("refuses an alias that is an option, in the batch or stored, and writes nothing", async () => {
    const inBatch = await corpus({
      "x.topics": "Topic: Platform\nAliases: terraform\nSummary: Shared tooling.\n",
      ...PAGES,
    });
    await expect(seedDatabase(database().db, inBatch)).rejects.toThrow(
      /x\.topics:2: the alias "terraform" of "platform" is an option of the page .*b\.txt/,
    );
    expect((await snapshotTables(database().db)).topics?.rows).toBe(0);
    await seedDatabase(database().db, await corpus(PAGES));
    const stored = await corpus({
      "x.topics": "Topic: Platform\nAliases: pulumi\nSummary: Shared tooling.\n",
    });
    await expect(seedDatabase(database().db, stored)).rejects.toThrow(
      'x.topics:2: the alias "pulumi" of "platform" is an option of a stored page',
    );
  });
});
