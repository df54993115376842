import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type Database, type Db, openDatabase, selectRows } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { neighborhoods, shortestPath } from "../src/graph/traversal.ts";
import { type GeneratedGraph, generateGraph } from "./graph-generator.ts";
import { mulberry32 } from "./random.ts";

/**
 * The traversal engine against the textbook recursive CTE (both edge directions, a visited-path
 * array) on a generated power-law graph in real Postgres. Both run the same random starts and
 * pairs side by side, each on its own connection so each backend's memory can be read apart.
 */

export interface BenchTraversalOptions {
  /** An admin URL; the bench creates its own database there and drops it afterwards. */
  adminUrl?: string;
  topics?: number;
  edges?: number;
  /** Starts and pairs measured, each on both sides. */
  samples?: number;
  /** Neighbourhood depth and node limit. */
  depth?: number;
  limit?: number;
  /** Path length bound. */
  maxDepth?: number;
  /** Statement timeout of the baseline; a sample that hits it counts as this long, at least. */
  baselineTimeoutMs?: number;
  /** Starts sent in one call, as a GraphQL list would. */
  batchSize?: number;
  seed?: number;
  keepDatabase?: boolean;
  log?: (line: string) => void;
}

export const FULL_SIZE = { topics: 100_000, edges: 1_000_000, samples: 60 } as const;
export const QUICK_SIZE = { topics: 10_000, edges: 100_000, samples: 20 } as const;

export interface Timing {
  samples: number;
  timeouts: number;
  /** Wall time seen by the client. */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** CPU time of the side's Postgres backend (from /proc; null when the server is remote). */
  cpuP50Ms: number | null;
  cpuP99Ms: number | null;
  /** True when that percentile is a timed-out sample, so the true value is higher. */
  p50Censored: boolean;
  p99Censored: boolean;
}

export interface TargetReport {
  name: string;
  ours: Timing;
  baseline: Timing;
  /** baseline / ours, at each percentile; lower bounds when the baseline side is censored. */
  ratioP50: number;
  ratioP99: number;
  /** The same for backend CPU time, which other load on the machine disturbs far less. */
  cpuRatioP50: number | null;
  cpuRatioP99: number | null;
  /** Median of the per-sample ratios. */
  medianSampleRatio: number;
  /** Samples where both finished and the answers were compared; mismatches must be 0. */
  checked: number;
  mismatches: number;
}

export interface MemoryReport {
  /** Peak resident set (VmHWM) of each side's Postgres backend; includes shared buffers touched. */
  oursBackendPeakRssKb: number | null;
  baselineBackendPeakRssKb: number | null;
  /** Highest private (anonymous) resident memory seen while each side's statements ran. */
  oursBackendPeakPrivateKb: number | null;
  baselineBackendPeakPrivateKb: number | null;
  /** This Node process. */
  nodePeakRssKb: number;
}

export interface BenchTraversalReport {
  database: string;
  graph: GeneratedGraph;
  settings: Required<
    Pick<
      BenchTraversalOptions,
      "samples" | "depth" | "limit" | "maxDepth" | "baselineTimeoutMs" | "batchSize" | "seed"
    >
  >;
  targets: TargetReport[];
  /** One call for `batchSize` starts: its time and statements, against the singles summed. */
  batch: { starts: number; ms: number; statements: number; singlesSummedMs: number };
  /** The most connected topic as the start: the worst case for hubs. */
  hub: { topicId: number; degree: number; oursMs: number; baselineMs: number; timedOut: boolean };
  memory: MemoryReport;
  seconds: number;
}

const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export async function benchTraversal(
  options: BenchTraversalOptions = {},
): Promise<BenchTraversalReport> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const settings = {
    samples: options.samples ?? FULL_SIZE.samples,
    depth: options.depth ?? 3,
    limit: options.limit ?? 500,
    maxDepth: options.maxDepth ?? 6,
    baselineTimeoutMs: options.baselineTimeoutMs ?? 4000,
    batchSize: options.batchSize ?? 50,
    seed: options.seed ?? 20_261_127,
  };
  const adminUrl = options.adminUrl ?? DEFAULT_ADMIN_URL;
  const name = `pickgraph_bench_${randomBytes(5).toString("hex")}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const opened: Database[] = [];
  try {
    log(`database ${name}`);
    const setup = await openDatabase(
      { driver: "postgres", url: url.toString() },
      { poolSize: 1, statementTimeoutMs: 600_000 },
    );
    opened.push(setup);
    await migrateDatabase(setup.db);
    const graph = await generateGraph(setup.db, {
      topics: options.topics ?? FULL_SIZE.topics,
      edges: options.edges ?? FULL_SIZE.edges,
      seed: settings.seed,
    });
    log(describeGraph(graph));

    let oursStatements = 0;
    const ours = await openDatabase(
      { driver: "postgres", url: url.toString() },
      {
        poolSize: 1,
        statementTimeoutMs: 120_000,
        onQuery: () => {
          oursStatements++;
        },
      },
    );
    opened.push(ours);
    const baseline = await openDatabase(
      { driver: "postgres", url: url.toString() },
      { poolSize: 1, statementTimeoutMs: settings.baselineTimeoutMs },
    );
    opened.push(baseline);
    const oursBackend = await backend(ours.db);
    const baselineBackend = await backend(baseline.db);

    const random = mulberry32(settings.seed);
    const topicId = () => 1 + Math.floor(random() * graph.topics);
    const starts = Array.from({ length: settings.samples }, topicId);
    const pairs = Array.from({ length: settings.samples }, () => {
      const from = topicId();
      let to = topicId();
      while (to === from) to = topicId();
      return [from, to] as const;
    });

    const neighborhoodOf = (start: number) =>
      neighborhoods(ours.db, [start], { depth: settings.depth, limit: settings.limit });
    const baselineNeighborhood = (start: number, withEdges = true) =>
      textbookNeighborhood(baseline.db, start, settings.depth, settings.limit, withEdges);
    // The engine alone, without the edges among the nodes: what the recursive CTE itself computes.
    const nodesOf = (start: number) =>
      selectRows<{ depth: number }>(
        ours.db,
        sql`
          SELECT n.depth FROM pickgraph_neighborhood(
            ARRAY[${start}::int], ${settings.depth}::int,
            '{RELATED_TO,COMPARED_WITH}'::relation_kind[], 'BOTH', ${settings.limit}::int) AS n
        `,
      );
    const pathOf = (from: number, to: number) =>
      shortestPath(ours.db, from, to, { maxDepth: settings.maxDepth });
    const baselinePath = (from: number, to: number) =>
      textbookPath(baseline.db, from, to, settings.maxDepth);

    // Warm both sides' caches and plan caches on starts that are not measured.
    for (let i = 0; i < 3; i++) {
      const start = topicId();
      await neighborhoodOf(start);
      await run(() => baselineNeighborhood(start));
      await pathOf(start, topicId());
    }

    const targets: TargetReport[] = [];
    log(
      `neighbourhood: ${settings.samples} starts, depth ${settings.depth}, limit ${settings.limit}`,
    );
    targets.push(
      await sideBySide(
        `neighbourhood subgraph (nodes + edges), depth ${settings.depth}, limit ${settings.limit}`,
        starts,
        settings.baselineTimeoutMs,
        { ours: oursBackend, baseline: baselineBackend },
        async (start) => {
          const subgraph = (await neighborhoodOf(start)).get(start);
          return subgraph ? depthHistogram(subgraph.nodes.map((n) => n.depth)) : "";
        },
        async (start) =>
          depthHistogram((await baselineNeighborhood(start)).map((node) => node.depth)),
      ),
    );
    targets.push(
      await sideBySide(
        `neighbourhood nodes only (no edges), depth ${settings.depth}, limit ${settings.limit}`,
        starts,
        settings.baselineTimeoutMs,
        { ours: oursBackend, baseline: baselineBackend },
        async (start) => depthHistogram((await nodesOf(start)).map((node) => node.depth)),
        async (start) =>
          depthHistogram((await baselineNeighborhood(start, false)).map((node) => node.depth)),
      ),
    );
    log(`path: ${settings.samples} pairs, maxDepth ${settings.maxDepth}`);
    targets.push(
      await sideBySide(
        `shortest path, maxDepth ${settings.maxDepth}`,
        pairs,
        settings.baselineTimeoutMs,
        { ours: oursBackend, baseline: baselineBackend },
        async ([from, to]) => String((await pathOf(from, to))?.length ?? null),
        async ([from, to]) => {
          const path = await baselinePath(from, to);
          return String(path === null ? null : path.length - 1);
        },
      ),
    );

    const batchStarts = starts.slice(0, settings.batchSize);
    let singlesSummedMs = 0;
    for (const start of batchStarts)
      singlesSummedMs += (await time(() => neighborhoodOf(start))).ms;
    oursStatements = 0;
    const batched = await time(() =>
      neighborhoods(ours.db, batchStarts, { depth: settings.depth, limit: settings.limit }),
    );
    const batch = {
      starts: batchStarts.length,
      ms: round(batched.ms),
      statements: oursStatements,
      singlesSummedMs: round(singlesSummedMs),
    };

    const [top] = await selectRows<{ id: number; degree: number }>(
      ours.db,
      sql`
        SELECT t AS id, count(*)::int AS degree
        FROM (SELECT from_topic_id AS t FROM topic_relations
              UNION ALL SELECT to_topic_id FROM topic_relations WHERE kind = 'RELATED_TO') AS ends
        GROUP BY t ORDER BY count(*) DESC, t LIMIT 1
      `,
    );
    if (!top) throw new Error("the generated graph has no edges");
    const hubOurs = await sample(oursBackend, () => neighborhoodOf(top.id));
    const hubBaseline = await sample(baselineBackend, () =>
      run(() => baselineNeighborhood(top.id)),
    );
    const hubTimedOut = hubBaseline.value === TIMED_OUT;
    const hub = {
      topicId: top.id,
      degree: top.degree,
      oursMs: round(hubOurs.ms),
      baselineMs: hubTimedOut ? settings.baselineTimeoutMs : round(hubBaseline.ms),
      timedOut: hubTimedOut,
    };

    const memory: MemoryReport = {
      oursBackendPeakRssKb: readStatus(oursBackend.pid, "VmHWM"),
      baselineBackendPeakRssKb: readStatus(baselineBackend.pid, "VmHWM"),
      oursBackendPeakPrivateKb: oursBackend.peakPrivateKb,
      baselineBackendPeakPrivateKb: baselineBackend.peakPrivateKb,
      nodePeakRssKb: process.resourceUsage().maxRSS,
    };
    return {
      database: name,
      graph,
      settings,
      targets,
      batch,
      hub,
      memory,
      seconds: round((performance.now() - started) / 1000),
    };
  } finally {
    for (const database of opened.reverse()) await database.close();
    if (!options.keepDatabase) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

// --- The baseline: what a PostGraphile or Hasura user writes by hand. ---

/**
 * Every walk from the start up to `depth` hops over both edge directions, no topic twice on one
 * walk; the fewest hops per topic, the first `limit` by depth then id, and the edges among them.
 */
async function textbookNeighborhood(
  db: Db,
  start: number,
  depth: number,
  limit: number,
  withEdges: boolean,
) {
  const rows = await selectRows<{ topic_id: number; depth: number | null }>(
    db,
    sql`
      WITH RECURSIVE edges(a, b) AS (
        SELECT from_topic_id, to_topic_id FROM topic_relations
        UNION ALL
        SELECT to_topic_id, from_topic_id FROM topic_relations
      ),
      walk(topic_id, depth, path) AS (
        SELECT ${start}::int, 0, ARRAY[${start}::int]
        UNION ALL
        SELECT e.b, w.depth + 1, w.path || e.b
        FROM walk w JOIN edges e ON e.a = w.topic_id
        WHERE w.depth < ${depth}::int AND NOT e.b = ANY(w.path)
      ),
      nodes AS (
        SELECT topic_id, min(depth) AS depth FROM walk
        GROUP BY topic_id ORDER BY min(depth), topic_id LIMIT ${limit}::int
      )
      SELECT topic_id, depth FROM nodes
      UNION ALL
      SELECT r.from_topic_id, NULL FROM topic_relations r
      WHERE ${withEdges}::boolean
        AND r.from_topic_id IN (SELECT topic_id FROM nodes)
        AND r.to_topic_id IN (SELECT topic_id FROM nodes)
    `,
  );
  return rows.filter((row): row is { topic_id: number; depth: number } => row.depth !== null);
}

/**
 * The same walk from `from`, stopping at the first arrival at `to`: Postgres evaluates a
 * recursive CTE level by level and stops once the outer LIMIT is met, so the first arrival is a
 * shortest one. (Sorting by depth instead would walk every path up to maxDepth first.)
 */
async function textbookPath(db: Db, from: number, to: number, maxDepth: number) {
  const rows = await selectRows<{ path: number[] }>(
    db,
    sql`
      WITH RECURSIVE edges(a, b) AS (
        SELECT from_topic_id, to_topic_id FROM topic_relations
        UNION ALL
        SELECT to_topic_id, from_topic_id FROM topic_relations
      ),
      walk(topic_id, depth, path) AS (
        SELECT ${from}::int, 0, ARRAY[${from}::int]
        UNION ALL
        SELECT e.b, w.depth + 1, w.path || e.b
        FROM walk w JOIN edges e ON e.a = w.topic_id
        WHERE w.depth < ${maxDepth}::int AND w.topic_id <> ${to}::int AND NOT e.b = ANY(w.path)
      )
      SELECT path FROM walk WHERE topic_id = ${to}::int LIMIT 1
    `,
  );
  return rows[0]?.path ?? null;
}

// --- Measuring. ---

const TIMED_OUT = Symbol("timed out");

interface Backend {
  pid: number;
  peakPrivateKb: number | null;
}

async function backend(db: Db): Promise<Backend> {
  const [row] = await selectRows<{ pid: number }>(
    db,
    sql`SELECT pg_backend_pid() AS pid, set_config('jit', 'off', false)`,
  );
  if (!row) throw new Error("no backend pid");
  return { pid: row.pid, peakPrivateKb: readStatus(row.pid, "RssAnon") };
}

/** A field of /proc/<pid>/status in kB, or null when the server is not on this machine. */
function readStatus(pid: number, field: string): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** CPU time the process has run, in ms (/proc/<pid>/schedstat counts nanoseconds). */
function cpuMs(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]) / 1e6;
  } catch {
    return null;
  }
}

/**
 * Runs one statement while sampling its backend's private memory every few milliseconds, and
 * measures the backend's CPU time over it.
 */
async function sample<T>(
  side: Backend,
  work: () => Promise<T>,
): Promise<{ ms: number; cpuMs: number | null; value: T }> {
  const watch = () => {
    const kb = readStatus(side.pid, "RssAnon");
    if (kb !== null) side.peakPrivateKb = Math.max(side.peakPrivateKb ?? 0, kb);
  };
  const timer = setInterval(watch, 5);
  const cpuBefore = cpuMs(side.pid);
  try {
    const result = await time(work);
    const cpuAfter = cpuMs(side.pid);
    watch();
    return {
      ...result,
      cpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    };
  } finally {
    clearInterval(timer);
  }
}

async function time<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** The work's value, or TIMED_OUT when Postgres cancelled it for the statement timeout. */
async function run<T>(work: () => Promise<T>): Promise<T | typeof TIMED_OUT> {
  try {
    return await work();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause ?? error;
    if ((cause as { code?: string }).code === "57014") return TIMED_OUT;
    throw error;
  }
}

async function sideBySide<Input>(
  name: string,
  inputs: readonly Input[],
  timeoutMs: number,
  backends: { ours: Backend; baseline: Backend },
  ours: (input: Input) => Promise<string>,
  baseline: (input: Input) => Promise<string>,
): Promise<TargetReport> {
  const oursSamples: Sample[] = [];
  const baselineSamples: Sample[] = [];
  let checked = 0;
  let mismatches = 0;
  for (const [i, input] of inputs.entries()) {
    // Alternate who goes first so neither side always finds the other's pages in cache.
    const runOurs = () => sample(backends.ours, () => ours(input));
    const runBaseline = () => sample(backends.baseline, () => run(() => baseline(input)));
    const first = i % 2 === 0 ? await runOurs() : null;
    const base = await runBaseline();
    const mine = first ?? (await runOurs());
    const timedOut = base.value === TIMED_OUT;
    oursSamples.push({ ms: mine.ms, cpuMs: mine.cpuMs, timedOut: false });
    baselineSamples.push({
      ms: timedOut ? Math.max(base.ms, timeoutMs) : base.ms,
      cpuMs: base.cpuMs,
      timedOut,
    });
    if (!timedOut) {
      checked++;
      if (base.value !== mine.value) mismatches++;
    }
  }
  const oursTiming = summarize(oursSamples);
  const baselineTiming = summarize(baselineSamples);
  const ratios = baselineSamples.map((b, i) => b.ms / (oursSamples[i] as Sample).ms);
  const ratio = (a: number | null, b: number | null) => (a === null || !b ? null : round(a / b));
  return {
    name,
    ours: oursTiming,
    baseline: baselineTiming,
    ratioP50: round(baselineTiming.p50Ms / oursTiming.p50Ms),
    ratioP99: round(baselineTiming.p99Ms / oursTiming.p99Ms),
    cpuRatioP50: ratio(baselineTiming.cpuP50Ms, oursTiming.cpuP50Ms),
    cpuRatioP99: ratio(baselineTiming.cpuP99Ms, oursTiming.cpuP99Ms),
    medianSampleRatio: round(
      percentile(
        ratios.sort((a, b) => a - b),
        0.5,
      ),
    ),
    checked,
    mismatches,
  };
}

interface Sample {
  ms: number;
  cpuMs: number | null;
  timedOut: boolean;
}

function summarize(samples: Sample[]): Timing {
  const byWall = [...samples].sort((a, b) => a.ms - b.ms);
  const at = <T>(sorted: T[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
  const cpu = samples.map((s) => s.cpuMs);
  const byCpu = cpu.every((c) => c !== null) ? (cpu as number[]).sort((a, b) => a - b) : null;
  return {
    samples: samples.length,
    timeouts: samples.filter((s) => s.timedOut).length,
    p50Ms: round(at(byWall, 0.5)?.ms ?? 0),
    p99Ms: round(at(byWall, 0.99)?.ms ?? 0),
    meanMs: round(samples.reduce((sum, s) => sum + s.ms, 0) / Math.max(1, samples.length)),
    maxMs: round(byWall.at(-1)?.ms ?? 0),
    cpuP50Ms: byCpu ? round(at(byCpu, 0.5) ?? 0) : null,
    cpuP99Ms: byCpu ? round(at(byCpu, 0.99) ?? 0) : null,
    p50Censored: at(byWall, 0.5)?.timedOut ?? false,
    p99Censored: at(byWall, 0.99)?.timedOut ?? false,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

/** Nodes per depth: both sides keep the first `limit` by depth, so these must agree. */
function depthHistogram(depths: number[]): string {
  const counts: number[] = [];
  for (const depth of depths) counts[depth] = (counts[depth] ?? 0) + 1;
  return Array.from(counts, (count) => count ?? 0).join(",");
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

// --- Printing. ---

function describeGraph(graph: GeneratedGraph): string {
  const d = graph.degree;
  return (
    `graph: ${graph.topics} topics, ${graph.edges} edges (${graph.relatedTo} RELATED_TO, ` +
    `${graph.comparedWith} COMPARED_WITH rows); degree max ${d.max}, p50 ${d.p50}, ` +
    `p99 ${d.p99}, p99.9 ${d.p999}; generated in ${(graph.milliseconds / 1000).toFixed(1)} s`
  );
}

export function formatReport(report: BenchTraversalReport): string {
  const lines = [describeGraph(report.graph)];
  const s = report.settings;
  lines.push(
    `samples ${s.samples} per target, baseline statement timeout ${s.baselineTimeoutMs} ms, ` +
      `seed ${s.seed}, JIT off on both sides`,
  );
  for (const t of report.targets) {
    const b50 = t.baseline.p50Censored ? "≥ " : "";
    const b99 = t.baseline.p99Censored ? "≥ " : "";
    const cpu = (timing: Timing) =>
      timing.cpuP50Ms === null
        ? ""
        : `  (backend CPU p50 ${ms(timing.cpuP50Ms)}, p99 ${ms(timing.cpuP99Ms ?? 0)})`;
    lines.push(
      "",
      t.name,
      `  ours      p50 ${ms(t.ours.p50Ms)}  p99 ${ms(t.ours.p99Ms)}  mean ${ms(t.ours.meanMs)}` +
        cpu(t.ours),
      `  baseline  p50 ${b50}${ms(t.baseline.p50Ms)}  p99 ${b99}${ms(t.baseline.p99Ms)}  ` +
        `mean ${ms(t.baseline.meanMs)}${cpu(t.baseline)}  ` +
        `[${t.baseline.timeouts} of ${t.baseline.samples} timed out]`,
      `  ratio     p50 ${b50}${t.ratioP50}x  p99 ${b99}${t.ratioP99}x  ` +
        `median per sample ${t.medianSampleRatio}x` +
        (t.cpuRatioP50 === null
          ? ""
          : `  (backend CPU p50 ${b50}${t.cpuRatioP50}x, p99 ${b99}${t.cpuRatioP99}x)`),
      `  answers   ${t.checked} compared, ${t.mismatches} mismatches`,
    );
  }
  const b = report.batch;
  const h = report.hub;
  const m = report.memory;
  const kb = (value: number | null) =>
    value === null ? "n/a" : `${(value / 1024).toFixed(1)} MiB`;
  lines.push(
    "",
    `batch: ${b.starts} starts in one call: ${ms(b.ms)} in ${b.statements} statement(s) ` +
      `(the same one by one: ${ms(b.singlesSummedMs)})`,
    `hub start (topic ${h.topicId}, degree ${h.degree}): ours ${ms(h.oursMs)}, baseline ` +
      `${h.timedOut ? `timed out at ${ms(h.baselineMs)}` : ms(h.baselineMs)}`,
    `peak RSS: ours backend ${kb(m.oursBackendPeakRssKb)} (private ${kb(m.oursBackendPeakPrivateKb)}), ` +
      `baseline backend ${kb(m.baselineBackendPeakRssKb)} (private ${kb(m.baselineBackendPeakPrivateKb)}), ` +
      `node ${kb(m.nodePeakRssKb)}`,
    `total ${report.seconds} s`,
  );
  return lines.join("\n");
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`;
}

function flag(args: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

async function main(args: string[]): Promise<void> {
  const quick = args.includes("--quick");
  const size = quick ? QUICK_SIZE : FULL_SIZE;
  const number = (name: string, fallback: number) => {
    const value = flag(args, name);
    return value === undefined ? fallback : Number(value);
  };
  const report = await benchTraversal({
    adminUrl: process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? DEFAULT_ADMIN_URL,
    topics: number("topics", size.topics),
    edges: number("edges", size.edges),
    samples: number("samples", size.samples),
    baselineTimeoutMs: number("timeout", 4000),
    keepDatabase: args.includes("--keep"),
    log: (line) => console.error(line),
  });
  console.log(args.includes("--json") ? JSON.stringify(report, null, 2) : formatReport(report));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
