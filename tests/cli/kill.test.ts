import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../bench/http-load.ts";
import { generatePages } from "../../bench/import.ts";
import { type Database, openDatabase, selectRows } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { createToken } from "../../src/editing/tokens.ts";
import { renderPage } from "../../src/ingest/render-page.ts";
import { createTestDatabase, type TestDatabase, testDriver } from "../helpers/database.ts";
import { REPO_ROOT } from "../helpers/processes.ts";

/**
 * SIGKILL, the one signal nothing can catch, in the middle of writes: the next start must open
 * the data, and an import must be there wholly or not at all.
 */

const PAGES = 1500;
let scratch: string;
let pages: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "pickgraph-kill-"));
  pages = join(scratch, "pages");
  await mkdir(pages);
  for (const [i, page] of generatePages(PAGES).entries()) {
    await writeFile(join(pages, `page-${i}.txt`), renderPage(page));
  }
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function spawnCli(args: string[], databaseUrl: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: "ignore",
  });
}

const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | number | null>((done) =>
    child.on("exit", (code, signal) => done(signal ?? code)),
  );

async function comparisonsIn(database: Database): Promise<number> {
  const [row] = await selectRows<{ n: number }>(
    database.db,
    sql`SELECT count(*)::int AS n FROM comparisons`,
  );
  return row?.n ?? -1;
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((done) => setTimeout(done, 25));
  }
  return false;
}

describe.runIf(testDriver === "postgres")("SIGKILL during an import on Postgres", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("leaves none of the import, and the next import writes all of it", async () => {
    const url = database.url as string;
    const name = new URL(url).pathname.slice(1);
    const child = spawnCli(["import", pages], url);
    const done = exited(child);
    // Killed while its transaction is writing, seen from the server.
    const writing = await waitFor(async () => {
      const [row] = await selectRows<{ n: number }>(
        database.db,
        sql`SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = ${name} AND state <> 'idle' AND pid <> pg_backend_pid()
              AND query ILIKE '%INSERT INTO%'`,
      );
      return (row?.n ?? 0) > 0 || child.exitCode !== null;
    }, 120_000);
    expect(writing).toBe(true);
    expect(child.exitCode).toBeNull();
    child.kill("SIGKILL");
    expect(await done).toBe("SIGKILL");
    await waitFor(async () => {
      const [row] = await selectRows<{ n: number }>(
        database.db,
        sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ${name} AND application_name = 'pickgraph' AND pid <> pg_backend_pid() AND state <> 'idle'`,
      );
      return row?.n === 0;
    }, 30_000);
    expect(await comparisonsIn(database)).toBe(0);
    const again = spawnCli(["import", pages], url);
    expect(await exited(again)).toBe(0);
    expect(await comparisonsIn(database)).toBe(PAGES);
  }, 300_000);
});

describe.runIf(testDriver === "pglite")("SIGKILL on an embedded database folder", () => {
  it("opens the folder after an import was killed, with the import wholly there or absent", async () => {
    const folder = join(scratch, "import-db");
    const url = `pglite://${folder}`;
    // Migrated first, so the kill lands in the import rather than in PGlite's first initdb.
    const setup = await openDatabase({ driver: "pglite", dataDir: folder });
    await migrateDatabase(setup.db);
    await setup.close();

    const outcomes: number[] = [];
    for (const delayMs of [2_500, 6_000]) {
      const child = spawnCli(["import", pages], url);
      const done = exited(child);
      expect(await waitFor(() => existsSync(`${folder}.lock`), 120_000)).toBe(true);
      await new Promise((wait) => setTimeout(wait, delayMs));
      child.kill("SIGKILL");
      await done;
      const reopened = await openDatabase({ driver: "pglite", dataDir: folder });
      try {
        const count = await comparisonsIn(reopened);
        outcomes.push(count);
        expect([0, PAGES]).toContain(count);
        // Whatever is there is whole: every comparison has its options and its history entry.
        const [broken] = await selectRows<{ n: number }>(
          reopened.db,
          sql`SELECT count(*)::int AS n FROM comparisons c
              WHERE (SELECT count(*) FROM options o WHERE o.comparison_id = c.id) < 2
                 OR NOT EXISTS (SELECT 1 FROM changes ch WHERE ch.comparison_id = c.id)`,
        );
        expect(broken?.n).toBe(0);
        if (count === PAGES) break;
      } finally {
        await reopened.close();
      }
    }
    expect(outcomes.length).toBeGreaterThan(0);
  }, 600_000);

  it("restarts cleanly after a server is killed with writes in flight", async () => {
    const folder = join(scratch, "server-db");
    const url = `pglite://${folder}`;
    const setup = await openDatabase({ driver: "pglite", dataDir: folder });
    await migrateDatabase(setup.db);
    const { token } = await createToken(setup.db, { name: "writer", scopes: ["editor"] });
    await setup.close();

    const server = await startServer({ DATABASE_URL: url, SEED: "false" }, 180_000);
    const auth = { authorization: `Bearer ${token}` };
    const send = (query: string) =>
      fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth },
        body: JSON.stringify({ query }),
      }).catch(() => null);
    // A stream of writes, each a whole page (topics, options, edges, history) in one transaction.
    const inFlight = Array.from({ length: 40 }, (_, i) =>
      send(
        `mutation { upsertTopic(input: { slug: "killed-${i}", name: "Killed ${i}" }) { __typename } }`,
      ),
    );
    await new Promise((wait) => setTimeout(wait, 150));
    // The node process itself (no tsx wrapper in between), so nothing survives the kill.
    server.child.kill("SIGKILL");
    await Promise.all(inFlight);

    const again = await startServer({ DATABASE_URL: url, SEED: "false" }, 180_000);
    try {
      const response = await fetch(again.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `{ topics(first: 100) { totalCount nodes { slug history(first: 5) { nodes { action } } } } }`,
        }),
      });
      const body = (await response.json()) as any;
      expect(body.errors).toBeUndefined();
      // Every topic written is whole: it has the history entry of the write that made it.
      for (const node of body.data.topics.nodes) {
        expect(node.history.nodes.length).toBeGreaterThan(0);
      }
    } finally {
      expect(await again.stop()).toBe(0);
    }
  }, 600_000);
});
