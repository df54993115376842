import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { createRedisResponseStore } from "../../src/graphql/redis-store.ts";
import { generationOfDatabase } from "../../src/graphql/scale-out.ts";
import { silentLogger } from "../../src/logger.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { freePort } from "../helpers/private-postgres.ts";

/**
 * The response cache's shared store (CACHE_URL, issue 13) on a real Redis, named by
 * TEST_REDIS_URL (e.g. redis://127.0.0.1:6379). Every key this file writes carries a prefix of
 * its own, and is deleted afterwards.
 */
const redisUrl = process.env.TEST_REDIS_URL;
const database = useTestDatabase();

describe.runIf(redisUrl !== undefined)("the Redis response store", () => {
  const prefix = `pickgraph-test-${randomBytes(6).toString("hex")}:`;
  let inspector: Redis;
  const stores: { close(): Promise<void> }[] = [];
  const store = async (url = redisUrl as string) => {
    const made = createRedisResponseStore(url, silentLogger, prefix);
    stores.push(made);
    // Commands are not queued while connecting (a miss instead): start once connected.
    expect(await made.ready(url === redisUrl ? 5_000 : 300)).toBe(url === redisUrl);
    return made;
  };
  const ourKeys = () => inspector.keys(`${prefix}*`);

  beforeAll(async () => {
    inspector = new Redis(redisUrl as string);
    await seedDatabase(database().db);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    if (inspector) {
      const keys = await ourKeys();
      if (keys.length > 0) await inspector.del(...keys);
      expect(await ourKeys()).toEqual([]);
      inspector.disconnect();
    }
  });

  it("keeps an entry under its prefix until its time to live ends", async () => {
    const { cache } = await store();
    const answer = { data: { comparison: { intro: "Kept in Redis." } } };
    await cache.set("g7-abc", answer, [], 300);
    expect(await cache.get("g7-abc")).toEqual(answer);
    expect(await ourKeys()).toEqual([`${prefix}g7-abc`]);
    const ttl = await inspector.pttl(`${prefix}g7-abc`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await cache.get("g7-abc")).toBeUndefined();
  });

  it("turns a Redis that is not there into misses, quickly and without errors", async () => {
    const { cache } = await store(`redis://127.0.0.1:${await freePort()}`);
    const started = performance.now();
    await cache.set("g1-x", { data: {} }, [], 1_000);
    expect(await cache.get("g1-x")).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it("shares answers between two servers, and a write retires them for both", async () => {
    const shared = (await store()).cache;
    const appOn = () =>
      createApp({
        database: database(),
        scaleOut: {
          responseCache: {
            generation: generationOfDatabase(database().db),
            ttlMs: 60_000,
            cache: shared,
          },
          httpMaxAgeSeconds: 0,
        },
      });
    const [one, two] = [appOn(), appOn()];
    const query = `{ comparison(slug: "scrum-vs-kanban") { intro } }`;
    const ask = async (app: ReturnType<typeof appOn>) => {
      const response = await app.fetch("http://app/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query }),
      });
      return {
        by: response.headers.get("x-pickgraph-served-by"),
        body: (await response.json()) as { data: { comparison: { intro: string } } },
      };
    };
    const first = await ask(one);
    expect(first.by).not.toBe("cache");
    expect(await ourKeys()).toHaveLength(1);
    const second = await ask(two);
    expect(second.by).toBe("cache");
    expect(second.body).toEqual(first.body);
    await database().db.execute(
      sql`UPDATE comparisons SET intro = 'Written after caching.' WHERE slug = 'scrum-vs-kanban'`,
    );
    const after = await ask(two);
    expect(after.by).not.toBe("cache");
    expect(after.body.data.comparison.intro).toBe("Written after caching.");
    expect((await ask(one)).by).toBe("cache");
  });
});
