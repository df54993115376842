import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testDriver } from "../helpers/database.ts";
import { runScript, type Server, startServer } from "../helpers/processes.ts";

/** Posts a query to a started server and returns the answer's data. */
async function dataOf(server: Server, query: string): Promise<any> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return ((await response.json()) as any).data;
}

// The embedded database's tests run in the PGlite pass only: TEST_DATABASE_URL changes nothing
// they do, and the Postgres pass would start the same servers again.
describe.runIf(testDriver === "pglite")("on an embedded database folder", () => {
  // One real server on an embedded database folder, as `npm start` runs it.
  let folder: string;
  let dataDir: string;
  let server: Server;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "pickgraph-server-"));
    dataDir = join(folder, "data");
    server = await startServer({ DATABASE_URL: `pglite://${dataDir}` });
  }, 120_000);

  afterAll(async () => {
    if (server.process.exitCode === null) await server.stop();
    await rm(folder, { recursive: true, force: true });
  });

  describe("npm start on the embedded database", () => {
    it("seeds the empty database and answers the deep walk", async () => {
      // pino writes asynchronously, and a copy of the seeded template is fast enough for the line
      // to follow the URLs the helper waits for.
      await expect
        .poll(() => server.output(), { timeout: 10_000 })
        .toMatch(/Seeded \d+ comparisons/);
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `{ comparison(slug: "individual-contributor-model-vs-management-track") {
            verdict { pick { name } } topics { slug comparisons(first: 3) { nodes { verdict { pick { name } } } } } } }`,
        }),
      });
      const body = (await response.json()) as any;
      expect(body.errors).toBeUndefined();
      expect(body.data.comparison.verdict.pick.name).toBe("Individual Contributor Model");
      expect(body.data.comparison.topics).toHaveLength(4);
    });

    it("serves GraphiQL with everything it needs from this server, no CDN", async () => {
      const response = await fetch(server.url, { headers: { accept: "text/html" } });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain("individual-contributor-model-vs-management-track");
      const external = [...html.matchAll(/(?:src|href)\s*=\s*["'](https?:)?\/\/[^"']+/g)];
      expect(external.map((m) => m[0])).toEqual([]);
      expect(html).not.toMatch(/unpkg\.com|jsdelivr|esm\.sh|cdnjs/);
    });

    it("refuses a second process on the same folder, naming the folder and the holder", async () => {
      const second = await runScript("src/cli.ts", ["migrate"], {
        DATABASE_URL: `pglite://${dataDir}`,
      });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(dataDir);
      // The holder is the node process running the compiled src/main.ts.
      expect(second.stderr).toMatch(
        /in use by process \d+ on \S+ \(since [^)]+, "[^"]*dist\/main\.js"\)/,
      );
    });

    it("stops on SIGTERM, releases the folder, and keeps the data for the next start", async () => {
      expect(await server.stop()).toBe(0);
      expect(existsSync(`${dataDir}.lock`)).toBe(false);
      const again = await startServer({ DATABASE_URL: `pglite://${dataDir}` });
      try {
        expect(again.output()).not.toMatch(/Seeded/);
        const data = await dataOf(again, "{ comparisons { totalCount } }");
        expect(data.comparisons.totalCount).toBeGreaterThanOrEqual(40);
      } finally {
        expect(await again.stop()).toBe(0);
      }
    });
  });

  describe("SEED=false", () => {
    it("starts an empty embedded database empty", async () => {
      const dataDir = join(folder, "unseeded");
      const empty = await startServer({ DATABASE_URL: `pglite://${dataDir}`, SEED: "false" });
      try {
        expect(empty.output()).not.toMatch(/Seeded/);
        const data = await dataOf(empty, "{ comparisons { totalCount } topics { totalCount } }");
        expect(data).toEqual({ comparisons: { totalCount: 0 }, topics: { totalCount: 0 } });
      } finally {
        expect(await empty.stop()).toBe(0);
      }
    });
  });
});

describe("npm start on Postgres", () => {
  // Needs a Postgres server: runs in the Postgres pass of the suite (TEST_DATABASE_URL).
  it.runIf(testDriver === "postgres")(
    "migrates but never seeds a shared database on its own",
    async () => {
      const database = await createTestDatabase();
      try {
        const server = await startServer({ DATABASE_URL: database.url as string });
        try {
          expect(server.output()).not.toMatch(/Seeded/);
          const data = await dataOf(server, "{ comparisons { totalCount } }");
          expect(data.comparisons.totalCount).toBe(0);
        } finally {
          expect(await server.stop()).toBe(0);
        }
      } finally {
        await database.close();
      }
    },
  );
});
