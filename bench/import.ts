import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type Database, type Db, openDatabase, selectRows } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { importPages, provisionalName } from "../src/ingest/import-pages.ts";
import type { Page } from "../src/ingest/page.ts";
import { parsePages } from "../src/ingest/parse-page.ts";
import { renderPage } from "../src/ingest/render-page.ts";
import { comparisonSlug, slugify } from "../src/ingest/slug.ts";
import { mulberry32 } from "./random.ts";

/**
 * Import throughput: parse + importPages of a generated batch into an empty database, next to
 * plain multi-row INSERTs of exactly the rows that import writes (no parsing, no ON CONFLICT, no
 * change detection), measured in the same run on each driver.
 */

export type BenchDriver = "pglite" | "postgres";

export interface BenchImportOptions {
  /** Pages in the generated batch (default 10,000). */
  pages?: number;
  drivers?: BenchDriver[];
  /** Admin URL of the Postgres server the bench creates its databases on. */
  postgresUrl?: string;
  /** Progress lines; silent by default. */
  log?: (line: string) => void;
}

export interface BenchRows {
  topics: number;
  comparisons: number;
  options: number;
  optionTags: number;
  relations: number;
}

export interface BenchDriverResult {
  driver: BenchDriver;
  /** Parse + importPages, milliseconds. */
  importMs: number;
  /** Plain INSERTs of the same rows, milliseconds. */
  insertMs: number;
  importPagesPerSecond: number;
  insertPagesPerSecond: number;
  /** importMs / insertMs: how many times slower than the plain insert the importer is. */
  ratio: number;
  /** The importer is within TARGET_RATIO of the plain insert. */
  targetMet: boolean;
  /** What both databases hold afterwards; the bench fails when they differ. */
  rows: BenchRows;
}

export interface BenchImportReport {
  pages: number;
  /** Characters of page text in the batch. */
  textBytes: number;
  targetRatio: number;
  results: BenchDriverResult[];
}

export const TARGET_RATIO = 3;
export const DEFAULT_BENCH_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

// ---------------------------------------------------------------------------------------------
// Page generation

const STEMS = (
  "cloud data stream event graph query cache queue node edge build test deploy release review " +
  "design code team lead staff product project agile lean scrum kanban sprint metric trace log " +
  "alert pager incident service mesh gateway proxy schema model store index shard replica " +
  "cluster container function lambda edge worker batch pipeline flow state machine actor " +
  "message broker socket thread fiber async sync type script rust kernel shell terminal editor " +
  "vector tensor learning vision speech search ranking feature flag branch trunk merge commit " +
  "mentor coach career growth hiring interview remote office hybrid budget roadmap vision " +
  "security auth token secret policy audit privacy compliance network packet route dns cdn"
).split(" ");

const PROSE = (
  "teams often choose this when they need predictable delivery across several services and " +
  "want fewer moving parts in production while keeping the cost of change low for every " +
  "developer who joins later it scales with the organisation rather than against it and the " +
  "tooling around it is mature enough that most problems already have a documented answer " +
  "which shortens onboarding reduces incidents and lets engineers spend their time on the " +
  "product instead of the platform although some workloads need more care than others"
).split(" ");

const CATEGORIES = ["Dynamic", "Career", "Tooling", "Languages", "Practices", "Infrastructure"];

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

interface Generator {
  next: () => number;
  int: (min: number, max: number) => number;
  /** An index in [0, n) skewed towards 0, so a few entries are used far more than most. */
  skewed: (n: number) => number;
  sentence: (min: number, max: number) => string;
}

function generator(seed: number): Generator {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    skewed: (n) => Math.min(n - 1, Math.floor(n * next() ** 3)),
    sentence: (min, max) => {
      const words = Array.from({ length: int(min, max) }, () => PROSE[int(0, PROSE.length - 1)]);
      return `${capitalise(words.join(" "))}.`;
    },
  };
}

/** Distinct two-stem slugs, e.g. `event-cache`; the vocabulary tags and option names draw on. */
function vocabulary(size: number): string[] {
  const slugs: string[] = [];
  for (let i = 0; slugs.length < size; i++) {
    const a = STEMS[i % STEMS.length] as string;
    const b = STEMS[Math.floor(i / STEMS.length) % STEMS.length] as string;
    const round = Math.floor(i / (STEMS.length * STEMS.length));
    if (a === b) continue;
    slugs.push(round === 0 ? `${a}-${b}` : `${a}-${b}-${round + 1}`);
  }
  return slugs;
}

/**
 * `count` distinct, valid comparison pages. Options come from a pool that overlaps the tag
 * vocabulary, so some tag topics are created provisional and later named by a page.
 */
export function generatePages(count: number, seed = 20261127): Omit<Page, "source">[] {
  const g = generator(seed);
  const tags = vocabulary(3000);
  const names = vocabulary(6000).map((slug, i) => {
    const words = slug.split("-").map(capitalise);
    // A few names with punctuation, to keep slugify's symbol rules in the measured path.
    if (i % 97 === 5) return `${words.join("")}.js`;
    if (i % 89 === 7) return `${words.join(" ")}++`;
    return words.join(" ");
  });
  const pages: Omit<Page, "source">[] = [];
  const seen = new Set<string>();
  while (pages.length < count) {
    const optionCount = g.next() < 0.75 ? 2 : 3;
    const picked: string[] = [];
    while (picked.length < optionCount) {
      const name = names[g.skewed(names.length)] as string;
      if (!picked.includes(name)) picked.push(name);
    }
    const slug = comparisonSlug(picked);
    if (seen.has(slug)) continue;
    seen.add(slug);
    const options = picked.map((name) => {
      const own = slugify(name);
      const relatedTo: string[] = [];
      const tagCount = g.int(1, 4);
      for (let i = 0; i < tagCount; i++) {
        const tag = tags[g.skewed(tags.length)] as string;
        if (tag !== own && !relatedTo.includes(tag)) relatedTo.push(tag);
      }
      return {
        name,
        summary: g.sentence(25, 45),
        pros: Array.from({ length: g.int(2, 4) }, () => g.sentence(12, 25)),
        cons: Array.from({ length: g.int(1, 3) }, () => g.sentence(8, 16)),
        relatedTo,
        useIf: g.sentence(15, 30),
      };
    });
    const pick = options[g.int(0, options.length - 1)] as (typeof options)[number];
    pages.push({
      category: CATEGORIES[g.int(0, CATEGORIES.length - 1)] as string,
      title: picked.join(" vs "),
      intro: g.sentence(40, 80),
      pick: { name: pick.name, summary: pick.summary },
      options,
      bottomLine: g.sentence(25, 45),
      feedbackContact: g.next() < 0.8 ? "nice@nicepick.dev" : null,
    });
  }
  return pages;
}

// ---------------------------------------------------------------------------------------------
// The baseline: the same rows, plain INSERTs

interface BaselineRows {
  topics: { slug: string; name: string; summary: string | null; provisional: boolean }[];
  comparisons: {
    slug: string;
    title: string;
    category: string;
    intro: string;
    pickSummary: string;
    bottomLine: string;
    feedbackContact: string | null;
  }[];
  options: {
    comparisonSlug: string;
    topicSlug: string;
    name: string;
    position: number;
    summary: string;
    pros: string[];
    cons: string[];
    useIf: string | null;
    tags: string[];
    isPick: boolean;
  }[];
  edges: { from: string; to: string; kind: "RELATED_TO" | "COMPARED_WITH"; weight: number }[];
}

/** The rows importPages writes for these pages into an empty database, keyed by slug. */
function baselineRows(pages: Page[]): BaselineRows {
  const topics = new Map<string, BaselineRows["topics"][number]>();
  for (const page of pages) {
    for (const option of page.options) {
      for (const tag of option.relatedTo) {
        if (!topics.has(tag)) {
          topics.set(tag, {
            slug: tag,
            name: provisionalName(tag),
            summary: null,
            provisional: true,
          });
        }
      }
    }
  }
  const rows: BaselineRows = { topics: [], comparisons: [], options: [], edges: [] };
  const edgeWeights = new Map<string, number>();
  const addEdge = (from: string, to: string, kind: string) => {
    if (from === to) return;
    const key = `${from}\t${to}\t${kind}`;
    edgeWeights.set(key, (edgeWeights.get(key) ?? 0) + 1);
  };
  for (const page of pages) {
    const slug = comparisonSlug(page.options.map((o) => o.name));
    rows.comparisons.push({
      slug,
      title: page.title,
      category: page.category,
      intro: page.intro,
      pickSummary: page.pick.summary,
      bottomLine: page.bottomLine,
      feedbackContact: page.feedbackContact,
    });
    const optionSlugs = page.options.map((o) => slugify(o.name));
    page.options.forEach((option, position) => {
      const topicSlug = optionSlugs[position] as string;
      topics.set(topicSlug, {
        slug: topicSlug,
        name: option.name,
        summary: option.summary,
        provisional: false,
      });
      rows.options.push({
        comparisonSlug: slug,
        topicSlug,
        name: option.name,
        position,
        summary: option.summary,
        pros: option.pros,
        cons: option.cons,
        useIf: option.useIf,
        tags: option.relatedTo,
        isPick: option.name === page.pick.name,
      });
      for (const tag of option.relatedTo) addEdge(topicSlug, tag, "RELATED_TO");
      for (const other of optionSlugs) addEdge(topicSlug, other, "COMPARED_WITH");
    });
  }
  rows.topics = [...topics.values()];
  for (const [key, weight] of edgeWeights) {
    const [from, to, kind] = key.split("\t") as [string, string, "RELATED_TO" | "COMPARED_WITH"];
    rows.edges.push({ from, to, kind, weight });
  }
  return rows;
}

// Rows per INSERT: the fastest of 200, 1,000, 3,000 and 10,000 for both drivers on our machines.
const CHUNK_ROWS = 1000;

type RawQuery = (text: string) => Promise<Record<string, unknown>[]>;

/**
 * Runs `work` in one transaction on the driver's own client, so no query builder time is counted
 * against the baseline.
 */
async function rawTransaction(
  database: Database,
  work: (query: RawQuery) => Promise<void>,
): Promise<void> {
  const client = (database.db as unknown as { $client: PGlite | postgres.Sql }).$client;
  if (database.driver === "pglite") {
    await (client as PGlite).transaction(async (tx) => {
      await work(async (text) => (await tx.query<Record<string, unknown>>(text)).rows);
    });
    return;
  }
  await (client as postgres.Sql).begin(async (tx) => {
    await work(async (text) => (await tx.unsafe(text)) as unknown as Record<string, unknown>[]);
  });
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A value written into the statement, as `pg_dump --inserts` does: on PGlite this is 1.5x faster
 * than binding the same values as parameters, on Postgres as fast, so the baseline is the
 * quickest plain INSERT we found.
 */
function literal(value: unknown, type: string): string {
  if (value === null || value === undefined) return `NULL::${type}`;
  if (Array.isArray(value)) {
    return value.length === 0
      ? `'{}'::${type}`
      : `ARRAY[${value.map((v) => quote(String(v))).join(", ")}]::${type}`;
  }
  if (typeof value === "number" || typeof value === "boolean") return `${value}::${type}`;
  return `${quote(String(value))}::${type}`;
}

function valuesList(types: string[], rows: unknown[][]): string {
  return rows
    .map((row) => `(${row.map((value, c) => literal(value, types[c] as string)).join(", ")})`)
    .join(", ");
}

/** One multi-row `<head> VALUES (...), ...` per chunk; returns the rows of `returning`, if any. */
async function insertValues<Row>(
  query: RawQuery,
  head: string,
  types: string[],
  tuples: unknown[][],
  returning = "",
): Promise<Row[]> {
  const out: Row[] = [];
  for (let start = 0; start < tuples.length; start += CHUNK_ROWS) {
    const values = valuesList(types, tuples.slice(start, start + CHUNK_ROWS));
    const text = `${head} VALUES ${values}${returning === "" ? "" : ` RETURNING ${returning}`}`;
    out.push(...((await query(text)) as Row[]));
  }
  return out;
}

async function plainInsert(database: Database, rows: BaselineRows): Promise<void> {
  await rawTransaction(database, async (query) => {
    const topics = await insertValues<{ id: number; slug: string }>(
      query,
      "INSERT INTO topics (slug, name, summary, provisional)",
      ["text", "text", "text", "boolean"],
      rows.topics.map((t) => [t.slug, t.name, t.summary, t.provisional]),
      "id, slug",
    );
    const topicId = new Map(topics.map((t) => [t.slug, t.id]));
    const comparisons = await insertValues<{ id: number; slug: string }>(
      query,
      "INSERT INTO comparisons (slug, title, category, intro, pick_summary, bottom_line, feedback_contact)",
      ["text", "text", "text", "text", "text", "text", "text"],
      rows.comparisons.map((c) => [
        c.slug,
        c.title,
        c.category,
        c.intro,
        c.pickSummary,
        c.bottomLine,
        c.feedbackContact,
      ]),
      "id, slug",
    );
    const comparisonId = new Map(comparisons.map((c) => [c.slug, c.id]));
    const options = await insertValues<{ id: number; comparison_id: number; position: number }>(
      query,
      "INSERT INTO options (comparison_id, topic_id, name, position, summary, pros, cons, use_if)",
      ["int", "int", "text", "smallint", "text", "text[]", "text[]", "text"],
      rows.options.map((o) => [
        comparisonId.get(o.comparisonSlug),
        topicId.get(o.topicSlug),
        o.name,
        o.position,
        o.summary,
        o.pros,
        o.cons,
        o.useIf,
      ]),
      "id, comparison_id, position",
    );
    const optionId = new Map(options.map((o) => [`${o.comparison_id}:${o.position}`, o.id]));
    const idOf = (o: BaselineRows["options"][number]) =>
      optionId.get(`${comparisonId.get(o.comparisonSlug)}:${o.position}`);
    await insertValues(
      query,
      "INSERT INTO option_tags (option_id, position, topic_id)",
      ["int", "smallint", "int"],
      rows.options.flatMap((o) =>
        o.tags.map((tag, position) => [idOf(o), position, topicId.get(tag)]),
      ),
    );
    const picks = rows.options
      .filter((o) => o.isPick)
      .map((o) => [comparisonId.get(o.comparisonSlug), idOf(o)]);
    for (let start = 0; start < picks.length; start += CHUNK_ROWS) {
      const values = valuesList(["int", "int"], picks.slice(start, start + CHUNK_ROWS));
      await query(
        `UPDATE comparisons c SET pick_option_id = v.option_id
         FROM (VALUES ${values}) AS v(comparison_id, option_id) WHERE c.id = v.comparison_id`,
      );
    }
    await insertValues(
      query,
      "INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)",
      ["int", "int", "relation_kind", "float8", "relation_source"],
      rows.edges.map((e) => [topicId.get(e.from), topicId.get(e.to), e.kind, e.weight, "PAGE"]),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Running it

async function countRows(db: Db): Promise<BenchRows & { weight: number }> {
  const [row] = await selectRows<BenchRows & { weight: number }>(
    db,
    sql`SELECT
      (SELECT count(*)::int FROM topics) AS topics,
      (SELECT count(*)::int FROM comparisons) AS comparisons,
      (SELECT count(*)::int FROM options) AS options,
      (SELECT count(*)::int FROM option_tags) AS "optionTags",
      (SELECT count(*)::int FROM topic_relations) AS relations,
      (SELECT coalesce(sum(weight), 0)::float8 FROM topic_relations) AS weight`,
  );
  if (row === undefined) throw new Error("counting rows returned nothing");
  return row;
}

/** Opens an empty, migrated database of the driver; `drop` removes it again. */
/** A new migrated database for a bench (in-memory PGlite, or a Postgres database dropped by `drop`). */
export async function emptyDatabase(
  driver: BenchDriver,
  postgresUrl: string,
  onQuery?: () => void,
): Promise<{ database: Database; drop: () => Promise<void> }> {
  const options = { poolSize: 2, statementTimeoutMs: 600_000, ...(onQuery ? { onQuery } : {}) };
  if (driver === "pglite") {
    const database = await openDatabase({ driver: "pglite", dataDir: null }, options);
    await migrateDatabase(database.db);
    return { database, drop: () => database.close() };
  }
  const name = `pickgraph_bench_${randomBytes(6).toString("hex")}`;
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  try {
    const database = await openDatabase({ driver: "postgres", url: url.toString() }, options);
    await migrateDatabase(database.db);
    return {
      database,
      drop: async () => {
        await database.close();
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  } catch (error) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    throw error;
  }
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

export async function benchImport(options: BenchImportOptions = {}): Promise<BenchImportReport> {
  const count = options.pages ?? 10_000;
  const drivers = options.drivers ?? ["pglite", "postgres"];
  const postgresUrl = options.postgresUrl ?? DEFAULT_BENCH_POSTGRES_URL;
  const log = options.log ?? (() => {});

  const inputs = generatePages(count).map((page, i) => ({
    text: renderPage(page),
    source: `generated/${i}.txt`,
  }));
  const rows = baselineRows(parsePages(inputs));
  const report: BenchImportReport = {
    pages: count,
    textBytes: inputs.reduce((sum, input) => sum + input.text.length, 0),
    targetRatio: TARGET_RATIO,
    results: [],
  };
  log(`generated ${count} pages (${(report.textBytes / 1e6).toFixed(1)} MB of text)`);

  for (const driver of drivers) {
    const importer = await emptyDatabase(driver, postgresUrl);
    let importMs: number;
    let imported: BenchRows & { weight: number };
    try {
      importMs = await timed(() => importPages(importer.database.db, parsePages(inputs)));
      imported = await countRows(importer.database.db);
    } finally {
      await importer.drop();
    }
    log(`${driver}: parse + importPages ${importMs.toFixed(0)} ms`);

    const baseline = await emptyDatabase(driver, postgresUrl);
    let insertMs: number;
    let inserted: BenchRows & { weight: number };
    try {
      insertMs = await timed(() => plainInsert(baseline.database, rows));
      inserted = await countRows(baseline.database.db);
    } finally {
      await baseline.drop();
    }
    log(`${driver}: plain INSERT ${insertMs.toFixed(0)} ms`);

    if (JSON.stringify(imported) !== JSON.stringify(inserted)) {
      throw new Error(
        `${driver}: the importer and the plain insert wrote different rows: ${JSON.stringify({ imported, inserted })}`,
      );
    }
    const { weight: _weight, ...counts } = imported;
    const ratio = importMs / insertMs;
    report.results.push({
      driver,
      importMs,
      insertMs,
      importPagesPerSecond: (count / importMs) * 1000,
      insertPagesPerSecond: (count / insertMs) * 1000,
      ratio,
      targetMet: ratio <= TARGET_RATIO,
      rows: counts,
    });
  }
  return report;
}

export function formatImportReport(report: BenchImportReport): string {
  const lines = [
    `import throughput, ${report.pages} generated pages (target: importer within ${report.targetRatio}x of a plain INSERT)`,
  ];
  for (const r of report.results) {
    lines.push(
      `  ${r.driver.padEnd(8)} importer ${r.importPagesPerSecond.toFixed(0).padStart(6)} pages/s (${(r.importMs / 1000).toFixed(2)} s)` +
        `  plain INSERT ${r.insertPagesPerSecond.toFixed(0).padStart(6)} pages/s (${(r.insertMs / 1000).toFixed(2)} s)` +
        `  ratio ${r.ratio.toFixed(2)}x ${r.targetMet ? "meets" : "MISSES"} the target`,
      `           rows: ${r.rows.topics} topics, ${r.rows.comparisons} comparisons, ${r.rows.options} options, ${r.rows.optionTags} tags, ${r.rows.relations} edges`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await benchImport({ log: (line) => console.error(line) });
  console.log(formatImportReport(report));
  if (report.results.some((r) => !r.targetMet)) process.exitCode = 1;
}
