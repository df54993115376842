import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { createApp } from "../src/app.ts";
import { type Database, selectRows } from "../src/db/client.ts";
import { importPages } from "../src/ingest/import-pages.ts";
import {
  type BenchDriver,
  DEFAULT_BENCH_POSTGRES_URL,
  emptyDatabase,
  generatePages,
} from "./import.ts";
import { mulberry32 } from "./random.ts";

export const TARGET_P99_MS = 50;

export interface SearchBenchOptions {
  pages?: number;
  drivers?: BenchDriver[];
  /** Times each query is run by each method. */
  rounds?: number;
  postgresUrl?: string;
  log?: (line: string) => void;
}

interface Stats {
  p50: number;
  p99: number;
  max: number;
}

export interface SearchBenchResult {
  driver: BenchDriver;
  importMs: number;
  byKind: { kind: string; queries: number; search: Stats; baseline: Stats }[];
  all: { search: Stats; baseline: Stats; ratioP50: number; ratioP99: number };
  statementsPerSearch: number;
  /** The 1-minute load average before and after the measured rounds (the machine may be shared). */
  load: [number, number];
  targetMet: boolean;
}

const QUERY = `query ($query: String!) {
  search(query: $query, first: 20) {
    totalCount
    edges { score highlights { field fragments { text match } } node { __typename ... on Topic { slug name } ... on Comparison { slug title } } }
  }
}`;

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5) ?? 0, p99: at(0.99) ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

/** A word with two neighbouring letters swapped: the commonest typo. */
function misspell(word: string, random: () => number): string {
  if (word.length < 4) return word;
  const i = 1 + Math.floor(random() * (word.length - 2));
  return word.slice(0, i) + word.charAt(i + 1) + word.charAt(i) + word.slice(i + 2);
}

/** The query mix, drawn from the generated names and prose so that each kind has hits. */
function queryMix(names: string[], seed = 7): { kind: string; text: string }[] {
  const random = mulberry32(seed);
  const pick = () => names[Math.floor(random() * names.length)] as string;
  const mix: { kind: string; text: string }[] = [];
  for (let i = 0; i < 15; i++) {
    const words = pick().split(" ");
    mix.push({ kind: "typo", text: words.map((w) => misspell(w, random)).join(" ") });
    mix.push({ kind: "prefix", text: pick().slice(0, 3 + Math.floor(random() * 4)) });
    mix.push({ kind: "multi-word", text: `${pick()} ${pick().split(" ")[0]}` });
    mix.push({ kind: "name", text: pick() });
  }
  for (const text of ["teams production", "predictable delivery", "onboarding incidents"]) {
    mix.push({ kind: "prose words", text });
  }
  return mix;
}

/** The baseline: an unindexed substring scan, as plain as a search box gets. */
function ilikeScan(database: Database, text: string) {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return selectRows(
    database.db,
    sql`
      SELECT * FROM (
        SELECT 'Topic' AS type, id, slug, name AS label FROM topics
        WHERE name ILIKE ${pattern} OR slug ILIKE ${pattern}
        UNION ALL
        SELECT 'Comparison', id, slug, title FROM comparisons
        WHERE title ILIKE ${pattern} OR intro ILIKE ${pattern}
      ) hits
      ORDER BY label, slug
      LIMIT 20
    `,
  );
}

export async function benchSearch(options: SearchBenchOptions = {}): Promise<SearchBenchResult[]> {
  const count = options.pages ?? 10_000;
  const rounds = options.rounds ?? 3;
  const drivers = options.drivers ?? ["pglite", "postgres"];
  const postgresUrl = options.postgresUrl ?? DEFAULT_BENCH_POSTGRES_URL;
  const log = options.log ?? (() => {});
  const pages = generatePages(count);
  const names = [...new Set(pages.flatMap((p) => p.options.map((o) => o.name)))];
  const mix = queryMix(names);
  const results: SearchBenchResult[] = [];

  for (const driver of drivers) {
    let statements = 0;
    const { database, drop } = await emptyDatabase(driver, postgresUrl, () => {
      statements += 1;
    });
    try {
      const started = performance.now();
      await importPages(
        database.db,
        pages.map((page, i) => ({ ...page, source: `generated/${i}.txt` })),
      );
      const importMs = performance.now() - started;
      // Imports never ANALYZE; a Postgres without statistics plans (and JIT-compiles) blind.
      await database.db.execute(sql`ANALYZE`);
      log(`${driver}: imported ${count} pages in ${(importMs / 1000).toFixed(1)} s`);

      const app = createApp({ database, logErrors: true });
      const searchOnce = async (text: string) => {
        const response = await app.fetch("http://bench/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ query: QUERY, variables: { query: text } }),
        });
        const body = (await response.json()) as { errors?: unknown[] };
        if (body.errors) throw new Error(`search "${text}" failed: ${JSON.stringify(body.errors)}`);
      };
      // Warm up: plans, caches, the JIT decisions.
      for (const { text } of mix.slice(0, 10)) {
        await searchOnce(text);
        await ilikeScan(database, text);
      }
      const loadBefore = loadavg()[0] ?? 0;
      const samples = new Map<string, { search: number[]; baseline: number[] }>();
      for (let round = 0; round < rounds; round++) {
        for (const [index, { kind, text }] of mix.entries()) {
          const entry = samples.get(kind) ?? { search: [], baseline: [] };
          samples.set(kind, entry);
          const runSearch = async () => {
            const t = performance.now();
            await searchOnce(text);
            entry.search.push(performance.now() - t);
          };
          const runBaseline = async () => {
            const t = performance.now();
            await ilikeScan(database, text);
            entry.baseline.push(performance.now() - t);
          };
          // Alternate which goes first, so neither always meets a warm or a cold cache.
          if ((round + index) % 2 === 0) {
            await runSearch();
            await runBaseline();
          } else {
            await runBaseline();
            await runSearch();
          }
        }
      }
      const loadAfter = loadavg()[0] ?? 0;
      statements = 0;
      await searchOnce(mix[0]?.text ?? "x");
      const statementsPerSearch = statements;
      const all = {
        search: stats([...samples.values()].flatMap((s) => s.search)),
        baseline: stats([...samples.values()].flatMap((s) => s.baseline)),
      };
      results.push({
        driver,
        importMs,
        byKind: [...samples.entries()].map(([kind, s]) => ({
          kind,
          queries: mix.filter((q) => q.kind === kind).length,
          search: stats(s.search),
          baseline: stats(s.baseline),
        })),
        all: {
          ...all,
          ratioP50: all.search.p50 / all.baseline.p50,
          ratioP99: all.search.p99 / all.baseline.p99,
        },
        statementsPerSearch,
        load: [loadBefore, loadAfter],
        targetMet: all.search.p99 < TARGET_P99_MS,
      });
    } finally {
      await drop();
    }
  }
  return results;
}

const ms = (value: number) => `${value.toFixed(1).padStart(6)} ms`;

export function formatSearchReport(results: SearchBenchResult[]): string {
  const lines = [
    `search latency through GraphQL (first: 20, with highlights) vs an ILIKE scan, target p99 < ${TARGET_P99_MS} ms`,
  ];
  for (const r of results) {
    lines.push(
      `  ${r.driver}: ${(r.importMs / 1000).toFixed(1)} s to import; all queries: search p50 ${ms(r.all.search.p50)} p99 ${ms(r.all.search.p99)}` +
        ` | ILIKE p50 ${ms(r.all.baseline.p50)} p99 ${ms(r.all.baseline.p99)}` +
        ` | ratio p50 ${r.all.ratioP50.toFixed(2)}x p99 ${r.all.ratioP99.toFixed(2)}x` +
        ` | ${r.statementsPerSearch} statement(s) per search | ${r.targetMet ? "meets" : "MISSES"} the target` +
        ` | load average ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)}`,
    );
    for (const k of r.byKind) {
      lines.push(
        `    ${k.kind.padEnd(12)} (${String(k.queries).padStart(2)} queries) search p50 ${ms(k.search.p50)} p99 ${ms(k.search.p99)}` +
          `  ILIKE p50 ${ms(k.baseline.p50)} p99 ${ms(k.baseline.p99)}`,
      );
    }
  }
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await benchSearch({ log: (line) => console.error(line) });
  console.log(formatSearchReport(results));
  if (results.some((r) => !r.targetMet)) process.exitCode = 1;
}
