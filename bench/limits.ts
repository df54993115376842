/**
 * `npm run bench -- limits [--bound-ms 1000] [--rounds 3] [--fresh] [--database <name>]
 * [--pglite <folder>]`: what the most expensive requests the cost limit admits really cost, on
 * the seeds plus 10,000 generated pages, on the local Postgres or (`--pglite`) on PGlite. Each
 * request of the battery is generated as close to the server's MAX_QUERY_COST as its knob
 * allows (wide, deep, aliased, traversal-heavy, through variables), next to the documented
 * examples; while it runs, a `{ __typename }` loop and a `topic(slug:) { name }` loop (which needs
 * a statement of its own: on PGlite it waits for its turn at the database) measure how long a
 * small concurrent query waits. Prints per request its cost, wall time (median of rounds), the server's CPU for one run
 * alone (its node process plus, on Postgres, the database's backends: the server's work, which a
 * loaded machine does not inflate as it does wall time), the server's RSS growth and the small
 * query's worst latency; exits 1 when an admissible request takes more server CPU than the
 * bound, a small query waits longer than it, or a documented example is refused.
 *
 * The database (`--database`, default `pickgraph_bench_limits_10k`; or the PGlite folder) is built
 * once and kept for the next run; `--fresh` rebuilds it.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { complexityFromQuery } from "@pothos/plugin-complexity";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { EXAMPLE } from "../src/app.ts";
import { type DatabaseTarget, parseDatabaseUrl } from "../src/config.ts";
import { openDatabase, selectRows } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { seedDatabase } from "../src/editing/seed.ts";
import { schema } from "../src/graphql/schema.ts";
import { importPages } from "../src/ingest/import-pages.ts";
import * as explorer from "../web/src/api.ts";
import { post, ROOT, rssMb, startServer } from "./http-load.ts";
import { generatePages } from "./import.ts";

export interface LimitCase {
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** A documented example: it must be admitted. */
  documented?: boolean;
}

export interface LimitResult {
  name: string;
  cost: number;
  /** Refused (code) instead of run. */
  refused?: string;
  /** Median over the rounds, wall time of the request on the loopback. */
  ms: number;
  /** CPU the server spent on the request run alone (node process + database backends), ms. */
  cpuMs: number;
  /** Of cpuMs, the node process's share (all of it on PGlite). */
  nodeCpuMs: number;
  /** Peak RSS during the request minus RSS before it, MB (the largest over the rounds). */
  rssMb: number;
  /** The slowest `{ __typename }` answered while the request ran, ms. */
  smallMs: number;
  /** The slowest small query that needs the database (`topic(slug:) { name }`) meanwhile, ms. */
  smallDbMs: number;
  error?: string;
}

const PAGES = 10_000;

function costOf(query: string, variables: Record<string, unknown>): number {
  return complexityFromQuery(query, { schema, variables, ctx: {} }).complexity;
}

/** The largest knob in [1, max] whose request costs at most `limit`; null when even 1 is over. */
function nearLimit(
  limit: number,
  max: number,
  make: (n: number) => Omit<LimitCase, "name">,
): Omit<LimitCase, "name"> | null {
  let low = 0;
  let high = max;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const c = make(mid);
    if (costOf(c.query, c.variables) <= limit) low = mid;
    else high = mid - 1;
  }
  return low === 0 ? null : make(low);
}

/** Every ```graphql block of the README that is a query. */
function readmeExamples(): LimitCase[] {
  const text = readFileSync(`${ROOT}/README.md`, "utf8");
  const blocks = [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  return blocks
    .filter((b) => !/^\s*mutation/.test(b))
    .map((query, i) => ({
      name: `README example ${i + 1}`,
      query,
      variables: {},
      documented: true,
    }));
}

function documentedCases(slugs: Slugs): LimitCase[] {
  return [
    { name: "GraphiQL example", ...EXAMPLE, documented: true },
    ...readmeExamples(),
    { name: "explorer home", query: explorer.HOME, variables: {}, documented: true },
    {
      name: "explorer topic (hub)",
      query: explorer.TOPIC,
      variables: { slug: slugs.hub },
      documented: true,
    },
    {
      name: "explorer comparison (hub)",
      query: explorer.COMPARISON,
      variables: { slug: slugs.hubComparison },
      documented: true,
    },
    {
      name: "explorer expand (hub)",
      query: explorer.EXPAND,
      variables: { slug: slugs.hub },
      documented: true,
    },
    {
      name: "explorer path ends",
      query: explorer.PATH_ENDS,
      variables: { from: slugs.hub, to: slugs.far },
      documented: true,
    },
    {
      name: "explorer path",
      query: explorer.PATH,
      variables: { from: slugs.far, to: slugs.far2 },
      documented: true,
    },
  ];
}

const SUBGRAPH =
  "truncated nodes { depth topic { slug name } } edges { from { slug } to { slug } kind weight }";

function aliased(count: number, body: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => `a${i}: ${body(i)}`).join("\n");
}

/** Adversarial but admissible: each generated as near the cost limit as its knob allows. */
function adversarialCases(limit: number, slugs: Slugs): LimitCase[] {
  const templates: [string, number, (n: number) => Omit<LimitCase, "name">][] = [
    [
      "hub neighborhood(depth 6, limit $n), nodes and edges",
      1000,
      (n) => ({
        query: `query($s: String!, $n: Int) { topic(slug: $s) { neighborhood(depth: 6, limit: $n) { ${SUBGRAPH} } } }`,
        variables: { s: slugs.hub, n },
      }),
    ],
    [
      "topics(first: 2) { neighborhood(depth 6, limit $n) }",
      1000,
      (n) => ({
        query: `query($n: Int) { topics(first: 2) { nodes { neighborhood(depth: 6, limit: $n) { nodes { depth } } } } }`,
        variables: { n },
      }),
    ],
    [
      "topics(first: $n) { neighborhood(depth 6, limit 1000) { truncated } }",
      100,
      (n) => ({
        query: `query($n: Int) { topics(first: $n) { nodes { neighborhood(depth: 6, limit: 1000) { truncated } } } }`,
        variables: { n },
      }),
    ],
    [
      "30 aliases of hub neighborhood(depth 6, limit $n) { nodes { depth } }",
      1000,
      (n) => ({
        query: `query($s: String!, $n: Int) { ${aliased(30, (i) => `topic(slug: $s) { neighborhood(depth: 6, limit: $n, direction: ${["BOTH", "OUT", "IN"][i % 3]}) { nodes { depth } } }`)} }`,
        variables: { s: slugs.hub, n },
      }),
    ],
    [
      "$n aliases of relatedComparisons(depth 4, last 100) { totalCount }",
      30,
      (n) => ({
        query: `query($s: String!) { ${aliased(n, () => `comparison(slug: $s) { relatedComparisons(depth: 4, last: 100) { totalCount } }`)} }`,
        variables: { s: slugs.hubComparison },
      }),
    ],
    [
      "comparisons(first: $n) { relatedComparisons(depth 4, first 1) { totalCount } }",
      100,
      (n) => ({
        query: `query($n: Int) { comparisons(first: $n) { nodes { relatedComparisons(depth: 4, first: 1) { totalCount nodes { slug } } } } }`,
        variables: { n },
      }),
    ],
    [
      "comparisons(first: $n) { relatedComparisons(depth 2, first 100) { nodes { slug } } }",
      100,
      (n) => ({
        query: `query($n: Int) { comparisons(first: $n) { nodes { relatedComparisons(depth: 2, first: 100) { totalCount edges { score node { slug } } } } } }`,
        variables: { n },
      }),
    ],
    [
      "hub related(first: $n) { related(first: $n) { slug } }",
      100,
      (n) => ({
        query: `query($s: String!, $n: Int) { topic(slug: $s) { related(first: $n) { nodes { related(first: $n) { totalCount nodes { slug name } } } } } }`,
        variables: { s: slugs.hub, n },
      }),
    ],
    [
      "related, default page, nested $n deep",
      8,
      (n) => {
        let inner = "slug";
        for (let i = 0; i < n; i++) inner = `slug related { nodes { ${inner} } }`;
        return {
          query: `query($s: String!) { topic(slug: $s) { ${inner} } }`,
          variables: { s: slugs.hub },
        };
      },
    ],
    [
      "topics(first: $n) { comparisons(first: $n) { options { topic { slug } } } }",
      100,
      (n) => ({
        query: `query($n: Int) { topics(first: $n) { nodes { slug comparisons(first: $n) { totalCount nodes { slug options { name topic { slug record { wins } } } } } } } }`,
        variables: { n },
      }),
    ],
    [
      "comparisons(first: $n) { topics { comparisons(first: 5) { verdict } } } (GraphiQL's shape, wide)",
      100,
      (n) => ({
        query: `query($n: Int) { comparisons(first: $n) { nodes { title topics { slug comparisons(first: 5) { totalCount nodes { title verdict { pick { name } bottomLine } } } } } } }`,
        variables: { n },
      }),
    ],
    [
      "$n aliases of path(maxDepth 10) between far topics",
      30,
      (n) => ({
        query: `query($a: String!, $b: String!) { ${aliased(n, () => `path(from: $a, to: $b, maxDepth: 10) { length topics { slug } }`)} }`,
        variables: { a: slugs.far, b: slugs.far2 },
      }),
    ],
    [
      "$n aliases of search(first: 100) on a common word",
      30,
      (n) => ({
        query: `query($q: String!) { ${aliased(n, (i) => `search(query: $q, first: ${100 - i}) { totalCount edges { score node { __typename ... on Topic { slug } ... on Comparison { slug } } } }`)} }`,
        variables: { q: "cloud" },
      }),
    ],
    [
      "topics(first: $n, search) with records and related",
      100,
      (n) => ({
        query: `query($n: Int) { topics(first: $n, search: "cloud") { totalCount nodes { slug record { comparisons wins } related(first: 20) { totalCount nodes { slug } } } } }`,
        variables: { n },
      }),
    ],
  ];
  const cases: LimitCase[] = [];
  for (const [name, max, make] of templates) {
    const made = nearLimit(limit, max, make);
    if (made) cases.push({ name, ...made });
    else console.error(`  (${name}: even the smallest knob is over the limit)`);
  }
  return cases;
}

interface Slugs {
  /** The topic with the most edges. */
  hub: string;
  /** A comparison with the hub as an option. */
  hubComparison: string;
  /** Two topics with few edges, far apart. */
  far: string;
  far2: string;
}

async function findSlugs(target: DatabaseTarget): Promise<Slugs> {
  const database = await openDatabase(target);
  try {
    const hub = await selectRows<{ id: number; slug: string }>(
      database.db,
      sql`SELECT t.id, t.slug FROM topics t JOIN topic_relations r ON r.from_topic_id = t.id
          GROUP BY t.id ORDER BY count(*) DESC LIMIT 1`,
    );
    const hubId = hub[0]?.id as number;
    const comparison = await selectRows<{ slug: string }>(
      database.db,
      sql`SELECT c.slug FROM comparisons c JOIN options o ON o.comparison_id = c.id
          WHERE o.topic_id = ${hubId} ORDER BY c.id LIMIT 1`,
    );
    const far = await selectRows<{ slug: string }>(
      database.db,
      sql`SELECT t.slug FROM topics t JOIN topic_relations r ON r.from_topic_id = t.id
          GROUP BY t.id ORDER BY count(*), t.id DESC LIMIT 2`,
    );
    return {
      hub: hub[0]?.slug as string,
      hubComparison: comparison[0]?.slug as string,
      far: far[0]?.slug as string,
      far2: far[1]?.slug as string,
    };
  } finally {
    await database.close();
  }
}

/** Seeds, 10,000 generated pages and statistics, into a migrated empty database. */
async function fill(target: DatabaseTarget): Promise<void> {
  const database = await openDatabase(target, { statementTimeoutMs: 600_000 });
  try {
    await migrateDatabase(database.db);
    await seedDatabase(database.db);
    const pages = generatePages(PAGES).map((page, i) => ({ ...page, source: `gen-${i}` }));
    await importPages(database.db, pages);
    // Imports leave no statistics; without them Postgres plans (and JIT-compiles) badly.
    await database.db.execute(sql`ANALYZE`);
  } finally {
    await database.close();
  }
}

async function holdsPages(target: DatabaseTarget): Promise<boolean> {
  const database = await openDatabase(target);
  try {
    const rows = await selectRows<{ n: number }>(
      database.db,
      sql`SELECT count(*)::int AS n FROM comparisons`,
    ).catch(() => [{ n: 0 }]);
    return (rows[0]?.n ?? 0) >= PAGES;
  } finally {
    await database.close();
  }
}

/** The Postgres database `name` on the admin URL's server, built once and kept. */
async function ensurePostgres(adminUrl: string, fresh: boolean, name: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const target = { driver: "postgres", url: url.toString() } as const;
  try {
    if (fresh) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const exists = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (exists.length > 0) {
      if (await holdsPages(target)) return url.toString();
      await admin.unsafe(`DROP DATABASE ${name} WITH (FORCE)`);
    }
    console.error(`building ${name}: seeds and ${PAGES} generated pages (a few minutes)`);
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await fill(target);
    return url.toString();
  } finally {
    await admin.end();
  }
}

/** The PGlite folder, built once and kept (the server migrates it when it opens it). */
async function ensurePglite(folder: string, fresh: boolean): Promise<string> {
  const target = { driver: "pglite", dataDir: folder } as const;
  if (fresh) rmSync(folder, { recursive: true, force: true });
  if (existsSync(folder)) {
    if (await holdsPages(target)) return `pglite://${folder}`;
    rmSync(folder, { recursive: true, force: true });
  }
  console.error(`building ${folder}: seeds and ${PAGES} generated pages on PGlite (minutes)`);
  await fill(target);
  return `pglite://${folder}`;
}

/** CPU time a process has used, ms (Linux; user + system). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0; // gone
  }
}
const CLOCK_TICKS = 100;

/**
 * The server's work: CPU of its node process plus, on Postgres, of the database's backends
 * (read on this machine from /proc; the shared server's other databases are not counted).
 */
function serverCpu(pid: number, backends: () => Promise<number[]>) {
  return async (): Promise<Map<number, number>> => {
    const sample = new Map([[pid, cpuMs(pid)]]);
    for (const backend of await backends()) sample.set(backend, cpuMs(backend));
    return sample;
  };
}

function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** One request alone: the CPU the server spent on it (node and database backends), ms. */
async function measureCpu(
  url: string,
  sample: () => Promise<Map<number, number>>,
  c: LimitCase,
): Promise<{ total: number; node: number }> {
  const before = await sample();
  await post(url, c.query, c.variables);
  const after = await sample();
  const node = [...after.keys()][0] as number;
  return {
    total: cpuBetween(before, after),
    node: (after.get(node) ?? 0) - (before.get(node) ?? 0),
  };
}

/** One request with the small-query loop and RSS sampling around it. */
async function measure(
  url: string,
  pid: number,
  c: LimitCase,
  smallSlug: string,
): Promise<{
  ms: number;
  rssMb: number;
  smallMs: number;
  smallDbMs: number;
  error?: string;
  code?: string;
}> {
  const before = rssMb(pid);
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 10);
  let running = true;
  let smallMs = 0;
  let smallDbMs = 0;
  // Two small clients: one needs only the event loop, the other a statement of its own (on
  // PGlite it queues with the big request's statements).
  const smallLoop = async (
    query: string,
    variables: Record<string, unknown>,
    keep: (ms: number) => void,
  ) => {
    while (running) {
      const sent = performance.now();
      const { body } = await post(url, query, variables);
      if (body.errors) throw new Error(`the small query failed: ${JSON.stringify(body.errors)}`);
      keep(performance.now() - sent);
    }
  };
  const small = Promise.all([
    smallLoop("{ __typename }", {}, (ms) => {
      smallMs = Math.max(smallMs, ms);
    }),
    smallLoop("query Small($s: String!) { topic(slug: $s) { name } }", { s: smallSlug }, (ms) => {
      smallDbMs = Math.max(smallDbMs, ms);
    }),
  ]);
  const sent = performance.now();
  const { status, body } = await post(url, c.query, c.variables);
  const ms = performance.now() - sent;
  running = false;
  await small;
  clearInterval(sampler);
  peak = Math.max(peak, rssMb(pid));
  const error = body.errors?.[0];
  return {
    ms,
    rssMb: peak - before,
    smallMs,
    smallDbMs,
    ...(error ? { error: `${status} ${error.message.slice(0, 160)}` } : {}),
    ...(error?.extensions?.code ? { code: String(error.extensions.code) } : {}),
  };
}

export async function benchLimits(options: {
  boundMs: number;
  rounds: number;
  fresh: boolean;
  adminUrl: string;
  database: string;
  /** A PGlite folder to measure instead of Postgres. */
  pglite?: string;
  env?: Record<string, string>;
}): Promise<{ results: LimitResult[]; failed: string[]; maxCost: number }> {
  const url = options.pglite
    ? await ensurePglite(options.pglite, options.fresh)
    : await ensurePostgres(options.adminUrl, options.fresh, options.database);
  const slugs = await findSlugs(parseDatabaseUrl(url));
  // No response cache: every round does the work (an attacker varies requests anyway).
  const server = await startServer({
    DATABASE_URL: url,
    RESPONSE_CACHE_TTL_MS: "0",
    ...options.env,
  });
  const admin = options.pglite ? null : postgres(url, { max: 1, onnotice: () => {} });
  const backends = async () =>
    admin
      ? (
          await admin<{ pid: number }[]>`SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()`
        ).map((row) => row.pid)
      : [];
  const sample = serverCpu(server.pid, backends);
  try {
    // The server's own limit, from a refusal.
    const probe = await post(
      server.url,
      "{ topics(first: 100) { nodes { neighborhood(limit: 1000) { nodes { depth } } } } }",
      {},
    );
    const refusal = probe.body.errors?.[0]?.extensions as { limit?: number } | undefined;
    const maxCost = Number(refusal?.limit ?? Number.NaN);
    if (!Number.isFinite(maxCost)) throw new Error("the server did not refuse an over-cost query");
    const cases = [...documentedCases(slugs), ...adversarialCases(maxCost, slugs)];
    const results: LimitResult[] = [];
    const failed: string[] = [];
    for (const c of cases) {
      const cost = costOf(c.query, c.variables);
      const runs = [];
      for (let round = 0; round < options.rounds; round++) {
        runs.push(await measure(server.url, server.pid, c, slugs.far));
      }
      const cpu = await measureCpu(server.url, sample, c);
      const times = runs.map((r) => r.ms).sort((a, b) => a - b);
      const first = runs[0] as (typeof runs)[number];
      const result: LimitResult = {
        name: c.name,
        cost,
        ms: times[Math.floor(times.length / 2)] as number,
        cpuMs: cpu.total,
        nodeCpuMs: cpu.node,
        rssMb: Math.max(...runs.map((r) => r.rssMb)),
        smallMs: Math.max(...runs.map((r) => r.smallMs)),
        smallDbMs: Math.max(...runs.map((r) => r.smallDbMs)),
        ...(first.code?.startsWith("QUERY_") ? { refused: first.code } : {}),
        ...(first.error && !first.code?.startsWith("QUERY_") ? { error: first.error } : {}),
      };
      results.push(result);
      console.error(formatLine(result));
      if (c.documented && (result.refused || result.error)) {
        failed.push(`${c.name}: ${result.refused ?? result.error}`);
      }
      if (!result.refused && result.error) failed.push(`${c.name}: ${result.error}`);
      if (!result.refused && result.cpuMs > options.boundMs) {
        failed.push(
          `${c.name}: ${result.cpuMs.toFixed(0)} ms of server CPU > ${options.boundMs} ms`,
        );
      }
      if (!result.refused && Math.max(result.smallMs, result.smallDbMs) > options.boundMs) {
        failed.push(
          `${c.name}: a small query waited ${Math.max(result.smallMs, result.smallDbMs).toFixed(0)} ms`,
        );
      }
      if (server.child.exitCode !== null) {
        failed.push(`${c.name}: the server died`);
        break;
      }
    }
    return { results, failed, maxCost };
  } finally {
    await admin?.end();
    await server.stop();
  }
}

function formatLine(r: LimitResult): string {
  const outcome = r.refused ?? (r.error ? `ERROR ${r.error}` : "ok");
  return `${r.name.padEnd(78).slice(0, 78)} cost ${String(r.cost).padStart(6)}  ${r.ms.toFixed(0).padStart(5)} ms  cpu ${r.cpuMs.toFixed(0).padStart(5)} ms (node ${r.nodeCpuMs.toFixed(0).padStart(4)})  RSS +${r.rssMb.toFixed(0).padStart(3)} MB  small ${r.smallMs.toFixed(0).padStart(5)} ms, with db ${r.smallDbMs.toFixed(0).padStart(5)} ms  ${outcome}`;
}

export function formatLimitsReport(report: {
  results: LimitResult[];
  failed: string[];
  maxCost: number;
  boundMs: number;
}): string {
  const lines = [
    `MAX_QUERY_COST ${report.maxCost}; bound ${report.boundMs} ms of server CPU; time = median wall time of rounds, cpu = server CPU (node + database) of one run alone, RSS and small (a { __typename } loop, and a topic(slug:) { name } loop that needs the database) = worst`,
    ...report.results.map(formatLine),
  ];
  const ran = report.results.filter((r) => !r.refused && !r.error);
  if (ran.length > 0) {
    const worst = ran.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
    const ratio = ran.map((r) => r.cpuMs / Math.max(1, r.cost));
    const slowest = ran.reduce((a, b) => (b.ms > a.ms ? b : a));
    lines.push(
      `worst admitted: ${worst.name} ${worst.cpuMs.toFixed(0)} ms of server CPU at cost ${worst.cost}; CPU ms per 1,000 cost: max ${(1000 * Math.max(...ratio)).toFixed(0)}; slowest wall time ${slowest.ms.toFixed(0)} ms (${slowest.name})`,
    );
  }
  lines.push(
    report.failed.length === 0
      ? "all within the bound"
      : `FAILED:\n  ${report.failed.join("\n  ")}`,
  );
  return lines.join("\n");
}

/** `--bound-ms 1000 --rounds 3 --fresh --postgres <admin url>`, after the benchmark's name. */
export function limitsOptions(args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      "bound-ms": { type: "string", default: "1000" },
      rounds: { type: "string", default: "3" },
      fresh: { type: "boolean", default: false },
      postgres: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
      database: { type: "string", default: "pickgraph_bench_limits_10k" },
      pglite: { type: "string" },
    },
  });
  return {
    database: values.database as string,
    ...(values.pglite ? { pglite: values.pglite } : {}),
    boundMs: Number(values["bound-ms"]),
    rounds: Number(values.rounds),
    fresh: values.fresh as boolean,
    adminUrl: values.postgres as string,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const options = limitsOptions(process.argv.slice(2));
  const report = await benchLimits(options);
  console.log(formatLimitsReport({ ...report, boundMs: options.boundMs }));
  process.exit(report.failed.length === 0 ? 0 : 1);
}
