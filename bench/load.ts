/**
 * `npm run load [-- --seconds 60 --connections 10 --pages 0 --prefix pickgraph_load]`: mixed reads (deep walk, topic
 * page, neighbourhood, path, lists) against a real server on Postgres, on the seeds (plus
 * `--pages` generated pages). Prints throughput, p50/p99 per read and the server's RSS at start
 * and end; exits 1 on any error. Uses a database of its own on the local Postgres.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { seedDatabase } from "../src/editing/seed.ts";
import { importPages } from "../src/ingest/import-pages.ts";
import { loadTargets, percentile, rssMb, runLoad, startServer } from "./http-load.ts";
import { generatePages } from "./import.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    connections: { type: "string", default: "10" },
    pages: { type: "string", default: "0" },
    postgres: { type: "string", default: "postgres://postgres@127.0.0.1:5432/postgres" },
    // The database made (and dropped) for the run is <prefix>_<random>.
    prefix: { type: "string", default: "pickgraph_load" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const extraPages = Number(values.pages);

const name = `${values.prefix}_${randomBytes(4).toString("hex")}`;
const admin = postgres(values.postgres as string, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${name}`);
const url = new URL(values.postgres as string);
url.pathname = `/${name}`;
let exitCode = 0;
try {
  // The import of a big generated batch is one transaction: no request timeout applies to it.
  const database = await openDatabase(
    { driver: "postgres", url: url.toString() },
    { statementTimeoutMs: 600_000 },
  );
  try {
    await migrateDatabase(database.db);
    await seedDatabase(database.db);
    if (extraPages > 0) {
      const pages = generatePages(extraPages).map((page, i) => ({ ...page, source: `gen-${i}` }));
      await importPages(database.db, pages);
    }
    // Imports leave no statistics; without them Postgres plans (and JIT-compiles) badly.
    await database.db.execute(sql`ANALYZE`);
  } finally {
    await database.close();
  }
  const server = await startServer({ DATABASE_URL: url.toString() });
  try {
    const targets = await loadTargets(server.url);
    console.log(
      `load: ${connections} connections for ${seconds} s on Postgres, ${targets.comparisons.length}+ comparisons targeted (${extraPages} generated pages + seeds)`,
    );
    await runLoad({ url: server.url, targets, connections, seconds: 3 }); // warm-up
    const rssStart = rssMb(server.pid);
    const outcomes = await runLoad({ url: server.url, targets, connections, seconds });
    const rssEnd = rssMb(server.pid);
    const failed = outcomes.filter((o) => !o.ok);
    const ms = outcomes.map((o) => o.ms);
    console.log(
      `requests: ${outcomes.length} (${(outcomes.length / seconds).toFixed(1)}/s), errors: ${failed.length}`,
    );
    console.log(
      `latency: p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms, max ${percentile(ms, 100).toFixed(1)} ms`,
    );
    console.log(`server RSS: ${rssStart.toFixed(0)} MB at start, ${rssEnd.toFixed(0)} MB at end`);
    for (const error of [...new Set(failed.map((o) => o.error))].slice(0, 5))
      console.log(`  error: ${error}`);
    if (failed.length > 0) exitCode = 1;
    if (server.child.exitCode !== null) {
      console.log("the server died");
      exitCode = 1;
    }
  } finally {
    await server.stop();
  }
} finally {
  await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
process.exit(exitCode);
