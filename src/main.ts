import cluster from "node:cluster";
import { createServer } from "node:http";
import { availableParallelism } from "node:os";
import { createApp, type ScaleOutOptions } from "./app.ts";
import { type Config, loadConfig } from "./config.ts";
import { openDatabase } from "./db/client.ts";
import { migrateDatabase } from "./db/migrate.ts";
import { ReadRouter } from "./db/replicas.ts";
import { loadDocumentManifest } from "./graphql/persisted-documents.ts";
import { createRedisResponseStore } from "./graphql/redis-store.ts";
import { generationOfDatabase, generationOfPrimary } from "./graphql/scale-out.ts";
import { hasComparisons, seedDatabase } from "./ingest/seed.ts";
import { createLogger, type Logger } from "./logger.ts";

// --- issue 13 (scale-out): WORKERS processes on one port, replicas, caches ---
function workerCount(config: Config, logger: Logger): number {
  const wanted = config.WORKERS === "auto" ? availableParallelism() : Number(config.WORKERS);
  if (wanted > 1 && config.database.driver !== "postgres") {
    logger.warn(
      { workers: wanted },
      "WORKERS ignored: the embedded database belongs to one process; use Postgres to run several",
    );
    return 1;
  }
  return wanted;
}

/** The cluster's primary process: migrates once, then forks the servers and replaces any that die. */
async function superviseWorkers(config: Config, count: number, logger: Logger): Promise<void> {
  const database = await openDatabase(config.database, { poolSize: 1 });
  try {
    await migrateDatabase(database.db);
  } finally {
    await database.close();
  }
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error(
      { pid: worker.process.pid, code, signal },
      "server process died; starting another",
    );
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping ${count} server processes`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(1), 12_000).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  console.log(`pickgraph: ${count} server processes (WORKERS=${config.WORKERS})`);
}

async function scaleOutOptions(
  config: Config,
  primary: Awaited<ReturnType<typeof openDatabase>>,
  logger: Logger,
): Promise<{ options: ScaleOutOptions; router: ReadRouter | null; close(): Promise<void> }> {
  let router: ReadRouter | null = null;
  const replicas: Awaited<ReturnType<typeof openDatabase>>[] = [];
  if (config.DATABASE_READ_URLS.length > 0 && primary.driver === "postgres") {
    for (const url of config.DATABASE_READ_URLS) {
      replicas.push(
        await openDatabase(
          { driver: "postgres", url },
          {
            poolSize: config.DATABASE_POOL_SIZE,
            statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
            connectTimeoutSeconds: 2,
          },
        ),
      );
    }
    router = new ReadRouter(primary, replicas, { maxLagMs: config.REPLICA_MAX_LAG_MS, logger });
    await router.start();
  } else if (config.DATABASE_READ_URLS.length > 0) {
    logger.warn("DATABASE_READ_URLS ignored: replicas need DATABASE_URL to be Postgres");
  }
  const store = config.CACHE_URL !== "" ? createRedisResponseStore(config.CACHE_URL, logger) : null;
  const options: ScaleOutOptions = {
    ...(router ? { router } : {}),
    responseCache: {
      generation: router ? generationOfPrimary(router) : generationOfDatabase(primary.db),
      ttlMs: config.RESPONSE_CACHE_TTL_MS,
      ...(store ? { cache: store.cache } : {}),
    },
    httpMaxAgeSeconds: config.HTTP_CACHE_MAX_AGE,
    persistedDocuments: { manifest: loadDocumentManifest(), only: config.PERSISTED_DOCUMENTS_ONLY },
  };
  return {
    options,
    router,
    close: async () => {
      await router?.close();
      await Promise.all(replicas.map((replica) => replica.close()));
      await store?.close();
    },
  };
}
// --- end issue 13 ---

async function main(): Promise<void> {
  const config = loadConfig();
  // --- issue 13 ---
  const logger = createLogger(config.LOG_LEVEL);
  const workers = workerCount(config, logger);
  if (cluster.isPrimary && workers > 1) return superviseWorkers(config, workers, logger);
  // --- end issue 13 ---
  const database = await openDatabase(config.database, {
    poolSize: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
  });
  try {
    // A cluster's primary process has migrated before forking (issue 13).
    if (!cluster.isWorker) await migrateDatabase(database.db);
    // Only the embedded database seeds itself: a shared Postgres is seeded on purpose (`npm run seed`).
    if (database.driver === "pglite" && config.SEED && !(await hasComparisons(database.db))) {
      const seeded = await seedDatabase(database.db);
      console.log(`Seeded ${seeded.created.length} comparisons into ${database.location}.`);
    }
  } catch (error) {
    await database.close();
    throw error;
  }

  // --- issue 13 ---
  const scaleOut = await scaleOutOptions(config, database, logger);
  const app = createApp({ database, scaleOut: scaleOut.options });
  const server = createServer((request, response) => {
    // Per-database readiness; the lead may fold it into /ready (issue 8).
    if (request.url === "/ready/databases" && scaleOut.router) {
      const report = scaleOut.router.report();
      response.writeHead(report.ready ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify(report));
      return;
    }
    app(request, response);
  });
  // --- end issue 13 ---
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
      Promise.all([scaleOut.close(), database.close()]).then(
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
