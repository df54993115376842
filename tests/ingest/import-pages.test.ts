import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../../src/app.ts";
import { type Db, selectRows } from "../../src/db/client.ts";
import { mergeTopics, upsertTopic } from "../../src/editing/topics.ts";
import { exportAllComparisons } from "../../src/ingest/export-pages.ts";
import { importPages } from "../../src/ingest/import-pages.ts";
import { type Page, PageFormatError } from "../../src/ingest/page.ts";
import { parsePages } from "../../src/ingest/parse-page.ts";
import { parseTopicDescriptions } from "../../src/ingest/parse-topics.ts";
import { type PageText, readPageFiles, readTopicFiles } from "../../src/ingest/read-pages.ts";
import { renderPage } from "../../src/ingest/render-page.ts";
import { SEEDS_FOLDER } from "../../src/ingest/seed.ts";
import { comparisonSlug, slugify } from "../../src/ingest/slug.ts";
import {
  createTestDatabase,
  race,
  type TestDatabase,
  useTestDatabase,
} from "../helpers/database.ts";
import { createAppWithoutCostLimit, graphql } from "../helpers/graphql.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/pages", import.meta.url));
const BAD_FIXTURES = fileURLToPath(new URL("../fixtures/bad-pages", import.meta.url));

const database = useTestDatabase();
let app: App;

beforeAll(() => {
  app = createAppWithoutCostLimit(database());
});

beforeEach(async () => {
  await database().truncate();
});

// ---------------------------------------------------------------------------------------------
// Pages built in code, rendered to text and parsed back: what a user's file would give.

interface OptionSpec {
  name: string;
  tags?: string[];
  pros?: string[];
  cons?: string[];
  summary?: string;
  useIf?: string | null;
}

type PageSpec = Partial<Omit<Page, "source" | "options" | "title" | "pick">> & { pick?: string };

function makePage(options: OptionSpec[], spec: PageSpec = {}): Omit<Page, "source"> {
  const { pick: pickName = options[0]?.name ?? "", ...rest } = spec;
  const built = options.map((o) => ({
    name: o.name,
    summary: o.summary ?? `${o.name} suits teams that already know it well.`,
    pros: o.pros ?? [`${o.name} is well understood`],
    cons: o.cons ?? [`${o.name} has its own costs`],
    relatedTo: o.tags ?? [],
    useIf: o.useIf === undefined ? `You already run ${o.name} today.` : o.useIf,
  }));
  const pick = built.find((o) => o.name === pickName);
  if (pick === undefined) throw new Error(`the pick ${pickName} is not an option`);
  return {
    category: "Testing",
    title: built.map((o) => o.name).join(" vs "),
    intro: "Teams keep asking which of these to choose. Here is our take.",
    pick: { name: pick.name, summary: pick.summary },
    options: built,
    bottomLine: `${pick.name} is the safer default for most teams.`,
    feedbackContact: "tests@pickgraph.dev",
    ...rest,
  };
}

function texts(pages: Omit<Page, "source">[], folder = "pages"): PageText[] {
  return pages.map((page) => ({
    text: renderPage(page),
    source: `${folder}/${comparisonSlug(page.options.map((o) => o.name))}.txt`,
  }));
}

/** What the CLI does with files: parse them all, then import them in one batch. */
async function load(db: Db, inputs: PageText[]) {
  return importPages(db, parsePages(inputs));
}

function loadPages(db: Db, pages: Omit<Page, "source">[]) {
  return load(db, texts(pages));
}

// ---------------------------------------------------------------------------------------------
// Reading back

const COMPARISON = `query ($slug: String!) {
  comparison(slug: $slug) {
    id slug title category intro feedbackContact version createdAt updatedAt
    options {
      id name position summary pros cons useIf isPick
      topic { id slug name provisional }
      relatedTopics { slug }
    }
    verdict { pick { name } pickSummary bottomLine conditions { option { name } useIf } }
  }
}`;

const TOPIC = `query ($slug: String!) {
  topic(slug: $slug) {
    id slug name summary provisional
    comparisons(first: 100) { totalCount nodes { slug } }
    related(first: 100) { totalCount edges { kind weight direction node { slug } } }
  }
}`;

async function comparison(slug: string, on = app): Promise<any> {
  const { data, errors } = await graphql(on, COMPARISON, { slug });
  expect(errors).toBeUndefined();
  return data?.comparison;
}

async function topic(slug: string, on = app): Promise<any> {
  const { data, errors } = await graphql(on, TOPIC, { slug });
  expect(errors).toBeUndefined();
  return data?.topic;
}

/** `kind direction neighbour weight` of each edge of a topic, sorted. */
function edgesOf(t: any): string[] {
  return t.related.edges
    .map((e: any) => `${e.kind} ${e.direction} ${e.node.slug} ${e.weight}`)
    .sort();
}

interface Counts {
  topics: number;
  comparisons: number;
  options: number;
  tags: number;
  relations: number;
}

async function counts(db: Db): Promise<Counts> {
  const [row] = await selectRows<Counts>(
    db,
    sql`SELECT
      (SELECT count(*)::int FROM topics) AS topics,
      (SELECT count(*)::int FROM comparisons) AS comparisons,
      (SELECT count(*)::int FROM options) AS options,
      (SELECT count(*)::int FROM option_tags) AS tags,
      (SELECT count(*)::int FROM topic_relations) AS relations`,
  );
  if (row === undefined) throw new Error("counting returned no row");
  return row;
}

/** Every row of every table, as text: equal snapshots mean nothing was written in between. */
async function snapshot(db: Db): Promise<string> {
  const [row] = await selectRows<{ snapshot: string }>(
    db,
    sql`SELECT json_build_array(
      (SELECT json_agg(t ORDER BY t.id) FROM topics t),
      (SELECT json_agg(a ORDER BY a.slug) FROM topic_aliases a),
      (SELECT json_agg(c ORDER BY c.id) FROM comparisons c),
      (SELECT json_agg(o ORDER BY o.id) FROM options o),
      (SELECT json_agg(g ORDER BY g.option_id, g.position) FROM option_tags g),
      (SELECT json_agg(r ORDER BY r.id) FROM topic_relations r))::text AS snapshot`,
  );
  return row?.snapshot ?? "";
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the import to be refused, but it succeeded");
}

// ---------------------------------------------------------------------------------------------

const STAFF = makePage(
  [
    {
      name: "Staff Engineer",
      tags: ["technical-leadership", "career-development"],
      pros: ["You stay close to the code", "Your reach grows through design reviews"],
    },
    { name: "Engineering Manager", tags: ["people-management", "career-development"] },
  ],
  { category: "Career" },
);
const STAFF_SLUG = "staff-engineer-vs-engineering-manager";

describe("importing new pages", () => {
  it("writes the comparison, its options, verdict, topics and edges", async () => {
    const result = await loadPages(database().db, [STAFF]);
    expect(result).toEqual({
      created: [STAFF_SLUG],
      updated: [],
      unchanged: [],
      topicsCreated: 5,
      skipped: [],
      overwritten: [],
      upkeepFailure: null,
    });

    const c = await comparison(STAFF_SLUG);
    expect(c).toMatchObject({
      slug: STAFF_SLUG,
      title: "Staff Engineer vs Engineering Manager",
      category: "Career",
      intro: STAFF.intro,
      feedbackContact: "tests@pickgraph.dev",
      version: 1,
      verdict: {
        pick: { name: "Staff Engineer" },
        pickSummary: STAFF.pick.summary,
        bottomLine: STAFF.bottomLine,
        conditions: [
          { option: { name: "Staff Engineer" }, useIf: "You already run Staff Engineer today." },
          {
            option: { name: "Engineering Manager" },
            useIf: "You already run Engineering Manager today.",
          },
        ],
      },
    });
    expect(
      c.options.map((o: any) => ({
        name: o.name,
        position: o.position,
        isPick: o.isPick,
        pros: o.pros,
        cons: o.cons,
        topic: [o.topic.slug, o.topic.name, o.topic.provisional],
        tags: o.relatedTopics.map((t: any) => t.slug),
      })),
    ).toEqual([
      {
        name: "Staff Engineer",
        position: 0,
        isPick: true,
        pros: ["You stay close to the code", "Your reach grows through design reviews"],
        cons: ["Staff Engineer has its own costs"],
        topic: ["staff-engineer", "Staff Engineer", false],
        tags: ["technical-leadership", "career-development"],
      },
      {
        name: "Engineering Manager",
        position: 1,
        isPick: false,
        pros: ["Engineering Manager is well understood"],
        cons: ["Engineering Manager has its own costs"],
        topic: ["engineering-manager", "Engineering Manager", false],
        tags: ["people-management", "career-development"],
      },
    ]);

    expect(edgesOf(await topic("staff-engineer"))).toEqual([
      "COMPARED_WITH BOTH engineering-manager 1",
      "RELATED_TO OUT career-development 1",
      "RELATED_TO OUT technical-leadership 1",
    ]);
    expect(edgesOf(await topic("career-development"))).toEqual([
      "RELATED_TO IN engineering-manager 1",
      "RELATED_TO IN staff-engineer 1",
    ]);
    expect(await counts(database().db)).toEqual({
      topics: 5,
      comparisons: 1,
      options: 2,
      tags: 4,
      relations: 6,
    });
  });

  it("creates a tag's topic provisional, then names it when a page for it arrives, same id", async () => {
    await loadPages(database().db, [
      makePage([{ name: "Express", tags: ["node-js"] }, { name: "Django" }]),
    ]);
    const before = await topic("node-js");
    expect(before).toMatchObject({ name: "Node Js", provisional: true, summary: null });

    await loadPages(database().db, [
      makePage([
        { name: "Node.js", summary: "A JavaScript runtime built on V8." },
        { name: "Deno", tags: ["node-js"] },
      ]),
    ]);
    const after = await topic("node-js");
    // The option's summary stays the option's: the topic has none until it is described.
    expect(after).toMatchObject({
      id: before.id,
      name: "Node.js",
      provisional: false,
      summary: null,
    });
    expect(after.comparisons.nodes.map((n: any) => n.slug)).toEqual([
      "express-vs-django",
      "node-js-vs-deno",
    ]);

    // A later page that only tags the topic leaves its name alone.
    await loadPages(database().db, [
      makePage([{ name: "Fastify", tags: ["node-js"] }, { name: "Hapi" }]),
    ]);
    expect(await topic("node-js")).toMatchObject({
      id: before.id,
      name: "Node.js",
      provisional: false,
    });
  });

  it("names a topic in the same batch whichever page comes first", async () => {
    await loadPages(database().db, [
      makePage([{ name: "Scrum", tags: ["kanban"] }, { name: "Waterfall" }]),
      makePage([{ name: "Kanban" }, { name: "Scrumban", tags: ["scrum"] }]),
    ]);
    expect(await topic("kanban")).toMatchObject({ name: "Kanban", provisional: false });
    expect(await topic("scrum")).toMatchObject({ name: "Scrum", provisional: false });
  });

  it("makes one node per slug however many pages, spellings and batches reach it", async () => {
    const db = database().db;
    await load(db, [
      {
        source: "a.txt",
        text: renderPage(
          makePage([{ name: "Mentoring", tags: ["career-development"] }, { name: "Sponsorship" }]),
        ),
      },
      {
        // The parser turns a name in `Related to:` into its slug.
        source: "b.txt",
        text: renderPage(
          makePage([
            { name: "Job Hopping", tags: ["Career Development"] },
            { name: "Internal Promotion", tags: ["career-development"] },
          ]),
        ),
      },
    ]);
    await loadPages(db, [
      makePage([{ name: "Career Development" }, { name: "Higher Salary", tags: ["mentoring"] }]),
    ]);

    const [row] = await selectRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM topics WHERE slug = 'career-development'`,
    );
    expect(row?.n).toBe(1);
    const [duplicates] = await selectRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM (SELECT lower(name) FROM topics GROUP BY 1 HAVING count(*) > 1) d`,
    );
    expect(duplicates?.n).toBe(0);

    const t = await topic("career-development");
    expect(t).toMatchObject({ name: "Career Development", provisional: false });
    expect(t.comparisons.nodes.map((n: any) => n.slug)).toEqual([
      "career-development-vs-higher-salary",
      "job-hopping-vs-internal-promotion",
      "mentoring-vs-sponsorship",
    ]);
    expect(edgesOf(t)).toEqual([
      "COMPARED_WITH BOTH higher-salary 1",
      "RELATED_TO IN internal-promotion 1",
      "RELATED_TO IN job-hopping 1",
      "RELATED_TO IN mentoring 1",
    ]);
    // Mentoring tags career development and is tagged by a page career development is on.
    expect(edgesOf(await topic("mentoring"))).toEqual([
      "COMPARED_WITH BOTH sponsorship 1",
      "RELATED_TO IN higher-salary 1",
      "RELATED_TO OUT career-development 1",
    ]);
  });
});

describe("re-importing", () => {
  it("changes nothing when the pages are unchanged", async () => {
    const db = database().db;
    const pages = [
      STAFF,
      makePage([{ name: "Staff Engineer", tags: ["career-development"] }, { name: "Tech Lead" }]),
    ];
    await loadPages(db, pages);
    const before = await snapshot(db);

    const again = await loadPages(db, pages);
    expect(again).toEqual({
      created: [],
      updated: [],
      unchanged: [STAFF_SLUG, "staff-engineer-vs-tech-lead"],
      topicsCreated: 0,
      skipped: [],
      overwritten: [],
      upkeepFailure: null,
    });
    expect(await snapshot(db)).toBe(before);
    expect((await comparison(STAFF_SLUG)).version).toBe(1);
  });

  race("counts an edge asserted by two pages imported at the same time twice", async () => {
    const db = database().db;
    // Both topics exist first, so the two writers do not queue on inserting them.
    await loadPages(db, [makePage([{ name: "Racer" }, { name: "Finish Line" }])]);
    const first = makePage([{ name: "Racer", tags: ["finish-line"] }, { name: "Walker One" }]);
    const second = makePage([{ name: "Racer", tags: ["finish-line"] }, { name: "Walker Two" }]);
    // On Postgres these run on two connections; page writes must not miss each other's pages.
    await Promise.all([loadPages(db, [first]), loadPages(db, [second])]);
    const [edge] = await selectRows<{ weight: number }>(
      db,
      sql`SELECT r.weight FROM topic_relations r
          JOIN topics f ON f.id = r.from_topic_id JOIN topics t ON t.id = r.to_topic_id
          WHERE f.slug = 'racer' AND t.slug = 'finish-line' AND r.kind = 'RELATED_TO'`,
    );
    expect(edge?.weight).toBe(2);
  });

  it("sees no change in a page whose topics were merged away since it was imported", async () => {
    const db = database().db;
    const page = makePage([
      { name: "Nodejs", tags: ["old-runtime-tag"] },
      { name: "Deno", tags: ["web-servers"] },
    ]);
    await loadPages(db, [page]);
    await upsertTopic(db, "test", { slug: "node-js", name: "Node.js" });
    await mergeTopics(db, "test", { from: "nodejs", into: "node-js" });
    await upsertTopic(db, "test", { slug: "runtimes", name: "Runtimes" });
    await mergeTopics(db, "test", { from: "old-runtime-tag", into: "runtimes" });
    const before = await snapshot(db);

    const again = await loadPages(db, [page]);
    expect(again.unchanged).toEqual(["nodejs-vs-deno"]);
    expect(await snapshot(db)).toBe(before);
  });

  it("updates a changed page in place: same ids, version bumped, stale tags and edges gone", async () => {
    const db = database().db;
    // A second page also tags career development from Staff Engineer: that edge weighs 2.
    const other = makePage([
      { name: "Staff Engineer", tags: ["career-development"] },
      { name: "Tech Lead" },
    ]);
    await loadPages(db, [STAFF, other]);
    const before = await comparison(STAFF_SLUG);
    expect(edgesOf(await topic("staff-engineer"))).toEqual([
      "COMPARED_WITH BOTH engineering-manager 1",
      "COMPARED_WITH BOTH tech-lead 1",
      "RELATED_TO OUT career-development 2",
      "RELATED_TO OUT technical-leadership 1",
    ]);
    const countsBefore = await counts(db);

    const changed = makePage(
      [
        {
          name: "Staff Engineer",
          // The first pro edited, technical-leadership dropped, a new tag added.
          tags: ["career-development", "system-design"],
          pros: ["You stay hands-on with the code", "Your reach grows through design reviews"],
        },
        // Written in lower case: same slug, so the same option, renamed.
        { name: "Engineering manager", tags: ["people-management"], useIf: null },
      ],
      { category: "Career", pick: "Engineering manager", feedbackContact: null },
    );
    const result = await loadPages(db, [changed, other]);
    expect(result).toEqual({
      created: [],
      updated: [STAFF_SLUG],
      unchanged: ["staff-engineer-vs-tech-lead"],
      topicsCreated: 1,
      skipped: [],
      overwritten: [],
      upkeepFailure: null,
    });

    const after = await comparison(STAFF_SLUG);
    expect(after.id).toBe(before.id);
    expect(after.options.map((o: any) => o.id)).toEqual(before.options.map((o: any) => o.id));
    expect(after.options.map((o: any) => o.topic.id)).toEqual(
      before.options.map((o: any) => o.topic.id),
    );
    expect(after.version).toBe(before.version + 1);
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.updatedAt).not.toBe(before.updatedAt);
    expect(after.updatedAt > before.updatedAt).toBe(true);
    expect(after).toMatchObject({
      title: "Staff Engineer vs Engineering manager",
      feedbackContact: null,
      verdict: {
        pick: { name: "Engineering manager" },
        bottomLine: "Engineering manager is the safer default for most teams.",
        conditions: [{ option: { name: "Staff Engineer" } }],
      },
    });
    expect(after.options.map((o: any) => [o.name, o.isPick, o.useIf])).toEqual([
      ["Staff Engineer", false, "You already run Staff Engineer today."],
      ["Engineering manager", true, null],
    ]);
    expect(after.options[0].pros).toEqual([
      "You stay hands-on with the code",
      "Your reach grows through design reviews",
    ]);
    expect(after.options.map((o: any) => o.relatedTopics.map((t: any) => t.slug))).toEqual([
      ["career-development", "system-design"],
      ["people-management"],
    ]);
    // The topic follows the name its page now writes.
    expect(after.options[1].topic).toMatchObject({ name: "Engineering manager" });

    // Edges: the dropped tag's edge is gone, career development still weighs 2 (two pages).
    expect(edgesOf(await topic("staff-engineer"))).toEqual([
      "COMPARED_WITH BOTH engineering-manager 1",
      "COMPARED_WITH BOTH tech-lead 1",
      "RELATED_TO OUT career-development 2",
      "RELATED_TO OUT system-design 1",
    ]);
    expect(edgesOf(await topic("engineering-manager"))).toEqual([
      "COMPARED_WITH BOTH staff-engineer 1",
      "RELATED_TO OUT people-management 1",
    ]);
    const leadership = await topic("technical-leadership");
    expect(leadership.related.totalCount).toBe(0);
    expect(leadership.comparisons.totalCount).toBe(0);
    expect(edgesOf(await topic("career-development"))).toEqual(["RELATED_TO IN staff-engineer 2"]);

    // Nothing duplicated: system-design is one new topic; one tag and one edge fewer in all.
    expect(await counts(db)).toEqual({
      ...countsBefore,
      topics: countsBefore.topics + 1,
      tags: countsBefore.tags - 1,
      relations: countsBefore.relations - 1,
    });
  });

  it("treats a page with its options in another order, or one replaced, as another comparison", async () => {
    const db = database().db;
    const first = makePage([{ name: "Go" }, { name: "Rust" }, { name: "Zig" }]);
    await loadPages(db, [first]);
    const before = await comparison("go-vs-rust-vs-zig");

    const result = await loadPages(db, [
      makePage([{ name: "Rust" }, { name: "Go" }, { name: "Zig" }]),
      makePage([{ name: "Go" }, { name: "Rust" }, { name: "C" }]),
    ]);
    expect(result.created).toEqual(["rust-vs-go-vs-zig", "go-vs-rust-vs-c"]);
    expect(await comparison("go-vs-rust-vs-zig")).toEqual(before);
    expect(edgesOf(await topic("go"))).toEqual([
      "COMPARED_WITH BOTH c 1",
      "COMPARED_WITH BOTH rust 3",
      "COMPARED_WITH BOTH zig 2",
    ]);
  });
});

describe("refusing a batch", () => {
  /** One page stored, so a refused batch that would update it has something to leave alone. */
  async function storeOne(db: Db): Promise<string> {
    await loadPages(db, [STAFF]);
    return snapshot(db);
  }

  const changedStaff = makePage([
    { name: "Staff Engineer", tags: ["brand-new-topic"] },
    { name: "Engineering Manager" },
  ]);

  it("names every bad page with its file and line, and writes nothing", async () => {
    const db = database().db;
    const before = await storeOne(db);
    const bad = await readPageFiles([
      `${BAD_FIXTURES}/pick-unknown.txt`,
      `${BAD_FIXTURES}/wins-disagrees.txt`,
    ]);
    const inputs = [
      ...texts([makePage([{ name: "Alpha", tags: ["provisional-only"] }, { name: "Beta" }])]),
      bad[0] as PageText,
      ...texts([changedStaff]),
      bad[1] as PageText,
    ];

    const error = await rejection(load(db, inputs));
    expect(error).toBeInstanceOf(PageFormatError);
    const issues = (error as PageFormatError).issues;
    expect(new Set(issues.map((i) => i.source))).toEqual(
      new Set([`${BAD_FIXTURES}/pick-unknown.txt`, `${BAD_FIXTURES}/wins-disagrees.txt`]),
    );
    for (const issue of issues) expect(issue.line).toBeGreaterThan(0);
    expect((error as Error).message).toMatch(/pick-unknown\.txt:\d+: expected the pick/);
    expect((error as Error).message).toMatch(/wins-disagrees\.txt:\d+: expected "Vim wins"/);
    expect(await snapshot(db)).toBe(before);
  });

  it("refuses the same comparison twice in one batch, and too many options, naming both", async () => {
    const db = database().db;
    const before = await storeOne(db);
    const nine = makePage("ABCDEFGHI".split("").map((letter) => ({ name: `Option ${letter}` })));
    const inputs = [
      ...texts([changedStaff], "first"),
      ...texts([makePage([{ name: "Alpha" }, { name: "Beta" }])]),
      ...texts([STAFF], "second"),
      ...texts([nine]),
    ];

    const error = await rejection(load(db, inputs));
    expect(error).toBeInstanceOf(PageFormatError);
    const message = (error as Error).message;
    expect(message).toContain(`second/${STAFF_SLUG}.txt: comparison "${STAFF_SLUG}" is also in`);
    expect(message).toContain(`first/${STAFF_SLUG}.txt`);
    expect(message).toMatch(/option-a-vs-.*\.txt: expected at most 8 options, found 9/);
    expect(await snapshot(db)).toBe(before);
  });

  it("rolls everything back when a write fails part-way, even after earlier chunks", async () => {
    const db = database().db;
    const before = await storeOne(db);
    // Chunks of two pages: earlier chunks are written before the bad page is reached.
    const many = Array.from({ length: 5 }, (_, i) =>
      makePage([
        { name: `Tool ${i}`, tags: [`family-${i % 50}`] },
        { name: `Tool ${i + 1} Plus`, tags: ["shared-tag"] },
      ]),
    );
    // A fault the importer cannot foresee: the database refuses one option of the last page.
    await db.execute(sql`
      CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = 'Boom' THEN RAISE EXCEPTION 'option Boom refused by the test trigger'; END IF;
        RETURN NEW;
      END $$`);
    await db.execute(sql`
      CREATE TRIGGER refuse_boom BEFORE INSERT ON options FOR EACH ROW EXECUTE FUNCTION refuse_boom()`);
    try {
      database().resetStatements();
      const pages = [changedStaff, ...many, makePage([{ name: "Calm" }, { name: "Boom" }])];
      const error = await rejection(importPages(db, parsePages(texts(pages)), { chunkPages: 2 }));
      expect(error).not.toBeInstanceOf(PageFormatError);
      expect(String((error as Error & { cause?: Error }).cause ?? error)).toMatch(/test trigger/);
      // Topics, and comparisons and options of the earlier chunks, were written before the
      // failure.
      const inserts = database().statements.filter((s) => /^\s*insert into/i.test(s));
      expect(inserts.length).toBeGreaterThanOrEqual(7);
      expect(await snapshot(db)).toBe(before);
    } finally {
      await db.execute(sql`DROP TRIGGER refuse_boom ON options`);
      await db.execute(sql`DROP FUNCTION refuse_boom()`);
    }
  });

  it("refuses names, slugs and titles the database could not hold, naming the page", async () => {
    const db = database().db;
    const before = await storeOne(db);
    const longName = `Really ${"long ".repeat(50)}name`;
    const long = (word: string) => Array.from({ length: 33 }, () => word).join(" ");
    const error = await rejection(
      load(db, [
        ...texts([changedStaff]),
        ...texts([makePage([{ name: "Short" }, { name: longName }])], "long-name"),
        ...texts(
          [makePage([{ name: long("alpha") }, { name: long("bravo") }, { name: long("delta") }])],
          "long-title",
        ),
      ]),
    );
    expect(error).toBeInstanceOf(PageFormatError);
    const message = (error as Error).message;
    expect(message).toMatch(/long-name\/.*\.txt: the option name "Really long/);
    expect(message).toMatch(
      /long-title\/.*\.txt: the option names make a comparison slug of \d+ characters/,
    );
    expect(message).toMatch(/long-title\/.*\.txt: the title is \d+ characters/);
    expect(await snapshot(db)).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------
// Export, then import into an empty database: the same answers.

const ALL_COMPARISONS = `query ($after: String) {
  comparisons(first: 20, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id slug title category intro feedbackContact version createdAt updatedAt
      options {
        id name position summary pros cons useIf isPick
        topic { id slug name provisional }
        relatedTopics { slug name provisional }
      }
      verdict {
        pick { name position }
        pickSummary bottomLine
        conditions { option { name } useIf }
      }
      topics { slug name provisional }
    }
  }
}`;

// Each topic with its comparisons and edges, 100 topics a request (the app has no cost limit).
const ALL_TOPICS = `query ($after: String) {
  topics(first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id slug name summary provisional createdAt updatedAt
      comparisons(first: 100) { totalCount nodes { slug } }
      related(first: 100) { totalCount edges { kind weight direction node { slug name } } }
    }
  }
}`;

async function everyNode(on: App, query: string, field: string): Promise<any[]> {
  const nodes: any[] = [];
  let after: string | null = null;
  for (;;) {
    const { data, errors } = await graphql(on, query, { after });
    expect(errors).toBeUndefined();
    const connection: any = data?.[field];
    nodes.push(...connection.nodes);
    if (!connection.pageInfo.hasNextPage) {
      expect(nodes).toHaveLength(connection.totalCount);
      return nodes;
    }
    after = connection.pageInfo.endCursor;
  }
}

/** Ids and timestamps differ between databases by design; everything else must not. */
function withoutIdentity(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIdentity);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== "id" && key !== "createdAt" && key !== "updatedAt")
      .map(([key, inner]) => [key, withoutIdentity(inner)]),
  );
}

/** Everything the API says about the graph. */
async function answers(on: App) {
  const comparisons = await everyNode(on, ALL_COMPARISONS, "comparisons");
  const topics = await everyNode(on, ALL_TOPICS, "topics");
  for (const { slug, comparisons: of, related } of topics) {
    expect(related.edges, `${slug}: all edges on one page`).toHaveLength(related.totalCount);
    expect(of.nodes, `${slug}: all comparisons on one page`).toHaveLength(of.totalCount);
  }
  return withoutIdentity({ comparisons, topics });
}

/**
 * The inputs split into batches that can each be imported at once: the n-th page of every
 * comparison slug goes into batch n (several fixtures are variants of one comparison).
 */
function batchesBySlug(inputs: PageText[]): PageText[][] {
  const pages = parsePages(inputs);
  const seen = new Map<string, number>();
  const batches: PageText[][] = [];
  pages.forEach((page, index) => {
    const slug = comparisonSlug(page.options.map((o) => o.name));
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    batches[n] ??= [];
    (batches[n] as PageText[]).push(inputs[index] as PageText);
  });
  return batches;
}

describe("export, then import into an empty database", () => {
  let fresh: TestDatabase | undefined;
  beforeAll(async () => {
    fresh = await createTestDatabase();
  });
  afterAll(async () => {
    await fresh?.close();
  });

  it("gives the same answers for every fixture and the seed corpus", async () => {
    const target = fresh as TestDatabase;
    const freshApp = createAppWithoutCostLimit(target);
    const inputs = [...(await readPageFiles([FIXTURES])), ...(await readPageFiles([SEEDS_FOLDER]))];
    const batches = batchesBySlug(inputs);
    expect(batches.flat()).toHaveLength(inputs.length);

    for (const batch of batches) {
      await database().truncate();
      await target.truncate();
      const imported = await load(database().db, batch);
      const exported = await exportAllComparisons(database().db);
      expect(exported.map((e) => e.slug).sort()).toEqual([...imported.created].sort());

      await load(
        target.db,
        exported.map((e) => ({ text: e.text, source: `${e.slug}.txt` })),
      );
      const label = batch.map((p) => p.source).join(", ");
      expect(await answers(freshApp), label).toEqual(await answers(app));
      // And the second database exports the very same pages.
      expect(await exportAllComparisons(target.db), label).toEqual(exported);
    }
    // It walks every topic of the whole corpus twice per batch.
  }, 480_000);
});

// ---------------------------------------------------------------------------------------------

describe("seed corpus", () => {
  const REFERENCE = "individual-contributor-model-vs-management-track";
  let seeds: PageText[];
  let pages: Page[];

  beforeAll(async () => {
    seeds = await readPageFiles([SEEDS_FOLDER]);
    pages = parsePages(seeds);
  });

  it("has at least 40 pages, and every one of them imports", async () => {
    expect(seeds.length).toBeGreaterThanOrEqual(40);
    const result = await load(database().db, seeds);
    expect(result.created).toHaveLength(seeds.length);
    expect(result.updated).toEqual([]);
  });

  it("holds the reference comparison as the reference example has it", async () => {
    await load(database().db, seeds);
    const c = await comparison(REFERENCE);
    expect(c.title).toBe("Individual Contributor Model vs Management Track");
    expect(c.verdict.pick.name).toBe("Individual Contributor Model");
    expect(c.options.map((o: any) => o.relatedTopics.map((t: any) => t.slug))).toEqual([
      ["career-development", "technical-leadership"],
      ["project-management", "agile-methodologies"],
    ]);
  });

  it("tags each concept with one slug: every tag is a page's option, a described topic or used at least twice", async () => {
    const described = parseTopicDescriptions(await readTopicFiles([SEEDS_FOLDER]));
    const optionSlugs = new Set([
      ...pages.flatMap((p) => p.options.map((o) => slugify(o.name))),
      ...described.flatMap((d) => [d.slug, ...d.aliases.map((a) => a.slug)]),
    ]);
    const uses = new Map<string, number>();
    for (const tag of pages.flatMap((p) => p.options.flatMap((o) => o.relatedTo))) {
      uses.set(tag, (uses.get(tag) ?? 0) + 1);
    }
    const lonely = [...uses].filter(([tag, n]) => !optionSlugs.has(tag) && n < 2).map(([t]) => t);
    expect(lonely, "tags used once that no page is about: typos?").toEqual([]);
  });

  it("forms one connected graph", async () => {
    const db = database().db;
    await load(db, seeds);
    const topics = await selectRows<{ id: number; slug: string }>(
      db,
      sql`SELECT id, slug FROM topics`,
    );
    const edges = await selectRows<{ a: number; b: number }>(
      db,
      sql`SELECT from_topic_id AS a, to_topic_id AS b FROM topic_relations`,
    );
    const neighbours = new Map<number, number[]>(topics.map((t) => [t.id, []]));
    for (const { a, b } of edges) {
      neighbours.get(a)?.push(b);
      neighbours.get(b)?.push(a);
    }
    const start = topics[0]?.id as number;
    const reached = new Set([start]);
    const queue = [start];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const next of neighbours.get(id) ?? []) {
        if (!reached.has(next)) {
          reached.add(next);
          queue.push(next);
        }
      }
    }
    const unreached = topics.filter((t) => !reached.has(t.id)).map((t) => t.slug);
    expect(unreached).toEqual([]);
    expect(topics.length).toBeGreaterThan(40);
  });
});
