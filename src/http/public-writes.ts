import { createHash } from "node:crypto";
import { lt } from "drizzle-orm";
import { GraphQLError } from "graphql";
import { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterDrizzle,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import type { Db } from "../db/client.ts";
import { describeDatabaseFailure } from "../db/database-errors.ts";
import { rateLimitsTable } from "../db/tables.ts";
import type { AdmitPublicWrite } from "../graphql/context.ts";
import type { Logger } from "../logger.ts";

export interface PublicWriteLimits {
  /** Public writes one client address may make per minute. */
  perMinute: number;
  /** Seconds in which the same write from the same client is a duplicate. */
  dedupeSeconds: number;
}

/**
 * Where the counters live. Every process that shares the store shares one budget per client:
 * Redis (CACHE_URL) across machines, or the `rate_limits` table of the database the servers
 * share; `memory` counts in this process only (tests, tools).
 */
export type PublicWriteStore =
  | { kind: "redis"; redis: Redis }
  | { kind: "database"; db: Db }
  | { kind: "memory" };

/** The Redis client the counters use when CACHE_URL is set; the caller closes it. */
export function connectRateLimitRedis(url: string): Redis {
  // Without an offline queue a Redis that is away fails a call at once, and the in-process
  // insurance limiter counts instead (see limiter below).
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
  });
}

/**
 * One limiter on the store, with an in-process limiter as insurance: when Redis or the database
 * cannot be reached the process goes on limiting on its own rather than letting every write
 * through or failing it.
 */
function limiter(
  store: PublicWriteStore,
  keyPrefix: string,
  points: number,
  duration: number,
): RateLimiterAbstract {
  const options = { keyPrefix, points, duration };
  const insuranceLimiter = new RateLimiterMemory(options);
  if (store.kind === "redis") {
    return new RateLimiterRedis({
      ...options,
      storeClient: store.redis,
      rejectIfRedisNotReady: true,
      insuranceLimiter,
    });
  }
  if (store.kind === "database") {
    return new RateLimiterDrizzle({
      ...options,
      storeClient: store.db,
      schema: rateLimitsTable,
      insuranceLimiter,
      // Its own sweep is a timer per limiter that outlives the database it was given, and
      // reports a failed sweep with console.warn, outside the JSON log: sweepExpired does it.
      clearExpiredByTimeout: false,
    });
  }
  return insuranceLimiter;
}

/** A `rate_limits` row is deleted once it has been expired this long (rate-limiter-flexible's rule). */
const SWEEP_EXPIRED_AFTER_MS = 60 * 60_000;
/** At most one sweep per process in this long. */
const SWEEP_INTERVAL_MS = 5 * 60_000;

/**
 * Deletes the `rate_limits` rows that expired over an hour ago, at most once in
 * `SWEEP_INTERVAL_MS`, when a public write comes: rows are only added by writes, so no write,
 * no growth, and no timer to outlive the database. A failed sweep is one warning in the log and
 * costs the write nothing.
 */
function expiredCounterSweep(db: Db, logger: Logger): () => void {
  let last = Number.NEGATIVE_INFINITY;
  return () => {
    const now = Date.now();
    if (now - last < SWEEP_INTERVAL_MS) return;
    last = now;
    db.delete(rateLimitsTable)
      .where(lt(rateLimitsTable.expire, new Date(now - SWEEP_EXPIRED_AFTER_MS)))
      .then(
        () => undefined,
        (error: unknown) =>
          logger.warn(
            { error: describeDatabaseFailure(error) },
            "Could not delete expired rate-limit counters; the next sweep tries again",
          ),
      );
  };
}

/**
 * Rate limits and de-duplicates public writes (submitFeedback) per client address. The counters
 * are in `store`, so N server processes (WORKERS, or several machines) on one store give a
 * client one budget, not N.
 */
export function createPublicWriteGate(
  limits: PublicWriteLimits,
  store: PublicWriteStore,
  logger: Logger,
) {
  const rate = limiter(store, "pickgraph:writes", limits.perMinute, 60);
  const seen =
    limits.dedupeSeconds > 0 ? limiter(store, "pickgraph:seen", 1, limits.dedupeSeconds) : null;
  const sweep = store.kind === "database" ? expiredCounterSweep(store.db, logger) : () => {};
  return (clientAddress: string): AdmitPublicWrite =>
    async (kind, fingerprint) => {
      sweep();
      try {
        await rate.consume(`${kind}:${clientAddress}`);
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        const seconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
        throw new GraphQLError(
          `Too many ${kind} calls from your address: at most ${limits.perMinute} a minute; retry in ${seconds} s`,
          {
            extensions: {
              code: "RATE_LIMITED",
              retryAfterSeconds: seconds,
              http: { status: 429, headers: { "Retry-After": String(seconds) } },
            },
          },
        );
      }
      if (!seen) return "new";
      const key = createHash("sha256")
        .update(`${kind}\n${clientAddress}\n${fingerprint}`)
        .digest("hex");
      // One atomic step on the store: the first of two identical writes, in whichever process,
      // gets the point; the other is refused it and is the duplicate.
      try {
        await seen.consume(key);
        return "new";
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) return "duplicate";
        throw refusal;
      }
    };
}
