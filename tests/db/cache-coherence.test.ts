import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awaitCachesCoherent, GenerationFollower } from "../../src/db/cache-coherence.ts";
import { type Database, openDatabase, selectRows } from "../../src/db/client.ts";
import { silentLogger } from "../../src/logger.ts";
import { testDriver, useTestDatabase } from "../helpers/database.ts";

/**
 * The response cache's generation in memory (issue 13): followed through LISTEN/NOTIFY under a
 * lease, and writers that wait for every live process. LISTEN/NOTIFY and several connections:
 * Postgres only.
 */
describe.runIf(testDriver === "postgres")("cache coherence across processes", () => {
  const database = useTestDatabase();
  let writer: Database;

  const generation = async (): Promise<bigint> => {
    const [row] = await selectRows<{ seq: string }>(
      writer.db,
      sql`SELECT seq::text AS seq FROM data_generation WHERE id = 1`,
    );
    return BigInt(row?.seq ?? "-1");
  };
  // A statement-level trigger fires on zero rows too: a write that changes nothing still bumps.
  const write = () => writer.db.execute(sql`DELETE FROM feedback WHERE false`);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    writer = await openDatabase({ driver: "postgres", url: database().url as string });
  });
  afterAll(async () => {
    await writer?.close();
  });

  it("has every follower hold the writer's generation when the writer's wait returns", async () => {
    const opened = await Promise.all(
      [0, 1, 2].map(() => openDatabase({ driver: "postgres", url: database().url as string })),
    );
    const followers = opened.map(
      (db) => new GenerationFollower(db, { leaseMs: 2_000, logger: silentLogger }),
    );
    try {
      await Promise.all(followers.map((f) => f.start()));
      const start = await generation();
      expect(followers.map((f) => f.current())).toEqual([start, start, start]);
      const waits: number[] = [];
      for (let i = 0; i < 40; i++) {
        await write();
        const wait = await awaitCachesCoherent(writer.db, 2_000);
        expect(wait.acknowledged).toBe(true);
        waits.push(wait.waitedMs);
        // At once, with no await in between: what a request arriving now would key on.
        const now = followers.map((f) => f.current());
        const committed = await generation();
        expect(now).toEqual([committed, committed, committed]);
      }
      waits.sort((a, b) => a - b);
      // Notified, not polled: far under the heartbeat (500 ms) even on a busy machine.
      expect(waits[Math.floor(waits.length / 2)]).toBeLessThan(250);
    } finally {
      await Promise.all(followers.map((f) => f.close()));
      await Promise.all(opened.map((db) => db.close()));
    }
  }, 60_000);

  it("keeps following after its LISTEN connection is cut", async () => {
    const opened = await openDatabase({ driver: "postgres", url: database().url as string });
    const follower = new GenerationFollower(opened, { leaseMs: 1_000, logger: silentLogger });
    try {
      await follower.start();
      await writer.db.execute(sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND query ILIKE 'listen%'`);
      await sleep(300);
      await write();
      const wait = await awaitCachesCoherent(writer.db, 1_000);
      expect(wait.acknowledged).toBe(true);
      expect(follower.current()).toBe(await generation());
    } finally {
      await follower.close();
      await opened.close();
    }
  }, 30_000);

  it("stops vouching for its generation before its lease ends when it loses the database", async () => {
    const opened = await openDatabase({ driver: "postgres", url: database().url as string });
    const follower = new GenerationFollower(opened, { leaseMs: 600, logger: silentLogger });
    let closed = false;
    try {
      await follower.start();
      expect(follower.current()).not.toBeNull();
      // Its pool ends: no more renewals (as with a primary it cannot reach).
      await opened.close();
      closed = true;
      const lostAt = performance.now();
      while (follower.current() !== null) await sleep(10);
      expect(performance.now() - lostAt).toBeLessThan(600);
      // Its row's lease has not ended yet in the database: a writer now waits it out.
      await write();
      const wait = await awaitCachesCoherent(writer.db, 5_000);
      expect(wait.acknowledged).toBe(true);
      expect(wait.waitedMs).toBeLessThan(1_500);
    } finally {
      await follower.close();
      if (!closed) await opened.close();
    }
  }, 30_000);

  it("bounds a writer's wait by the lease: a process that never acknowledges cannot hold it", async () => {
    await writer.db.execute(sql`INSERT INTO cache_processes (id, acked_generation, lease_until, host, pid)
      VALUES ('stuck', 0, now() + interval '1 hour', 'nowhere', 0)`);
    try {
      await write();
      const wait = await awaitCachesCoherent(writer.db, 400);
      expect(wait.acknowledged).toBe(false);
      expect(wait.waitedMs).toBeGreaterThanOrEqual(390);
      expect(wait.waitedMs).toBeLessThan(2_000);
    } finally {
      await writer.db.execute(sql`DELETE FROM cache_processes WHERE id = 'stuck'`);
    }
  }, 30_000);

  it("never vouches for a generation a writer moved past while the process registered", async () => {
    const opened = await openDatabase({ driver: "postgres", url: database().url as string });
    let statements = 0;
    let answered: bigint | null = null;
    // The follower's first statement reads the generation, its second writes its first
    // acknowledgement. Just before that one a writer commits and waits: no row of this process
    // exists yet, so the writer is answered at once.
    const db = new Proxy(opened.db, {
      get(target, property, receiver) {
        if (property !== "execute") return Reflect.get(target, property, receiver);
        return async (query: unknown) => {
          statements += 1;
          if (statements === 2) {
            await write();
            await awaitCachesCoherent(writer.db, 2_000);
            answered = await generation();
          }
          return (target.execute as (q: unknown) => Promise<unknown>).call(target, query);
        };
      },
    });
    // The notification of that write is late (nothing guarantees when it arrives): never here.
    const follower = new GenerationFollower(
      {
        db,
        driver: opened.driver,
        location: opened.location,
        close: () => opened.close(),
        listen: async () => ({ unlisten: async () => {} }),
      },
      { leaseMs: 2_000, logger: silentLogger },
    );
    try {
      await follower.start();
      expect(answered).not.toBeNull();
      // What a request arriving now would key on includes the write its writer was answered for.
      expect(follower.current()).toBe(answered);
    } finally {
      await follower.close();
      await opened.close();
    }
  }, 30_000);
});
