/**
 * `npm run bench -- scale` (issue 13): a real Postgres primary and streaming replica of its own
 * (temp folder, other ports), the seed corpus, and pickgraph servers over real HTTP:
 * - the deep walk with the response cache cold (off) and warm, alternating rounds;
 * - throughput with 1 and with 2 server processes (WORKERS), cache off, alternating rounds.
 * Medians of the rounds and ratios measured in this one run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { runScript, type Server, startServer } from "../tests/helpers/processes.ts";
import { startReplicatedPostgres } from "../tests/scale/replication-cluster.ts";
import { median } from "./http-load.ts";

const DEEP_WALK = readFileSync(
  fileURLToPath(new URL("../documents/DeepWalk.graphql", import.meta.url)),
  "utf8",
);
const CONNECTIONS = 10;
const ROUND_MS = 5_000;
const ROUNDS = 3;

interface Round {
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU time of the server's processes per request: what the machine's load cannot inflate much. */
  cpuMs: number;
  /** Share of answers the response cache gave. */
  hits: number;
}

/** User + system CPU of a process and its children (the WORKERS), in ms (Linux /proc). */
function processTreeCpuMs(pid: number): number {
  const ticksOf = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  };
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = ticksOf(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (Number(entry) === pid || stat.ppid === pid) ticks += stat.ticks;
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

async function walk(server: Server, slug: string): Promise<{ ms: number; hit: boolean }> {
  const started = performance.now();
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query: DEEP_WALK, variables: { slug } }),
  });
  const body = (await response.json()) as { errors?: unknown; data?: { comparison: unknown } };
  if (body.errors || !body.data?.comparison) throw new Error(JSON.stringify(body).slice(0, 300));
  return {
    ms: performance.now() - started,
    hit: response.headers.get("x-pickgraph-served-by") === "cache",
  };
}

async function round(server: Server, slugs: string[], ms: number): Promise<Round> {
  const latencies: number[] = [];
  let hits = 0;
  const cpuBefore = processTreeCpuMs(server.process.pid as number);
  const deadline = performance.now() + ms;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const answer = await walk(server, slugs[next++ % slugs.length] as string);
        latencies.push(answer.ms);
        if (answer.hit) hits++;
      }
    }),
  );
  const cpuMs = processTreeCpuMs(server.process.pid as number) - cpuBefore;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    perSecond: (latencies.length * 1000) / ms,
    p50: at(0.5),
    p99: at(0.99),
    cpuMs: cpuMs / Math.max(1, latencies.length),
    hits: hits / Math.max(1, latencies.length),
  };
}

function summary(rounds: Round[]) {
  return {
    perSecond: median(rounds.map((r) => r.perSecond)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    cpuMs: median(rounds.map((r) => r.cpuMs)),
    hits: median(rounds.map((r) => r.hits)),
  };
}

/** Runs the configurations round by round, alternating, after a warm-up of each. */
async function alternate(servers: Record<string, Server>, slugs: string[]) {
  const rounds: Record<string, Round[]> = {};
  for (const [name, server] of Object.entries(servers)) {
    await round(server, slugs, 1_500);
    rounds[name] = [];
  }
  for (let i = 0; i < ROUNDS; i++) {
    for (const [name, server] of Object.entries(servers)) {
      rounds[name]?.push(await round(server, slugs, ROUND_MS));
    }
  }
  return Object.fromEntries(Object.entries(rounds).map(([name, r]) => [name, summary(r)]));
}

const format = (n: number, digits = 1) => n.toFixed(digits).padStart(8);

export async function benchScale(log: (line: string) => void): Promise<string> {
  log("starting a primary and a streaming replica…");
  const cluster = await startReplicatedPostgres();
  const servers: Server[] = [];
  try {
    const seeded = await runScript("src/cli.ts", ["seed"], { DATABASE_URL: cluster.primaryUrl });
    if (seeded.code !== 0) throw new Error(seeded.stderr);
    const env = {
      DATABASE_URL: cluster.primaryUrl,
      DATABASE_READ_URLS: cluster.replicaUrl,
      LOG_LEVEL: "warn",
    };
    log("starting servers…");
    // One after the other, each tracked at once, so a failure still stops the ones started.
    const start = async (extra: Record<string, string>) => {
      const server = await startServer({ ...env, ...extra }, 300_000);
      servers.push(server);
      return server;
    };
    const cold = await start({ WORKERS: "1", RESPONSE_CACHE_TTL_MS: "0" });
    const warm = await start({ WORKERS: "1", RESPONSE_CACHE_TTL_MS: "600000" });
    const two = await start({ WORKERS: "2", RESPONSE_CACHE_TTL_MS: "0" });
    const listed = await fetch((cold as Server).url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ comparisons(first: 100) { nodes { slug } } }" }),
    });
    const slugs = (
      (await listed.json()) as { data: { comparisons: { nodes: { slug: string }[] } } }
    ).data.comparisons.nodes.map((n) => n.slug);
    // Warm: every answer cached once before anything is measured.
    for (const slug of slugs) await walk(warm as Server, slug);
    log(`deep walk over ${slugs.length} seed comparisons: cache cold vs warm…`);
    const cache = await alternate({ cold: cold as Server, warm: warm as Server }, slugs);
    log("throughput: 1 vs 2 server processes (cache off)…");
    const processes = await alternate({ one: cold as Server, two: two as Server }, slugs);
    const c = cache.cold as ReturnType<typeof summary>;
    const w = cache.warm as ReturnType<typeof summary>;
    const one = processes.one as ReturnType<typeof summary>;
    const twoProcs = processes.two as ReturnType<typeof summary>;
    return [
      `${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s, medians; reads on the replica`,
      "                         req/s   p50 ms   p99 ms  server CPU ms/req",
      `deep walk, cache cold ${format(c.perSecond)} ${format(c.p50, 2)} ${format(c.p99, 2)} ${format(c.cpuMs, 2)}`,
      `deep walk, cache warm ${format(w.perSecond)} ${format(w.p50, 2)} ${format(w.p99, 2)} ${format(w.cpuMs, 2)}`,
      `  warm / cold: ${(w.perSecond / c.perSecond).toFixed(2)}x throughput, ${(c.cpuMs / w.cpuMs).toFixed(1)}x less server CPU per request, ${(w.hits * 100).toFixed(0)}% hits, p99 ${format(w.p99, 2).trim()} ms (targets: >= 5x, < 5 ms)`,
      `1 process (WORKERS=1)  ${format(one.perSecond)} ${format(one.p50, 2)} ${format(one.p99, 2)} ${format(one.cpuMs, 2)}`,
      `2 processes (WORKERS=2)${format(twoProcs.perSecond)} ${format(twoProcs.p50, 2)} ${format(twoProcs.p99, 2)} ${format(twoProcs.cpuMs, 2)}`,
      `  2 / 1 processes: ${(twoProcs.perSecond / one.perSecond).toFixed(2)}x`,
      `machine load (1-minute average) ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
    ].join("\n");
  } finally {
    await Promise.allSettled(servers.map((s) => s.stop()));
    cluster.destroy();
  }
}
