import { createServer, type Server } from "node:http";
import { type Config, loadConfig, redactUrl } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import {
  classifyDatabaseError,
  describeDatabaseFailure,
  isPermanentConnectFailure,
} from "./db/database-errors.ts";
import { migrateDatabase } from "./db/migrate.ts";
import { seedDatabase } from "./editing/seed.ts";
import { hasComparisons } from "./ingest/seed.ts";
import { createLogger, type Logger } from "./logger.ts";

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
      await migrateDatabase(database.db);
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

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    throw new StartError((error as Error).message);
  }
  const logger = createLogger(config.LOG_LEVEL);
  // Loading the app builds the GraphQL schema (~1.2 s); started first, it overlaps with opening
  // the database (reading files, compiling PGlite's WebAssembly) instead of following it.
  const appModule = import("./app.ts");
  appModule.catch(() => {});
  let database: Database;
  try {
    database = await openDatabase(config.database, {
      poolSize: config.DATABASE_POOL_SIZE,
      statementTimeoutMs: config.STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    });
  } catch (error) {
    throw new StartError(
      `cannot open the database at DATABASE_URL=${redactUrl(config.DATABASE_URL)}: ${describeDatabaseFailure(error)}`,
    );
  }

  const { createApp } = await appModule;
  const app = createApp({ database, logger });
  const server = createServer(app);
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
  const stop = (signal: string) => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    logger.info(`${signal}: closing (requests in flight get ${config.SHUTDOWN_GRACE_MS} ms)`);
    let cutOff = false;
    const finish = () => {
      clearInterval(idle);
      database.close().then(
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

  await prepare(database, config, logger, stopping.signal);
  if (stopping.signal.aborted) return;
  logger.info(`pickgraph serves ${database.location}`);
  logger.info(`GraphQL and GraphiQL: http://${host}:${port}/graphql`);
  logger.info(`Explorer: http://${host}:${port}/`);
}

main().catch((error: unknown) => {
  // Expected start-up failures are one line on stderr; anything else keeps its stack.
  console.error(error instanceof StartError ? `pickgraph cannot start: ${error.message}` : error);
  process.exit(1);
});
