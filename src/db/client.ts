import { PGlite } from "@electric-sql/pglite";
import type { SQL } from "drizzle-orm";
import type { PgAsyncDatabase } from "drizzle-orm/pg-core/async/db";
import type { PgQueryResultHKT } from "drizzle-orm/pg-core/session";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { type DatabaseTarget, redactUrl } from "../config.ts";
import type { Logger } from "../logger.ts";
import { CircuitBreaker } from "./circuit-breaker.ts";
import { type DataFolderLock, lockDataFolder } from "./data-folder-lock.ts";
import { currentStatementOwner, FairStatementGate } from "./fair-statements.ts";
import {
  copyTemplate,
  isEmptyDataFolder,
  migratedTemplate,
  migratedTemplateDump,
  PGLITE_OPTIONS,
} from "./pglite-template.ts";
import { pgliteReader, postgresReader, registerPreparedReader } from "./prepared-reads.ts";
import { type Relations, relations } from "./relations.ts";

/** The one handle type the code uses, whichever driver is behind it (and inside transactions). */
export type Db = PgAsyncDatabase<PgQueryResultHKT, Relations>;

export interface Database {
  readonly db: Db;
  readonly driver: DatabaseTarget["driver"];
  /** A printable description of where the data lives (no password). */
  readonly location: string;
  close(): Promise<void>;
  /**
   * Postgres only: LISTEN on `channel` over a connection of its own (issue 13). `onListen` runs
   * each time the LISTEN is in place, also after a reconnection.
   */
  listen?(
    channel: string,
    onNotify: (payload: string) => void,
    onListen?: () => void,
  ): Promise<{ unlisten(): Promise<void> }>;
}

export interface OpenDatabaseOptions {
  /** Sees every statement drizzle sends; tests count and snapshot them with it. */
  onQuery?: (query: string, params: unknown[]) => void;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** How long opening one Postgres connection may take before the request fails. */
  connectTimeoutMs?: number;
  /**
   * Postgres: while the server is known to be away, statements are refused at once and a probe
   * asks every this many ms whether it is back (see circuit-breaker.ts). Default 250.
   */
  probeIntervalMs?: number;
  /** Where the circuit breaker says that the database went away and came back. */
  logger?: Logger;
  /**
   * The folder an empty embedded data folder starts as a copy of (null: none, PGlite creates
   * the database); the migrated template unless said otherwise. Asked only once the folder is
   * locked and found empty.
   */
  emptyTemplate?: () => Promise<string | null>;
  /**
   * False: a new embedded database (an empty folder, or in memory) starts empty, as initdb leaves
   * it, instead of from the migrated template. For tests of what an unmigrated database does.
   */
  fromTemplate?: boolean;
}

/**
 * Delay before a Postgres connection that failed tries again, in seconds. postgres.js backs off
 * up to 20 s after a few failures, so a server kept answering "unavailable" for up to 20 s after
 * its database returned; a short, capped delay brings it back within a second.
 */
function reconnectDelay(failures: number): number {
  return Math.min(0.05 * 2 ** failures, 0.5);
}

export async function openDatabase(
  target: DatabaseTarget,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const logger = options.onQuery ? { logQuery: options.onQuery } : undefined;
  if (target.driver === "postgres") {
    const client = postgres(target.url, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      connect_timeout: (options.connectTimeoutMs ?? 2_000) / 1000,
      backoff: reconnectDelay,
      connection: {
        application_name: "pickgraph",
        statement_timeout: options.statementTimeoutMs ?? 10_000,
        // --- issue 9: JIT compiles a statement for ~1 s whenever the planner misjudges its
        // cost (no statistics yet); our reads are short, so it never pays off.
        jit: "off",
      },
    });
    const location = redactUrl(target.url);
    const breaker = new CircuitBreaker({
      probe: () => probeServer(target.url, options.connectTimeoutMs ?? 2_000),
      probeIntervalMs: options.probeIntervalMs ?? 250,
      onChange: (open, reason) =>
        open
          ? options.logger?.warn(
              { database: location, reason },
              "database down: statements refused",
            )
          : options.logger?.warn({ database: location, reason }, "database up"),
    });
    const guarded = guardedClient(client, breaker);
    const db = drizzlePostgres({ client: guarded, relations, logger }) as unknown as Db;
    registerPreparedReader(db, postgresReader(guarded, options.onQuery));
    return {
      db,
      driver: "postgres",
      location,
      close: () => {
        breaker.stop();
        return client.end({ timeout: 5 });
      },
      listen: async (channel, onNotify, onListen) => {
        const listening = await client.listen(channel, onNotify, onListen);
        return { unlisten: () => listening.unlisten() };
      },
    };
  }
  let lock: DataFolderLock | null = null;
  if (target.dataDir !== null) lock = lockDataFolder(target.dataDir);
  try {
    // A new folder starts as a copy of the migrated template instead of paying for initdb.
    const fromTemplate = options.fromTemplate ?? true;
    if (fromTemplate && target.dataDir !== null && isEmptyDataFolder(target.dataDir)) {
      const template = await (options.emptyTemplate ?? migratedTemplate)();
      if (template !== null) copyTemplate(template, target.dataDir);
    }
    // An in-memory database starts from the same template, loaded from its dump.
    const dump = fromTemplate && target.dataDir === null ? await migratedTemplateDump() : null;
    const client = await PGlite.create(
      target.dataDir ?? undefined,
      dump === null ? PGLITE_OPTIONS : { ...PGLITE_OPTIONS, loadDataDir: dump },
    );
    takeTurns(client);
    const db = drizzlePglite({ client, relations, logger }) as unknown as Db;
    embedded.add(db);
    registerPreparedReader(db, pgliteReader(client, options.onQuery));
    return {
      db,
      driver: "pglite",
      location: target.dataDir === null ? "in-memory PGlite" : `PGlite folder ${target.dataDir}`,
      close: async () => {
        try {
          await client.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/**
 * Every statement PGlite runs takes its turn at the fair gate (see fair-statements.ts): sockets
 * are read between statements, and requests take turns instead of first come, first served.
 * `query`, `exec`, `transaction` and the prepared reads all enter through
 * `_runExclusiveTransaction`; a transaction's own statements then run inside its one turn.
 */
function takeTurns(client: PGlite): void {
  const gate = new FairStatementGate();
  const exclusive = client as unknown as {
    _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  };
  const run = exclusive._runExclusiveTransaction.bind(client);
  exclusive._runExclusiveTransaction = (fn) => gate.run(currentStatementOwner(), () => run(fn));
}

/**
 * One `SELECT 1` on a connection of its own, bounded by `timeoutMs` from connecting to the answer:
 * the circuit breaker's question "is the server back?". Never queued behind the pool's statements.
 */
async function probeServer(url: string, timeoutMs: number): Promise<void> {
  const probe = postgres(url, {
    max: 1,
    connect_timeout: Math.max(timeoutMs / 1000, 0.1),
    idle_timeout: 1,
    // One round trip fewer: the probe reads no arrays.
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: "pickgraph-probe", statement_timeout: timeoutMs },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe`SELECT 1`,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(Object.assign(new Error("no answer to the probe"), { code: "CONNECT_TIMEOUT" })),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await probe.end({ timeout: 0 });
  }
}

type PendingQuery = Promise<unknown> & { then: Promise<unknown>["then"] };

/**
 * The pool as drizzle and the prepared reads see it: every statement (`unsafe`, tagged
 * templates, `begin`) is refused at once while the breaker is open, and a statement that fails
 * because the server went away opens it. Statements of a transaction run on its own handle,
 * whose failures reach `begin`. postgres.js queries are lazy promises (they run when awaited),
 * so a query's failure is seen by wrapping the `then` it is awaited through.
 */
function guardedClient(client: postgres.Sql, breaker: CircuitBreaker): postgres.Sql {
  const observe = (query: PendingQuery): PendingQuery => {
    const then = query.then;
    // biome-ignore lint/suspicious/noThenProperty: the query is a promise already; its own `then` is wrapped.
    Object.defineProperty(query, "then", {
      configurable: true,
      value(onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) {
        return then.call(query, onFulfilled, (error: unknown) => {
          breaker.failed(error);
          if (onRejected) return onRejected(error);
          throw error;
        });
      },
    });
    return query;
  };
  const refuseOr = <T>(run: () => T): T => {
    const refusal = breaker.refusal();
    if (refusal !== null) throw refusal;
    return run();
  };
  return new Proxy(client, {
    apply(target, self, args) {
      // `sql(value)` makes a fragment, not a query: only queries are guarded.
      const made: unknown = Reflect.apply(target, self, args);
      if (!(made instanceof Promise)) return made;
      return refuseOr(() => observe(made as PendingQuery));
    },
    get(target, property, receiver) {
      if (property === "unsafe") {
        return (...args: Parameters<postgres.Sql["unsafe"]>) =>
          refuseOr(() => observe(target.unsafe(...args) as unknown as PendingQuery));
      }
      if (property === "begin") {
        return async (...args: unknown[]) => {
          const refusal = breaker.refusal();
          if (refusal !== null) throw refusal;
          try {
            return await (target.begin as (...a: unknown[]) => Promise<unknown>)(...args);
          } catch (error) {
            breaker.failed(error);
            throw error;
          }
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

const embedded = new WeakSet<object>();

/**
 * Whether a handle opened by `openDatabase` is PGlite's: one thread for every request, so work
 * that can be split is sent as several shorter statements (see graph/traversal.ts). False for any
 * other handle (a transaction).
 */
export function isEmbedded(db: object): boolean {
  return embedded.has(db);
}

/** Runs raw SQL and returns its rows; the drivers disagree on the shape of `db.execute`. */
export async function selectRows<Row>(db: Db, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as Row[];
  return (result as { rows: Row[] }).rows;
}
