import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { type Database, type Db, openDatabase, selectRows } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { seedDatabase } from "../src/editing/seed.ts";
import { importPages } from "../src/ingest/import-pages.ts";
import { parsePages } from "../src/ingest/parse-page.ts";
import { renderPage } from "../src/ingest/render-page.ts";
import { median } from "./http-load.ts";
import { generatePages } from "./import.ts";
import { mulberry32 } from "./random.ts";
import { DEEP_WALK, NEIGHBORHOOD, TOPIC_PAGE } from "./walk-queries.ts";

/**
 * `npm run bench -- walk [--quick]`: pickgraph over real HTTP next to the floor (bench/walk-floor.ts,
 * one hand-written statement behind node:http), on Postgres and on PGlite, on the seed corpus and
 * on 10,000 generated pages. 10 connections, a warm-up, then rounds that alternate between the
 * servers; medians of the rounds are printed with ratios to the floor of the same run.
 */

const ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";
const REPO = fileURLToPath(new URL("..", import.meta.url));
const CONNECTIONS = 10;

export interface WalkOptions {
  quick?: boolean;
  /** Where the pickgraph server's code is (default: this checkout); for before/after runs. */
  serverDir?: string;
  log?: (line: string) => void;
  /** Only these databases (default both). */
  drivers?: readonly ("postgres" | "pglite")[];
  /** Only these datasets (default both). */
  datasets?: readonly ("seeds" | "pages")[];
}

interface Load {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

interface RoundFigures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  serverCpuMs: number;
  postgresCpuMs: number | null;
  statements: number | null;
  rssMb: number;
}

interface Served {
  name: string;
  process: ChildProcess;
  port: number;
  applicationName: string | null;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS * 2 });

function post(port: number, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function load(port: number, bodies: string[], seconds: number): Promise<Load> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const body = bodies[next++ % bodies.length] as string;
        const t0 = performance.now();
        try {
          const res = await post(port, body);
          if (res.status !== 200 || res.text.includes('"errors"')) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return {
    requests: latencies.length,
    errors,
    seconds: (performance.now() - started) / 1000,
    latencies,
  };
}

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

function startProcess(
  name: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)|http:\/\/[^:]+:(\d+)\/graphql/.exec(output);
      if (match) {
        child.stdout?.off("data", onData);
        resolve({
          name,
          process: child,
          port: Number(match[1] ?? match[2]),
          applicationName: null,
        });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("exit", (code) => reject(new Error(`${name} exited (${code}):\n${output}`)));
  });
}

async function stop(served: Served): Promise<void> {
  if (served.process.exitCode !== null) return;
  const exited = new Promise((resolve) => served.process.once("exit", resolve));
  served.process.kill("SIGTERM");
  await exited;
}

interface Dataset {
  name: string;
  driver: "postgres" | "pglite";
  /** URL for pickgraph's server and for the floor (a copy of the folder on PGlite). */
  serverUrl: string;
  floorUrl: string;
  slugs: string[];
  topicSlugs: string[];
  hub?: {
    hub: string;
    leaf: string;
    hubTopicComparisons: number[];
    leafTopicComparisons: number[];
  };
  cleanup: () => Promise<void>;
}

async function fill(db: Db, pages: number | "seeds"): Promise<void> {
  await migrateDatabase(db);
  if (pages === "seeds") await seedDatabase(db);
  else {
    const inputs = generatePages(pages).map((page, i) => ({
      text: renderPage(page),
      source: `generated/${i}.txt`,
    }));
    await importPages(db, parsePages(inputs));
  }
  // The floor deserves planner statistics as much as pickgraph does.
  await db.execute(sql`ANALYZE`);
}

async function sample(
  db: Db,
  pages: number | "seeds",
): Promise<Pick<Dataset, "slugs" | "topicSlugs" | "hub">> {
  const comparisons = await selectRows<{ slug: string }>(
    db,
    sql`SELECT slug FROM comparisons ORDER BY slug`,
  );
  const topics = await selectRows<{ slug: string }>(
    db,
    sql`SELECT DISTINCT t.slug FROM topics t JOIN topic_comparisons tc ON tc.topic_id = t.id ORDER BY t.slug`,
  );
  const random = mulberry32(9);
  const pick = (all: { slug: string }[], n: number) =>
    all.length <= n
      ? all.map((r) => r.slug)
      : Array.from(
          { length: n },
          () => (all[Math.floor(random() * all.length)] as { slug: string }).slug,
        );
  const result: Pick<Dataset, "slugs" | "topicSlugs" | "hub"> = {
    slugs: pick(comparisons, 100),
    topicSlugs: pick(topics, 100),
  };
  if (pages !== "seeds") {
    // The comparison whose adjacent topics are the most popular, and one whose are the least.
    const ranked = await selectRows<{ slug: string; least: number; counts: number[] }>(
      db,
      sql`WITH popularity AS (SELECT topic_id, count(*)::int AS n FROM topic_comparisons GROUP BY topic_id)
          SELECT c.slug, min(p.n)::int AS least, array_agg(p.n ORDER BY p.n DESC) AS counts
          FROM comparisons c JOIN options o ON o.comparison_id = c.id
          JOIN option_tags ot ON ot.option_id = o.id JOIN popularity p ON p.topic_id = ot.topic_id
          GROUP BY c.id HAVING count(*) >= 4 ORDER BY least DESC, c.slug LIMIT 1`,
    );
    const leafs = await selectRows<{ slug: string; counts: number[] }>(
      db,
      sql`WITH popularity AS (SELECT topic_id, count(*)::int AS n FROM topic_comparisons GROUP BY topic_id)
          SELECT c.slug, array_agg(p.n ORDER BY p.n DESC) AS counts
          FROM comparisons c JOIN options o ON o.comparison_id = c.id
          JOIN option_tags ot ON ot.option_id = o.id JOIN popularity p ON p.topic_id = ot.topic_id
          GROUP BY c.id HAVING count(*) >= 4 ORDER BY max(p.n), c.slug LIMIT 1`,
    );
    const hub = ranked[0];
    const leaf = leafs[0];
    if (hub && leaf) {
      result.hub = {
        hub: hub.slug,
        leaf: leaf.slug,
        hubTopicComparisons: hub.counts,
        leafTopicComparisons: leaf.counts,
      };
    }
  }
  return result;
}

async function makeDataset(
  driver: "postgres" | "pglite",
  pages: number | "seeds",
  log: (line: string) => void,
): Promise<Dataset> {
  const name = `${driver}, ${pages === "seeds" ? "seed corpus" : `${pages} generated pages`}`;
  const started = performance.now();
  if (driver === "postgres") {
    const dbName = `pickgraph_walk_${randomBytes(4).toString("hex")}`;
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${dbName}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${dbName}`;
    const database = await openDatabase(
      { driver: "postgres", url: url.toString() },
      { statementTimeoutMs: 600_000 },
    );
    try {
      await fill(database.db, pages);
      const sampled = await sample(database.db, pages);
      log(`${name}: ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return {
        name,
        driver,
        serverUrl: url.toString(),
        floorUrl: url.toString(),
        ...sampled,
        cleanup: async () => {
          await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
          await admin.end();
        },
      };
    } finally {
      await database.close();
    }
  }
  const folder = mkdtempSync(join(tmpdir(), "pickgraph-walk-"));
  let database: Database | undefined = await openDatabase({
    driver: "pglite",
    dataDir: join(folder, "server"),
  });
  let sampled: Pick<Dataset, "slugs" | "topicSlugs" | "hub">;
  try {
    await fill(database.db, pages);
    sampled = await sample(database.db, pages);
  } finally {
    await database.close();
    database = undefined;
  }
  cpSync(join(folder, "server"), join(folder, "floor"), { recursive: true });
  log(`${name}: ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return {
    name,
    driver,
    serverUrl: `pglite://${join(folder, "server")}`,
    floorUrl: `pglite://${join(folder, "floor")}`,
    ...sampled,
    cleanup: async () => rmSync(folder, { recursive: true, force: true }),
  };
}

async function backendPids(applicationName: string, dbName: string): Promise<number[]> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity
      WHERE application_name = ${applicationName} AND datname = ${dbName}`;
    return rows.map((r) => r.pid);
  } finally {
    await admin.end();
  }
}

async function committedTransactions(dbName: string): Promise<number> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin<{ n: string }[]>`
      SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = ${dbName}`;
    return Number(row?.n ?? 0);
  } finally {
    await admin.end();
  }
}

async function round(
  served: Served,
  dataset: Dataset,
  bodies: string[],
  seconds: number,
): Promise<RoundFigures> {
  const pid = served.process.pid as number;
  const dbName =
    dataset.driver === "postgres" ? new URL(dataset.serverUrl).pathname.slice(1) : null;
  const backends =
    served.applicationName && dbName ? await backendPids(served.applicationName, dbName) : [];
  const cpu0 = cpuMs(pid);
  const pg0 = backends.reduce((s, p) => s + cpuMs(p), 0);
  const tx0 = dbName ? await committedTransactions(dbName) : 0;
  const result = await load(served.port, bodies, seconds);
  const cpu1 = cpuMs(pid);
  // Backends opened during the round (the pool grows on demand) count from zero.
  const backendsAfter =
    served.applicationName && dbName ? await backendPids(served.applicationName, dbName) : [];
  const pg1 = backendsAfter.reduce((s, p) => s + cpuMs(p), 0);
  const tx1 = dbName ? await committedTransactions(dbName) : 0;
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const n = Math.max(result.requests, 1);
  return {
    rps: result.requests / result.seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors: result.errors,
    serverCpuMs: (cpu1 - cpu0) / n,
    postgresCpuMs: served.applicationName ? (pg1 - pg0) / n : null,
    // The bench's own 3 statistics queries run outside that database.
    statements: dbName ? (tx1 - tx0) / n : null,
    rssMb: rssMb(pid),
  };
}

function summarise(rounds: RoundFigures[]): RoundFigures {
  const pick = (f: (r: RoundFigures) => number | null) => {
    const values = rounds.map(f).filter((v): v is number => v !== null);
    return values.length ? median(values) : null;
  };
  return {
    rps: pick((r) => r.rps) as number,
    p50: pick((r) => r.p50) as number,
    p99: pick((r) => r.p99) as number,
    errors: rounds.reduce((s, r) => s + r.errors, 0),
    serverCpuMs: pick((r) => r.serverCpuMs) as number,
    postgresCpuMs: pick((r) => r.postgresCpuMs),
    statements: pick((r) => r.statements),
    rssMb: Math.max(...rounds.map((r) => r.rssMb)),
  };
}

const body = (query: string, slug: string) => JSON.stringify({ query, variables: { slug } });

function canonical(text: string): unknown {
  return JSON.parse(text);
}

export interface WalkRow {
  dataset: string;
  workload: string;
  server: string;
  figures: RoundFigures;
  ratio: number | null;
  idleRssMb: number;
}

export interface HubReport {
  dataset: string;
  hub: string;
  leaf: string;
  hubTopicComparisons: number[];
  leafTopicComparisons: number[];
  hubMs: number;
  leafMs: number;
  floorHubMs: number;
  floorLeafMs: number;
}

export interface WalkReport {
  rows: WalkRow[];
  hubs: HubReport[];
  checked: number;
  settings: { rounds: number; seconds: number; warmup: number; pages: number };
}

export async function benchWalk(options: WalkOptions = {}): Promise<WalkReport> {
  const log = options.log ?? (() => {});
  const quick = options.quick ?? false;
  const settings = {
    rounds: quick ? 1 : 2,
    seconds: quick ? 4 : 10,
    warmup: quick ? 2 : 3,
    pages: quick ? 2000 : 10_000,
  };
  const serverDir = options.serverDir ?? REPO;
  const report: WalkReport = { rows: [], hubs: [], checked: 0, settings };

  const datasets = options.datasets ?? ["seeds", "pages"];
  for (const pages of datasets.map((d) => (d === "seeds" ? "seeds" : settings.pages))) {
    for (const driver of options.drivers ?? (["postgres", "pglite"] as const)) {
      const dataset = await makeDataset(driver, pages, log);
      const servers: Served[] = [];
      try {
        const pickgraph = await startProcess("pickgraph", ["src/main.ts"], serverDir, {
          DATABASE_URL: dataset.serverUrl,
          PORT: "0",
          HOST: "127.0.0.1",
          SEED: "false",
          LOG_LEVEL: "warn",
          // The rounds cycle through at most 100 slugs: a response cache would answer them from
          // memory and measure the cache, not the read path the floor is compared with.
          RESPONSE_CACHE_TTL_MS: "0",
        });
        servers.push(pickgraph);
        const idlePickgraph = rssMb(pickgraph.process.pid as number);
        const floor = await startProcess(
          "floor",
          ["bench/walk-floor.ts", dataset.floorUrl],
          REPO,
          {},
        );
        servers.push(floor);
        const idleFloor = rssMb(floor.process.pid as number);
        if (driver === "postgres") {
          // Application names tell each server's backends apart in pg_stat_activity.
          pickgraph.applicationName = "pickgraph";
          floor.applicationName = "pickgraph-floor";
        }

        // Answers must be equal for every slug compared before anything is timed.
        for (const slug of dataset.slugs) {
          const ours = await post(pickgraph.port, body(DEEP_WALK, slug));
          const theirs = await post(floor.port, body(DEEP_WALK, slug));
          if (
            !isDeepStrictEqual(canonical(ours.text), canonical(theirs.text)) ||
            ours.text.includes('"errors"')
          ) {
            throw new Error(
              `answers differ for ${slug}:\n${ours.text.slice(0, 2000)}\n---\n${theirs.text.slice(0, 2000)}`,
            );
          }
          if (JSON.stringify(canonical(ours.text)) !== JSON.stringify(canonical(theirs.text))) {
            throw new Error(`key order differs for ${slug}`);
          }
          report.checked++;
        }
        log(`${dataset.name}: ${dataset.slugs.length} deep walks answered equally by both`);

        const walkBodies = dataset.slugs.map((slug) => body(DEEP_WALK, slug));
        await load(pickgraph.port, walkBodies, settings.warmup);
        await load(floor.port, walkBodies, settings.warmup);
        const ours: RoundFigures[] = [];
        const theirs: RoundFigures[] = [];
        for (let i = 0; i < settings.rounds; i++) {
          ours.push(await round(pickgraph, dataset, walkBodies, settings.seconds));
          theirs.push(await round(floor, dataset, walkBodies, settings.seconds));
          log(
            `${dataset.name} round ${i + 1}: pickgraph ${ours.at(-1)?.rps.toFixed(0)} req/s, floor ${theirs.at(-1)?.rps.toFixed(0)} req/s`,
          );
        }
        const floorFigures = summarise(theirs);
        const ourFigures = summarise(ours);
        report.rows.push({
          dataset: dataset.name,
          workload: "deep walk",
          server: "floor",
          figures: floorFigures,
          ratio: 1,
          idleRssMb: idleFloor,
        });
        report.rows.push({
          dataset: dataset.name,
          workload: "deep walk",
          server: "pickgraph",
          figures: ourFigures,
          ratio: ourFigures.rps / floorFigures.rps,
          idleRssMb: idlePickgraph,
        });

        for (const [workload, query, slugs] of [
          ["topic page", TOPIC_PAGE, dataset.topicSlugs],
          ["neighborhood(depth: 2)", NEIGHBORHOOD, dataset.topicSlugs],
        ] as const) {
          const bodies = slugs.map((slug) => body(query, slug));
          await load(pickgraph.port, bodies, settings.warmup);
          const rounds: RoundFigures[] = [];
          for (let i = 0; i < settings.rounds; i++) {
            rounds.push(await round(pickgraph, dataset, bodies, settings.seconds / 2));
          }
          report.rows.push({
            dataset: dataset.name,
            workload,
            server: "pickgraph",
            figures: summarise(rounds),
            ratio: null,
            idleRssMb: idlePickgraph,
          });
        }

        // Each dataset's figures as soon as they exist: a long run cut short still tells its story.
        log(
          formatWalkReport({
            ...report,
            rows: report.rows.filter((r) => r.dataset === dataset.name),
            hubs: [],
          }),
        );
        if (dataset.hub) {
          const { hub, leaf } = dataset.hub;
          const count = quick ? 30 : 100;
          // Request by request in turn, so both see the same machine: a burst of the machine's
          // other work then lands on both, not on one block of one of them.
          const hubTimes: number[] = [];
          const leafTimes: number[] = [];
          const floorHub: number[] = [];
          const floorLeaf: number[] = [];
          const time = async (port: number, slug: string, into: number[]) => {
            const started = performance.now();
            await post(port, body(DEEP_WALK, slug));
            into.push(performance.now() - started);
          };
          for (let i = 0; i < count; i++) {
            await time(pickgraph.port, hub, hubTimes);
            await time(pickgraph.port, leaf, leafTimes);
            await time(floor.port, hub, floorHub);
            await time(floor.port, leaf, floorLeaf);
          }
          report.hubs.push({
            dataset: dataset.name,
            ...dataset.hub,
            hubMs: median(hubTimes),
            leafMs: median(leafTimes),
            floorHubMs: median(floorHub),
            floorLeafMs: median(floorLeaf),
          });
        }
      } finally {
        for (const served of servers) await stop(served);
        await dataset.cleanup();
      }
    }
  }
  return report;
}

const fmt = (v: number | null, digits = 1) =>
  v === null || Number.isNaN(v) ? "-" : v.toFixed(digits);

export function formatWalkReport(report: WalkReport): string {
  const lines: string[] = [];
  const s = report.settings;
  lines.push(
    `${CONNECTIONS} connections, ${s.warmup} s warm-up, ${s.rounds} alternating round(s) of ${s.seconds} s (other workloads ${s.seconds / 2} s), medians; ${report.checked} deep walks checked equal to the floor`,
  );
  lines.push(
    "dataset                        | workload               | server    |  req/s | ratio | p50 ms | p99 ms | server CPU ms/req | Postgres CPU ms/req | statements/req | RSS MB idle/load | errors",
  );
  for (const row of report.rows) {
    const f = row.figures;
    lines.push(
      [
        row.dataset.padEnd(30),
        row.workload.padEnd(22),
        row.server.padEnd(9),
        fmt(f.rps, 0).padStart(6),
        fmt(row.ratio, 2).padStart(5),
        fmt(f.p50).padStart(6),
        fmt(f.p99).padStart(6),
        fmt(f.serverCpuMs, 2).padStart(17),
        fmt(f.postgresCpuMs, 2).padStart(19),
        fmt(f.statements, 2).padStart(14),
        `${fmt(row.idleRssMb, 0)}/${fmt(f.rssMb, 0)}`.padStart(16),
        String(f.errors).padStart(6),
      ].join(" | "),
    );
  }
  for (const row of report.rows) {
    if (row.server !== "pickgraph" || row.workload !== "deep walk") continue;
    const floor = report.rows.find((r) => r.dataset === row.dataset && r.server === "floor");
    const pgRatio =
      row.figures.postgresCpuMs !== null && floor?.figures.postgresCpuMs
        ? row.figures.postgresCpuMs / floor.figures.postgresCpuMs
        : null;
    lines.push(
      `${row.dataset}: deep walk ${fmt(row.ratio, 2)} of the floor; Postgres CPU per request ${fmt(pgRatio, 2)}x the floor's`,
    );
  }
  for (const hub of report.hubs) {
    lines.push(
      `${hub.dataset}: hub comparison ${hub.hub} (adjacent topics' comparisons ${hub.hubTopicComparisons.join(", ")}) ${fmt(hub.hubMs, 2)} ms vs leaf ${hub.leaf} (${hub.leafTopicComparisons.join(", ")}) ${fmt(hub.leafMs, 2)} ms: ${fmt(hub.hubMs / hub.leafMs, 2)}x (floor: ${fmt(hub.floorHubMs, 2)} vs ${fmt(hub.floorLeafMs, 2)} ms)`,
    );
  }
  return lines.join("\n");
}
