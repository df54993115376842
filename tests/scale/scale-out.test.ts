import { existsSync, readdirSync } from "node:fs";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScript, type Server, startServer } from "../helpers/processes.ts";
import { type ReplicatedPostgres, startReplicatedPostgres } from "./replication-cluster.ts";

/**
 * Issue 13 on real processes: a Postgres primary and a streaming replica of it (started here, on
 * ports of their own), one server running WORKERS=2 and one more separate server process, both
 * with the replica as DATABASE_READ_URLS and the response cache on.
 */
// They start Postgres servers of their own, so they run in the Postgres pass of the suite
// (TEST_DATABASE_URL set, as in CI), on a machine with the Postgres 15 binaries.
const RUN_SCALE_TESTS =
  existsSync("/usr/lib/postgresql/15/bin/pg_basebackup") &&
  process.env.TEST_DATABASE_URL !== undefined;

const SLUG = "scrum-vs-kanban";

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  ms: number;
}

async function post(
  server: Server,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Answer["body"];
  return {
    status: response.status,
    headers: response.headers,
    body,
    ms: performance.now() - started,
  };
}

const READ = `query Read($slug: String!) { comparison(slug: $slug) { id version intro } }`;
const WRITE = `mutation Write($id: ID!, $version: Int!, $intro: String!) {
  updateComparison(input: { id: $id, expectedVersion: $version, intro: $intro }) {
    __typename
    ... on UpdateComparisonPayload { comparison { version intro } }
  }
}`;

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(!RUN_SCALE_TESTS)("scale-out on a real primary and replica", () => {
  let cluster: ReplicatedPostgres | undefined;
  let clustered: Server | undefined;
  let single: Server | undefined;
  let token = "";
  const servers = (): [Server, Server] => [clustered as Server, single as Server];

  let migrateRun: Awaited<ReturnType<typeof runScript>> | undefined;

  beforeAll(async () => {
    cluster = await startReplicatedPostgres();
    const env = {
      DATABASE_URL: cluster.primaryUrl,
      DATABASE_READ_URLS: cluster.replicaUrl,
      REPLICA_MAX_LAG_MS: "2000",
      DATABASE_POOL_SIZE: "4",
      LOG_LEVEL: "info", // the server announces its URL at info level
    };
    // All at once on the empty primary: a WORKERS=2 server, one more server, and `migrate`.
    // Each is kept as soon as it is up, so afterAll stops whatever started.
    const started = await Promise.allSettled([
      startServer({ ...env, WORKERS: "2" }, 240_000).then((server) => {
        clustered = server;
      }),
      startServer({ ...env, WORKERS: "1" }, 240_000).then((server) => {
        single = server;
      }),
      runScript("src/cli.ts", ["migrate"], { DATABASE_URL: cluster.primaryUrl }, 240_000).then(
        (run) => {
          migrateRun = run;
        },
      ),
    ]);
    for (const outcome of started) if (outcome.status === "rejected") throw outcome.reason;
    // Seeding through the CLI also proves it waits for the servers' caches (it answers after).
    const seeded = await runScript("src/cli.ts", ["seed"], { DATABASE_URL: cluster.primaryUrl });
    expect(seeded.code, seeded.stderr).toBe(0);
    const created = await runScript(
      "src/cli.ts",
      ["token", "create", "--scope", "editor", "--name", "writer"],
      { DATABASE_URL: cluster.primaryUrl },
    );
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
  }, 600_000);

  afterAll(async () => {
    await Promise.allSettled([clustered?.stop(), single?.stop()]);
    cluster?.destroy();
  }, 60_000);

  it("runs WORKERS=2 as two server processes behind one port", () => {
    expect(clustered?.output()).toContain("2 server processes");
  });

  it("migrated the empty primary once, though four processes started on it together", async () => {
    expect(migrateRun?.code, migrateRun?.stderr).toBe(0);
    for (const server of servers())
      expect(server.output()).not.toMatch(/"level":"error"|cannot start|Migration failed/);
    const folders = readdirSync(new URL("../../schema/migrations", import.meta.url), {
      withFileTypes: true,
    }).filter((entry) => entry.isDirectory());
    const primary = postgres(cluster?.primaryUrl as string, { max: 1 });
    try {
      const applied = await primary<{ name: string; times: number }[]>`
        SELECT name, count(*)::int AS times FROM drizzle.__drizzle_migrations GROUP BY name`;
      expect(applied).toHaveLength(folders.length);
      expect(applied.filter((row) => row.times !== 1)).toEqual([]);
      // Every server process took part in the response cache's registry, with a live lease.
      const [registered] = await primary<{ live: number }[]>`
        SELECT count(*)::int AS live FROM cache_processes WHERE lease_until > now()`;
      expect(registered?.live).toBe(3);
    } finally {
      await primary.end();
    }
  });

  it("serves queries from the replica and mutations from the primary", async () => {
    const answer = await post(servers()[0], READ, { slug: SLUG });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.headers.get("x-pickgraph-served-by")).toMatch(/^(replica-0|cache)$/);
    // A document no one asked before cannot come from the cache.
    const fresh = await post(servers()[1], `{ comparisons(first: 3) { totalCount } }`);
    expect(fresh.headers.get("x-pickgraph-served-by")).toBe("replica-0");
    const ready = await fetch(servers()[1].url.replace("/graphql", "/ready/databases"));
    const report = (await ready.json()) as {
      primary: { up: boolean };
      replicas: { up: boolean }[];
    };
    expect(report.primary.up).toBe(true);
    expect(report.replicas[0]?.up).toBe(true);
  });

  it("answers a read through one process with a write just answered by another, cache warm", async () => {
    const before = await post(servers()[1], READ, { slug: SLUG });
    const { id, version } = before.body.data.comparison;
    // Both servers answer it from their caches (the WORKERS=2 one: whichever worker is asked).
    for (const server of servers()) {
      const by: string[] = [];
      for (let attempt = 0; attempt < 6 && by.at(-1) !== "cache"; attempt++) {
        by.push(
          (await post(server, READ, { slug: SLUG })).headers.get("x-pickgraph-served-by") ?? "?",
        );
      }
      expect(by.at(-1), by.join(",")).toBe("cache");
      // Then the response cache's hit path before GraphQL (src/http/hit-path.ts) answers it
      // (each worker keeps its own: a few more requests reach both).
      const paths: string[] = [];
      for (let attempt = 0; attempt < 8 && paths.at(-1) !== "hit"; attempt++) {
        paths.push(
          (await post(server, READ, { slug: SLUG })).headers.get("x-pickgraph-hit-path") ?? "-",
        );
      }
      expect(paths.at(-1), paths.join(",")).toBe("hit");
    }
    const written = await post(
      servers()[0],
      WRITE,
      { id, version, intro: "Written through the first process." },
      { authorization: `Bearer ${token}` },
    );
    expect(written.body.data?.updateComparison?.__typename).toBe("UpdateComparisonPayload");
    // At once, without the write position: the other process's cache already dropped it.
    const read = await post(servers()[1], READ, { slug: SLUG });
    expect(read.body.data.comparison).toMatchObject({
      version: version + 1,
      intro: "Written through the first process.",
    });
    expect(read.headers.get("x-pickgraph-served-by")).not.toBe("cache");
    // And through both workers of the process that wrote.
    for (let i = 0; i < 4; i++) {
      const again = await post(servers()[0], READ, { slug: SLUG });
      expect(again.body.data.comparison.version).toBe(version + 1);
    }
  });

  it("never serves a stale read: 10,000 reads through two processes while a third writes", async () => {
    const first = await post(servers()[0], READ, { slug: SLUG });
    const id = first.body.data.comparison.id as string;
    let version = first.body.data.comparison.version as number;
    /** The newest write whose answer has been received, and its WAL position. */
    let committed = { version, lsn: "" };
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        const intro = `Intro number ${version + 1}.`;
        const answer = await post(
          servers()[writes % 2] as Server,
          WRITE,
          { id, version, intro },
          { authorization: `Bearer ${token}` },
        );
        const payload = answer.body.data?.updateComparison;
        expect(payload?.__typename, JSON.stringify(answer.body)).toBe("UpdateComparisonPayload");
        const lsn = answer.headers.get("x-pickgraph-lsn");
        expect(lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
        expect(answer.body as unknown).toMatchObject({ extensions: { lsn } });
        version = payload.comparison.version;
        committed = { version, lsn: lsn as string };
        writes++;
      }
    })();
    let reads = 0;
    const stale: string[] = [];
    const servedBy = new Map<string, number>();
    const reader = async (index: number) => {
      while (reads < 10_000) {
        reads++;
        const known = committed;
        // Half the readers send their write position (read-your-writes); the others rely on the
        // response cache's generation, which also never answers older than a finished write.
        const headers: Record<string, string> =
          index % 2 === 0 && known.lsn ? { "x-pickgraph-lsn": known.lsn } : {};
        const answer = await post(
          servers()[(index + reads) % 2] as Server,
          READ,
          { slug: SLUG },
          headers,
        );
        const seen = answer.body.data?.comparison?.version as number | undefined;
        const by =
          answer.headers.get("x-pickgraph-hit-path") === "hit"
            ? "hit-path"
            : (answer.headers.get("x-pickgraph-served-by") ?? "?");
        servedBy.set(by, (servedBy.get(by) ?? 0) + 1);
        if (seen === undefined || seen < known.version) {
          stale.push(`saw ${seen} after ${known.version} was answered (${by})`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => reader(i)));
    writing = false;
    await writer;
    console.log(`${reads} reads, ${writes} writes, served by`, Object.fromEntries(servedBy));
    expect(stale).toEqual([]);
    expect(writes).toBeGreaterThan(10);
    expect(servedBy.get("replica-0") ?? 0).toBeGreaterThan(0);
    expect(servedBy.get("hit-path") ?? 0).toBeGreaterThan(0);
  }, 300_000);

  it("moves reads to the primary when the replica stops, without failing them", async () => {
    let running = true;
    const failures: string[] = [];
    const served = new Set<string>();
    const readers = Array.from({ length: 4 }, async (_, index) => {
      let n = 0;
      while (running) {
        // Distinct variables: every read misses the cache and reaches a database.
        const answer = await post(
          servers()[index % 2] as Server,
          `query R($s: String) { topics(first: 1, search: $s) { totalCount } }`,
          {
            s: `reader ${index} read ${n++}`,
          },
        ).catch(
          (error: Error) =>
            ({ status: 0, body: { errors: [{ message: error.message }] } }) as Answer,
        );
        if (answer.status !== 200 || answer.body.errors) failures.push(JSON.stringify(answer.body));
        else served.add(answer.headers.get("x-pickgraph-served-by") ?? "?");
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    cluster?.stopReplica();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    running = false;
    await Promise.all(readers);
    expect(failures).toEqual([]);
    expect(served.has("primary")).toBe(true);
    const after = await post(servers()[1], READ, { slug: "kotlin-vs-java" });
    expect(after.headers.get("x-pickgraph-served-by")).toBe("primary");
    cluster?.startReplica();
    let attempt = 0;
    await waitFor("the replica to serve again", async () => {
      // A new variable each time, or the response cache would answer.
      const again = await post(
        servers()[1],
        `query R($s: String) { topics(first: 1, search: $s) { totalCount } }`,
        {
          s: `after restart ${attempt++}`,
        },
      );
      return again.headers.get("x-pickgraph-served-by") === "replica-0";
    });
  }, 120_000);

  it("keeps serving reads when the primary stops, refuses writes fast, and recovers", async () => {
    const before = await post(servers()[0], READ, { slug: SLUG });
    const { id, version } = before.body.data.comparison;
    cluster?.stopPrimary();
    try {
      for (const server of servers()) {
        const read = await post(server, READ, { slug: SLUG });
        expect(read.body.errors).toBeUndefined();
        expect(read.body.data.comparison.version).toBe(version);
        const write = await post(
          server,
          WRITE,
          { id, version, intro: "Written while the primary is down." },
          { authorization: `Bearer ${token}` },
        );
        expect(write.body.errors?.[0]?.extensions?.code).toBe("PRIMARY_UNAVAILABLE");
        expect(write.ms).toBeLessThan(2_000);
      }
      const ready = await fetch(servers()[0].url.replace("/graphql", "/ready/databases"));
      const report = (await ready.json()) as {
        primary: { up: boolean; error: string | null };
        replicas: { up: boolean }[];
      };
      expect(report.primary.up).toBe(false);
      // The cause, not the statement that met it.
      expect(report.primary.error).not.toMatch(/Failed query/);
      expect(report.replicas[0]?.up).toBe(true);
    } finally {
      cluster?.startPrimary();
    }
    for (const server of servers()) {
      await waitFor("writes to succeed again", async () => {
        const current = await post(server, READ, { slug: SLUG }, {});
        const write = await post(
          server,
          WRITE,
          { id, version: current.body.data.comparison.version, intro: "Back." },
          { authorization: `Bearer ${token}` },
        );
        return write.body.data?.updateComparison?.__typename === "UpdateComparisonPayload";
      });
    }
    const read = await post(servers()[1], READ, { slug: SLUG });
    expect(read.body.data.comparison.intro).toBe("Back.");
  }, 120_000);
});
