/**
 * `npm run bench -- scale` (issue 13): a real Postgres primary and streaming replica of its own
 * (temp folder, other ports), the seed corpus, and pickgraph servers over real HTTP:
 * - the deep walk with the response cache cold (off) and warm, alternating rounds;
 * - throughput with 1 and with 2 server processes (WORKERS), cache off, alternating rounds.
 * Medians of the rounds and ratios measured in this one run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { SERVED_BY_HEADER } from "../src/graphql/scale-out.ts";
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
  /** CPU time of the load generator (this process) per request: it shares the machine. */
  clientCpuMs: number;
  /** Share of answers the response cache gave. */
  hits: number;
  /** The machine's 1-minute load average at the end of the round. */
  load: number;
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

/**
 * The load generator: node:http over a keep-alive agent, one socket per connection, no
 * Accept-Encoding (plain bytes on loopback). Each answer is checked, cheaply: status 200 and its
 * bytes equal to the answer of the same slug that was JSON-checked once before the rounds
 * (`reference`). Cold and warm use this same client, so the ratio stays fair; its own CPU per
 * request is measured and printed (it shares the 2 cores with the server).
 */
class WalkClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  private readonly bodies = new Map<string, Buffer>();
  private readonly answers = new Map<string, Buffer>();
  private readonly target: URL;

  constructor(url: string, slugs: string[]) {
    this.target = new URL(url);
    for (const slug of slugs) {
      this.bodies.set(slug, Buffer.from(JSON.stringify({ query: DEEP_WALK, variables: { slug } })));
    }
  }

  /**
   * Sends the deep walk of `slug`; resolves with the status, the served-by header and either the
   * bytes (no `expected`) or whether they were exactly `expected`: compared chunk by chunk as they
   * arrive, so the check copies nothing (the client shares the 2 cores with the server).
   */
  send(
    slug: string,
    expected?: Buffer,
  ): Promise<{ status: number; servedBy: string | undefined; body: Buffer; same: boolean }> {
    const body = this.bodies.get(slug) as Buffer;
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        {
          agent: this.agent,
          host: this.target.hostname,
          port: this.target.port,
          path: this.target.pathname,
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            "content-length": body.byteLength,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let offset = 0;
          let same = expected !== undefined;
          response.on("data", (chunk: Buffer) => {
            if (expected === undefined) {
              chunks.push(chunk);
              return;
            }
            same =
              same &&
              offset + chunk.length <= expected.length &&
              expected.compare(chunk, 0, chunk.length, offset, offset + chunk.length) === 0;
            offset += chunk.length;
          });
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              servedBy: response.headers[SERVED_BY_HEADER] as string | undefined,
              body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
              same: same && offset === expected?.length,
            }),
          );
          response.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  }

  /** Takes the reference answer of every slug, each parsed and checked once. */
  async learn(): Promise<void> {
    for (const slug of this.bodies.keys()) {
      const { status, body } = await this.send(slug);
      const parsed = JSON.parse(body.toString("utf8")) as {
        errors?: unknown;
        data?: { comparison?: { title?: unknown } | null };
      };
      if (status !== 200 || parsed.errors || typeof parsed.data?.comparison?.title !== "string") {
        throw new Error(`deep walk of ${slug}: ${status} ${body.toString("utf8").slice(0, 300)}`);
      }
      this.answers.set(slug, body);
    }
  }

  /** One checked deep walk: status 200 and exactly the reference bytes. */
  async walk(slug: string): Promise<{ ms: number; hit: boolean }> {
    const started = performance.now();
    const { status, servedBy, same } = await this.send(slug, this.answers.get(slug) as Buffer);
    const ms = performance.now() - started;
    if (status !== 200 || !same) {
      // The bytes were compared, not kept: asked again in full, for the message.
      const again = await this.send(slug);
      throw new Error(
        `deep walk of ${slug}: ${status}, not the reference answer; asked again: ${again.status} ${again.body.toString("utf8").slice(0, 300)}`,
      );
    }
    return { ms, hit: servedBy === "cache" };
  }

  /** Uses the reference answers another client learned (from another server). */
  adopt(other: WalkClient): void {
    for (const [slug, answer] of other.answers) this.answers.set(slug, answer);
  }

  close(): void {
    this.agent.destroy();
  }
}

async function round(
  client: WalkClient,
  server: Server,
  slugs: string[],
  ms: number,
): Promise<Round> {
  const latencies: number[] = [];
  let hits = 0;
  const cpuBefore = processTreeCpuMs(server.process.pid as number);
  const clientBefore = process.cpuUsage();
  const deadline = performance.now() + ms;
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline) {
        const answer = await client.walk(slugs[next++ % slugs.length] as string);
        latencies.push(answer.ms);
        if (answer.hit) hits++;
      }
    }),
  );
  const cpuMs = processTreeCpuMs(server.process.pid as number) - cpuBefore;
  const clientCpu = process.cpuUsage(clientBefore);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const count = Math.max(1, latencies.length);
  return {
    requests: latencies.length,
    perSecond: (latencies.length * 1000) / ms,
    p50: at(0.5),
    p99: at(0.99),
    cpuMs: cpuMs / count,
    clientCpuMs: (clientCpu.user + clientCpu.system) / 1000 / count,
    hits: hits / count,
    load: loadavg()[0] ?? 0,
  };
}

function summary(rounds: Round[]) {
  return {
    perSecond: median(rounds.map((r) => r.perSecond)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    cpuMs: median(rounds.map((r) => r.cpuMs)),
    clientCpuMs: median(rounds.map((r) => r.clientCpuMs)),
    hits: median(rounds.map((r) => r.hits)),
    load: median(rounds.map((r) => r.load)),
  };
}

/** Runs the configurations round by round, alternating, after a warm-up of each. */
async function alternate(servers: Record<string, Server>, slugs: string[], reference: Server) {
  const clients: Record<string, WalkClient> = {};
  const rounds: Record<string, Round[]> = {};
  try {
    // Every server's answers are compared with the reference server's, each checked once.
    const learning = new WalkClient(reference.url, slugs);
    await learning.learn();
    learning.close();
    for (const [name, server] of Object.entries(servers)) {
      const client = new WalkClient(server.url, slugs);
      clients[name] = client;
      client.adopt(learning);
      await round(client, server, slugs, 1_500);
      rounds[name] = [];
    }
    for (let i = 0; i < ROUNDS; i++) {
      for (const [name, server] of Object.entries(servers)) {
        rounds[name]?.push(await round(clients[name] as WalkClient, server, slugs, ROUND_MS));
      }
    }
  } finally {
    for (const client of Object.values(clients)) client.close();
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
      const server = await startServer({ ...env, ...extra }, 300_000, "serving", []);
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
    const warming = new WalkClient((warm as Server).url, slugs);
    for (const slug of slugs) await warming.send(slug);
    warming.close();
    log(`deep walk over ${slugs.length} seed comparisons: cache cold vs warm…`);
    const cache = await alternate(
      { cold: cold as Server, warm: warm as Server },
      slugs,
      cold as Server,
    );
    log("throughput: 1 vs 2 server processes (cache off)…");
    const processes = await alternate(
      { one: cold as Server, two: two as Server },
      slugs,
      cold as Server,
    );
    const c = cache.cold as ReturnType<typeof summary>;
    const w = cache.warm as ReturnType<typeof summary>;
    const one = processes.one as ReturnType<typeof summary>;
    const twoProcs = processes.two as ReturnType<typeof summary>;
    const row = (name: string, r: ReturnType<typeof summary>) =>
      `${name.padEnd(24)}${format(r.perSecond)} ${format(r.p50, 2)} ${format(r.p99, 2)} ${format(r.cpuMs, 3)} ${format(r.clientCpuMs, 3)} ${format(r.load)}`;
    return [
      `${CONNECTIONS} connections (node:http keep-alive, uncompressed, every answer byte-checked), ${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s, medians; reads on the replica`,
      "                           req/s   p50 ms   p99 ms  server CPU ms/req  client CPU ms/req  load",
      row("deep walk, cache cold", c),
      row("deep walk, cache warm", w),
      `  warm / cold: ${(w.perSecond / c.perSecond).toFixed(2)}x throughput, ${(c.cpuMs / w.cpuMs).toFixed(1)}x less server CPU per request, ${(w.hits * 100).toFixed(0)}% hits, p99 ${format(w.p99, 2).trim()} ms (targets: >= 5x, < 5 ms)`,
      row("1 process (WORKERS=1)", one),
      row("2 processes (WORKERS=2)", twoProcs),
      `  2 / 1 processes: ${(twoProcs.perSecond / one.perSecond).toFixed(2)}x`,
      `machine load (1-minute average) ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`,
    ].join("\n");
  } finally {
    await Promise.allSettled(servers.map((s) => s.stop()));
    cluster.destroy();
  }
}
