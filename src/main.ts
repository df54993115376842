import cluster from "node:cluster";
import { createServer, type Server } from "node:http";
import { availableParallelism } from "node:os";
import { sql } from "drizzle-orm";
import type { ScaleOutOptions } from "./app.ts";
import { type Config, loadConfig, redactUrl } from "./config.ts";
import { GenerationFollower } from "./db/cache-coherence.ts";
import { type Database, openDatabase, selectRows } from "./db/client.ts";
import {
  classifyDatabaseError,
  describeDatabaseFailure,
  isPermanentConnectFailure,
} from "./db/database-errors.ts";
import { migrateDatabase } from "./db/migrate.ts";
import { migratedTemplate } from "./db/pglite-template.ts";
import { ReadRouter } from "./db/replicas.ts";
import { vacuumWrittenTables } from "./db/statistics.ts";
import { seedDatabase } from "./editing/seed.ts";
import { seededTemplate } from "./editing/seed-template.ts";
import { loadDocumentManifest } from "./graphql/persisted-documents.ts";
import { createRedisResponseStore } from "./graphql/redis-store.ts";
import {
  generationOfDatabase,
  generationOfFollower,
  generationOfPrimary,
} from "./graphql/scale-out.ts";
import { connectRateLimitRedis } from "./http/public-writes.ts";
import { hasComparisons } from "./ingest/seed.ts";
import { createLogger, flushThrottledWarnings, type Logger } from "./logger.ts";

/** A start-up failure worth one clear line, not a stack trace. */
class StartError extends Error {}

const RETRY_MS = 1_000;

function listen(server: Server, config: Config): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") {
        reject(
          new StartError(
            `PORT ${config.PORT} on HOST ${config.HOST} is already in use by another process: stop it, or set PORT to a free port (0 picks one).`,
          ),
        );
      } else if (error.code === "EACCES" || error.code === "EADDRNOTAVAIL") {
        reject(
          new StartError(
            `cannot listen on HOST ${config.HOST} PORT ${config.PORT}: ${error.message}`,
          ),
        );
      } else reject(error);
    };
    server.once("error", onError);
    server.listen(config.PORT, config.HOST, () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : config.PORT);
    });
  });
}

/**
 * Migrates (and seeds an empty embedded database). A Postgres that is not there yet is waited
 * for, retrying every second while `/ready` says why; a wrong password or database is final.
 */
async function prepare(
  database: Database,
  config: Config,
  logger: Logger,
  stopping: AbortSignal,
): Promise<void> {
  for (let attempt = 1; !stopping.aborted; attempt++) {
    try {
      // A cluster's primary process has migrated before forking.
      if (!cluster.isWorker) await migrateDatabase(database.db);
      // Only the embedded database seeds itself: a shared Postgres is seeded on purpose (`npm run seed`).
      if (database.driver === "pglite" && config.SEED && !(await hasComparisons(database.db))) {
        const seeded = await seedDatabase(database.db);
        const described = seeded.descriptions.created.length + seeded.descriptions.updated.length;
        logger.info(
          `Seeded ${seeded.created.length} comparisons and ${described} topic descriptions into ${database.location}.`,
        );
      }
      return;
    } catch (error) {
      const reason = describeDatabaseFailure(error);
      const waitable =
        database.driver === "postgres" &&
        !isPermanentConnectFailure(error) &&
        classifyDatabaseError(error) === "DATABASE_UNAVAILABLE";
      if (!waitable) {
        throw new StartError(
          database.driver === "postgres"
            ? `cannot use the database at DATABASE_URL=${database.location}: ${reason}`
            : `cannot prepare ${database.location} (DATABASE_URL): ${reason}`,
        );
      }
      // The first failure and then every tenth: a long outage should not flood the log.
      if (attempt % 10 === 1)
        logger.warn(
          { attempt },
          `the database at DATABASE_URL=${database.location} is not reachable: ${reason}; retrying every ${RETRY_MS / 1000} s (/ready answers 503 until then)`,
        );
      await new Promise((done) => {
        const timer = setTimeout(done, RETRY_MS);
        stopping.addEventListener("abort", () => {
          clearTimeout(timer);
          done(undefined);
        });
      });
    }
  }
}

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
): Promise<{
  options: ScaleOutOptions;
  router: ReadRouter | null;
  /** Follows the data generation once the database is migrated (Postgres). */
  follower: GenerationFollower | null;
  close(): Promise<void>;
}> {
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
            connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
            logger,
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
  // Several processes share a Postgres: each follows the generation in memory (no database round
  // trip on a cache hit), and every writer waits for all of them. The embedded database has one
  // process, which reads the generation in-process.
  const follower =
    primary.driver === "postgres" && config.RESPONSE_CACHE_TTL_MS > 0
      ? new GenerationFollower(primary, { leaseMs: config.CACHE_LEASE_MS, logger })
      : null;
  const fromPrimary = router ? generationOfPrimary(router) : generationOfDatabase(primary.db);
  const options: ScaleOutOptions = {
    ...(router ? { router } : {}),
    // Also without a cache of its own: other processes may have one.
    ...(primary.driver === "postgres"
      ? { coherentWrites: { primary: primary.db, leaseMs: config.CACHE_LEASE_MS } }
      : {}),
    responseCache: {
      generation: follower ? generationOfFollower(follower, fromPrimary) : fromPrimary,
      ttlMs: config.RESPONSE_CACHE_TTL_MS,
      ...(store ? { cache: store.cache } : {}),
      ...(follower ? { inMemoryGeneration: () => follower.current() } : {}),
    },
    httpMaxAgeSeconds: config.HTTP_CACHE_MAX_AGE,
    persistedDocuments: { manifest: loadDocumentManifest(), only: config.PERSISTED_DOCUMENTS_ONLY },
  };
  return {
    options,
    router,
    follower,
    close: async () => {
      await follower?.close();
      await router?.close();
      await Promise.all(replicas.map((replica) => replica.close()));
      await store?.close();
    },
  };
}
// --- end issue 13 ---

/** The embedded database's upkeep: first this long after the server serves, then every hour. */
const UPKEEP_FIRST_MS = 60_000;
const UPKEEP_EVERY_MS = 60 * 60_000;

/**
 * PGlite has no autovacuum, so the server does its work: a minute after it serves, every table
 * (PGlite forgets what was written before it was opened), then hourly the tables written since
 * (`vacuumWrittenTables`, one statement a table: requests take turns with them). `idle()`
 * resolves when no upkeep runs; the server waits for it before it closes the database.
 */
function scheduleEmbeddedUpkeep(database: Database, logger: Logger, stopping: AbortSignal) {
  let running: Promise<void> = Promise.resolve();
  let first = true;
  const run = () => {
    const started = performance.now();
    running = vacuumWrittenTables(database.db, { all: first, signal: stopping }).then(
      (tables) => {
        if (tables.length === 0) return;
        const ms = Math.round(performance.now() - started);
        logger.info({ tables, ms }, "upkeep: vacuumed and analysed these tables");
      },
      (error: unknown) =>
        logger.warn(
          { error: describeDatabaseFailure(error) },
          "the embedded database's upkeep (VACUUM) failed; it is tried again in an hour",
        ),
    );
  };
  let timer = setTimeout(function next() {
    run();
    first = false;
    timer = setTimeout(next, UPKEEP_EVERY_MS).unref();
  }, UPKEEP_FIRST_MS).unref();
  stopping.addEventListener("abort", () => clearTimeout(timer));
  return { idle: () => running };
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    throw new StartError((error as Error).message);
  }
  const logger = createLogger(config.LOG_LEVEL);
  const workers = workerCount(config, logger);
  if (cluster.isPrimary && workers > 1) return superviseWorkers(config, workers, logger);
  // Loading the app builds the GraphQL schema (~1.2 s); started first, it overlaps with opening
  // the database (reading files, compiling PGlite's WebAssembly) instead of following it.
  const appModule = import("./app.ts");
  appModule.catch(() => {});
  let database: Database;
  // An empty embedded folder that is to be seeded starts as a copy of the seeded template.
  let copiedSeeds = false;
  const seeded = async () => {
    const template = await seededTemplate();
    copiedSeeds = template !== null;
    return template ?? migratedTemplate();
  };
  try {
    database = await openDatabase(config.database, {
      poolSize: config.DATABASE_POOL_SIZE,
      statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      logger,
      ...(config.SEED ? { emptyTemplate: seeded } : {}),
    });
  } catch (error) {
    throw new StartError(
      `cannot open the database at DATABASE_URL=${redactUrl(config.DATABASE_URL)}: ${describeDatabaseFailure(error)}`,
    );
  }

  const { createApp, nodeHandlerOf } = await appModule;
  const scaleOut = await scaleOutOptions(config, database, logger);
  // submitFeedback's rate limit: one budget per client across every process and machine on
  // the same Redis, else on the same database (the rate_limits table).
  const rateLimitRedis = config.CACHE_URL !== "" ? connectRateLimitRedis(config.CACHE_URL) : null;
  // While Redis is away the limiter counts in-process (per process, not shared): said once.
  let rateLimitRedisDown = false;
  rateLimitRedis?.on("error", (error: unknown) => {
    if (rateLimitRedisDown) return;
    rateLimitRedisDown = true;
    logger.warn(
      { err: String(error) },
      "the rate-limit store (CACHE_URL) is unreachable: each process limits on its own until it is back",
    );
  });
  rateLimitRedis?.on("ready", () => {
    rateLimitRedisDown = false;
  });
  const app = createApp({
    database,
    logger,
    scaleOut: scaleOut.options,
    publicWriteStore: rateLimitRedis
      ? { kind: "redis", redis: rateLimitRedis }
      : { kind: "database", db: database.db },
  });
  // A repeated anonymous query is answered before yoga when the response cache has it.
  const handle = nodeHandlerOf(app);
  const server = createServer((request, response) => {
    // Per-database readiness of the primary and each replica (issue 13).
    if (request.url === "/ready/databases" && scaleOut.router) {
      const report = scaleOut.router.report();
      response.writeHead(report.ready ? 200 : 503, { "content-type": "application/json" });
      response.end(JSON.stringify(report));
      return;
    }
    handle(request, response);
  });
  let port: number;
  try {
    // Before migrating or seeding anything: a port in use is found at once.
    port = await listen(server, config);
  } catch (error) {
    await database.close();
    throw error;
  }
  const host = config.HOST === "0.0.0.0" || config.HOST === "::" ? "localhost" : config.HOST;
  logger.info(`pickgraph listening on ${config.HOST}:${port}, preparing ${database.location}`);

  const stopping = new AbortController();
  // Scheduled once the database is prepared (below): it never runs between seed batches.
  let upkeep: ReturnType<typeof scheduleEmbeddedUpkeep> | null = null;
  const stop = (signal: string) => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    logger.info(`${signal}: closing (requests in flight get ${config.SHUTDOWN_GRACE_MS} ms)`);
    let cutOff = false;
    const finish = () => {
      clearInterval(idle);
      // The requests are over: the fault counts held back in the last second are written now.
      flushThrottledWarnings();
      rateLimitRedis?.disconnect();
      // The scale-out parts first: the process leaves cache_processes over the primary's pool.
      scaleOut
        .close()
        .catch((error: unknown) => {
          // Logged, and the database is closed all the same (PGlite flushed, its lock released).
          logger.error({ err: error }, "closing the scale-out parts failed");
        })
        // An upkeep statement running now ends first; the next table's is not started.
        .then(() => upkeep?.idle())
        .then(() => database.close())
        .then(
          () => {
            logger.info("closed");
            process.exit(cutOff ? 1 : 0);
          },
          (error: unknown) => {
            logger.error({ err: error }, "closing the database failed");
            process.exit(1);
          },
        );
    };
    server.close(finish);
    // Keep-alive connections that fall idle after their last response are closed as they do.
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    setTimeout(() => {
      cutOff = true;
      logger.warn("grace period over: cutting off the requests still running");
      server.closeAllConnections();
    }, config.SHUTDOWN_GRACE_MS).unref();
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  if (copiedSeeds) {
    const [row] = await selectRows<{ n: number }>(
      database.db,
      sql`SELECT count(*)::int AS n FROM comparisons`,
    );
    logger.info(
      `Seeded ${row?.n ?? 0} comparisons into ${database.location} (a copy of the seeded template, made once per seed corpus and code).`,
    );
  }
  await prepare(database, config, logger, stopping.signal);
  if (stopping.signal.aborted) return;
  if (database.driver === "pglite")
    upkeep = scheduleEmbeddedUpkeep(database, logger, stopping.signal);
  // Until it is in sync, each request reads the generation from the primary.
  await scaleOut.follower?.start();
  logger.info({ port }, `pickgraph serves ${database.location}`);
  // Where to point a browser is printed whatever LOG_LEVEL says (scripts and tests wait for it).
  console.log(`GraphQL and GraphiQL: http://${host}:${port}/graphql`);
  console.log(`Explorer: http://${host}:${port}/`);
}

main().catch((error: unknown) => {
  // Expected start-up failures are one line on stderr; anything else keeps its stack.
  console.error(error instanceof StartError ? `pickgraph cannot start: ${error.message}` : error);
  process.exit(1);
});
