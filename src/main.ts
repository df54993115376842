import { createServer } from "node:http";
import { loadConfig } from "./config.ts";
import { openDatabase } from "./db/client.ts";
import { migrateDatabase } from "./db/migrate.ts";
import { hasComparisons, seedDatabase } from "./ingest/seed.ts";

async function main(): Promise<void> {
  const config = loadConfig();
  // Loading the app builds the GraphQL schema (~1.2 s); started first, it overlaps with opening
  // the database (reading files, compiling PGlite's WebAssembly) instead of following it.
  const appModule = import("./app.ts");
  appModule.catch(() => {});
  const database = await openDatabase(config.database, {
    poolSize: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
  });
  try {
    await migrateDatabase(database.db);
    // Only the embedded database seeds itself: a shared Postgres is seeded on purpose (`npm run seed`).
    if (database.driver === "pglite" && config.SEED && !(await hasComparisons(database.db))) {
      const seeded = await seedDatabase(database.db);
      console.log(`Seeded ${seeded.created.length} comparisons into ${database.location}.`);
    }
  } catch (error) {
    await database.close();
    throw error;
  }

  const { createApp } = await appModule;
  const app = createApp({ database });
  const server = createServer(app);
  server.listen(config.PORT, config.HOST, () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : config.PORT;
    const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;
    console.log(`pickgraph serves ${database.location}`);
    console.log(`GraphQL and GraphiQL: http://${host}:${port}/graphql`);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing`);
    server.close(() => {
      database.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
    server.closeIdleConnections();
    // Requests still running after this are cut off rather than holding the process.
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
