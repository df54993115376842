import type { Cache } from "@graphql-yoga/plugin-response-cache";
import type { ExecutionResult } from "graphql";
import { Redis } from "ioredis";
import type { Logger } from "../logger.ts";

/**
 * The response cache's entries in Redis (CACHE_URL), shared by every process and machine, so an
 * answer computed once is served by all. Correctness does not rest on Redis: keys carry the data
 * generation (see scale-out.ts), so entries need no deleting, only expiry. A Redis that is down
 * makes every lookup a miss, never an error.
 */
export function createRedisResponseStore(
  url: string,
  logger: Logger,
  /** Prepended to every key: deployments (or tests) sharing one Redis keep apart. */
  prefix = "pickgraph:response:",
): { cache: Cache; ready(timeoutMs: number): Promise<boolean>; close(): Promise<void> } {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 1_000,
  });
  let warned = false;
  redis.on("error", (error) => {
    if (!warned) logger.warn({ err: String(error) }, "response cache store (Redis) unavailable");
    warned = true;
  });
  redis.on("ready", () => {
    warned = false;
  });
  return {
    cache: {
      async get(key) {
        try {
          const text = await redis.get(prefix + key);
          return text === null ? undefined : (JSON.parse(text) as ExecutionResult);
        } catch {
          return undefined;
        }
      },
      async set(key, value, _entities, ttl) {
        try {
          const ms = Number.isFinite(ttl) && ttl > 0 ? Math.ceil(ttl) : 60_000;
          await redis.set(prefix + key, JSON.stringify(value), "PX", ms);
        } catch {
          // A lost entry only costs a recomputation.
        }
      },
      // Generations retire entries; nothing is keyed by entity.
      invalidate() {},
    },
    /** Whether Redis is connected within `timeoutMs`; until it is, every lookup is a miss. */
    ready: (timeoutMs) =>
      redis.status === "ready"
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const timer = setTimeout(() => resolve(false), timeoutMs);
            redis.once("ready", () => {
              clearTimeout(timer);
              resolve(true);
            });
          }),
    close: async () => {
      redis.disconnect();
    },
  };
}
