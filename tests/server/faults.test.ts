import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDriver } from "../helpers/database.ts";
import { createPrivatePostgres, type PrivatePostgres } from "../helpers/private-postgres.ts";
import { runScript, startServer } from "../helpers/processes.ts";

const QUERY = `{ comparisons(first: 1) { totalCount } }`;

async function ask(base: string, query = QUERY): Promise<{ ms: number; body: any }> {
  const started = performance.now();
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query }),
  });
  return { ms: performance.now() - started, body: await response.json() };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return performance.now() - started;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`not so within ${timeoutMs} ms`);
}

describe.runIf(testDriver === "postgres")("a Postgres that goes away and comes back", () => {
  let pg: PrivatePostgres;
  beforeAll(async () => {
    pg = await createPrivatePostgres();
  }, 120_000);
  afterAll(() => pg?.destroy());

  it("starts while the database is down, waits with /ready false, then serves", async () => {
    await pg.stop();
    const server = await startServer({ DATABASE_URL: pg.url }, 90_000, "listening");
    try {
      expect((await fetch(`${server.base}/health`)).status).toBe(200);
      const ready = await fetch(`${server.base}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, database: "unreachable" });
      const down = await ask(server.base);
      expect(down.body.errors[0].extensions.code).toBe("DATABASE_UNAVAILABLE");
      expect(down.ms).toBeLessThan(1_000);
      await until(
        async () =>
          /DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres is not reachable: connection refused/.test(
            server.output(),
          ),
        5_000,
      );

      await pg.start();
      await until(async () => (await fetch(`${server.base}/ready`)).status === 200, 30_000);
      expect((await ask(server.base)).body).toEqual({ data: { comparisons: { totalCount: 0 } } });
      // /ready turns 200 as the server finishes preparing; the URL line follows at once.
      await until(
        async () =>
          /GraphQL and GraphiQL: http:\/\/127\.0\.0\.1:\d+\/graphql/.test(server.output()),
        10_000,
      );

      // An outage while serving: fast errors with a code, then answers within 2 s of the return.
      // Each question a new document: a cached answer may still be served while this process's
      // cache lease on the data generation runs (no write can happen meanwhile), which is right,
      // but not what this checks.
      await pg.stop();
      for (let i = 0; i < 5; i++) {
        const answer = await ask(
          server.base,
          `{ comparisons(first: 1) { totalCount } outage${i}: __typename }`,
        );
        expect(answer.body.errors[0].extensions.code).toBe("DATABASE_UNAVAILABLE");
        expect(answer.ms).toBeLessThan(1_000);
      }
      await pg.start();
      const recovery = await until(
        async () => (await ask(server.base)).body.data?.comparisons.totalCount === 0,
        2_000,
      );
      expect(recovery).toBeLessThan(2_000);
      expect(server.process.exitCode).toBeNull();
    } finally {
      server.process.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    }
  }, 180_000);

  it("finishes a request in flight on SIGTERM, refuses new ones, and exits 0", async () => {
    const server = await startServer({ DATABASE_URL: pg.url }, 90_000, "listening");
    const holder = postgres(pg.url, { max: 1, onnotice: () => {} });
    try {
      await until(async () => (await fetch(`${server.base}/ready`)).status === 200, 30_000);
      // A lock held elsewhere keeps the request running while the signal arrives.
      const held = holder.begin(async (tx) => {
        await tx`LOCK TABLE comparisons IN ACCESS EXCLUSIVE MODE`;
        await new Promise((done) => setTimeout(done, 1_500));
      });
      await new Promise((done) => setTimeout(done, 300));
      const inFlight = ask(server.base);
      await new Promise((done) => setTimeout(done, 300));
      server.process.kill("SIGTERM");
      await held;
      expect((await inFlight).body).toEqual({ data: { comparisons: { totalCount: 0 } } });
      expect(await server.exited).toBe(0);
      await expect(fetch(`${server.base}/health`)).rejects.toThrow();
    } finally {
      await holder.end();
      if (server.process.exitCode === null) server.process.kill("SIGKILL");
    }
  }, 120_000);

  it("names DATABASE_URL and what failed for a database that does not exist, without a stack", async () => {
    const wrong = pg.url.replace(/\/postgres$/, "/no_such_database");
    const run = await runScript("src/main.ts", [], { DATABASE_URL: wrong, PORT: "0" }, 90_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `pickgraph cannot start: cannot use the database at DATABASE_URL=${wrong}: the database does not exist`,
    );
    expect(run.stderr).not.toMatch(/^\s+at /m);
  }, 120_000);
});

describe.runIf(testDriver === "pglite")("start-up refusals", () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "pickgraph-faults-"));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it("reports a port in use before seeding anything, without a stack trace", async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, "127.0.0.1", done));
    const address = taken.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const run = await runScript(
        "src/main.ts",
        [],
        { DATABASE_URL: `pglite://${join(folder, "data")}`, PORT: String(port), HOST: "127.0.0.1" },
        120_000,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`PORT ${port} on HOST 127.0.0.1 is already in use`);
      expect(`${run.stdout}${run.stderr}`).not.toMatch(/Seeded|^\s+at /m);
    } finally {
      taken.close();
    }
  }, 150_000);

  it("names DATABASE_URL for a URL it cannot use", async () => {
    const run = await runScript("src/main.ts", [], { DATABASE_URL: "mysql://x" }, 90_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /pickgraph cannot start: .*DATABASE_URL must start with postgres:\/\//,
    );
  }, 120_000);
});
