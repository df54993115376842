import { randomBytes } from "node:crypto";
import { Socket } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { connectRateLimitRedis } from "../../src/http/public-writes.ts";
import { testDriver, useTestDatabase } from "../helpers/database.ts";
import { capturedLogger } from "../helpers/log-lines.ts";
import { type Server, startServer } from "../helpers/processes.ts";

/**
 * submitFeedback's rate limit is one budget per client however many server processes answer
 * it: counted in the database the servers share (the rate_limits table), or in Redis when
 * CACHE_URL is set. Each test sends one client's writes alternately to two servers and expects
 * exactly FEEDBACK_PER_MINUTE of them through, not twice that.
 */

const database = useTestDatabase();
const PER_MINUTE = 4;
const REDIS_URL = "redis://127.0.0.1:6379";

/** Whether a Redis answers on 127.0.0.1:6379 (the Redis tests run only then). */
async function redisIsUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(6379, "127.0.0.1");
  });
}
const haveRedis = await redisIsUp();

let comparisonId = "";
let optionId = "";

beforeAll(async () => {
  await seedDatabase(database().db);
  const app = createApp({ database: database() });
  const response = await app.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `{ comparison(slug: "scrum-vs-kanban") { id options { id } } }`,
    }),
  });
  const { data } = (await response.json()) as {
    data: { comparison: { id: string; options: { id: string }[] } };
  };
  comparisonId = data.comparison.id;
  optionId = data.comparison.options[0]?.id as string;
});

const FEEDBACK = `mutation ($c: ID!, $o: ID!, $t: String) {
  submitFeedback(input: { comparisonId: $c, preferredOptionId: $o, comment: $t }) { __typename }
}`;

type Send = (comment: string, client: string) => Promise<{ status: number; code?: string }>;

function sender(fetchOne: (request: Request) => Promise<Response> | Response, url: string): Send {
  return async (comment, client) => {
    const response = await fetchOne(
      new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": client },
        body: JSON.stringify({
          query: FEEDBACK,
          variables: { c: comparisonId, o: optionId, t: comment },
        }),
      }),
    );
    const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    const code = body.errors?.[0]?.extensions?.code;
    return { status: response.status, ...(code ? { code } : {}) };
  };
}

/** A client address no other run (on a shared Redis) has used. */
const newClient = () => `198.51.100.${randomBytes(1)[0]}-${randomBytes(6).toString("hex")}`;

/** 2 × PER_MINUTE distinct writes, alternately to each server: only PER_MINUTE go through. */
async function expectOneBudget(servers: [Send, Send]) {
  const client = newClient();
  const outcomes: { status: number; code?: string }[] = [];
  for (let i = 0; i < 2 * PER_MINUTE; i++) {
    outcomes.push(await (servers[i % 2] as Send)(`Distinct comment ${i}.`, client));
  }
  expect(outcomes.slice(0, PER_MINUTE).map((o) => o.status)).toEqual(Array(PER_MINUTE).fill(200));
  expect(outcomes.slice(PER_MINUTE)).toEqual(
    Array(PER_MINUTE).fill({ status: 429, code: "RATE_LIMITED" }),
  );
  // Another client still has its own budget.
  expect((await servers[0]("Another client.", newClient())).status).toBe(200);
}

/** The same write to each server: counted once, wherever it lands. */
async function expectOneDuplicate(servers: [Send, Send]) {
  const client = newClient();
  const comment = `Repeated ${randomBytes(4).toString("hex")}.`;
  expect((await servers[0](comment, client)).status).toBe(200);
  expect((await servers[1](comment, client)).status).toBe(200);
  const rows = await selectRows<{ n: number }>(
    database().db,
    sql`SELECT count(*)::int AS n FROM feedback WHERE comment = ${comment}`,
  );
  expect(rows[0]?.n).toBe(1);
}

describe("one rate-limit budget across app instances on one store (in-process, both databases)", () => {
  const settings = {
    trustProxy: true,
    publicWrites: { perMinute: PER_MINUTE, dedupeSeconds: 600 },
  };
  it("two apps on one database share it", async () => {
    const a = createApp({ database: database(), settings });
    const b = createApp({ database: database(), settings });
    const servers: [Send, Send] = [
      sender((r) => a.fetch(r), "http://localhost/graphql"),
      sender((r) => b.fetch(r), "http://localhost/graphql"),
    ];
    await expectOneBudget(servers);
    await expectOneDuplicate(servers);
  });

  it.runIf(haveRedis)("two apps on one Redis share it", async () => {
    const redisA = connectRateLimitRedis(REDIS_URL);
    const redisB = connectRateLimitRedis(REDIS_URL);
    try {
      // Until a client is ready its limiter counts in-process (insurance); wait for both.
      await Promise.all(
        [redisA, redisB].map(
          (r) =>
            new Promise((ready) => (r.status === "ready" ? ready(null) : r.once("ready", ready))),
        ),
      );
      const a = createApp({
        database: database(),
        settings,
        publicWriteStore: { kind: "redis", redis: redisA },
      });
      const b = createApp({
        database: database(),
        settings,
        publicWriteStore: { kind: "redis", redis: redisB },
      });
      const servers: [Send, Send] = [
        sender((r) => a.fetch(r), "http://localhost/graphql"),
        sender((r) => b.fetch(r), "http://localhost/graphql"),
      ];
      await expectOneBudget(servers);
      await expectOneDuplicate(servers);
    } finally {
      redisA.disconnect();
      redisB.disconnect();
    }
  });
});

describe("the rate_limits table's expired rows", () => {
  const HOUR = 60 * 60_000;
  const insert = (key: string, expiredAgoMs: number) =>
    database().db.execute(
      sql`INSERT INTO rate_limits (key, points, expire)
          VALUES (${key}, 1, ${new Date(Date.now() - expiredAgoMs).toISOString()}::timestamptz)`,
    );
  const keys = async () =>
    (
      await selectRows<{ key: string }>(
        database().db,
        sql`SELECT key FROM rate_limits WHERE key LIKE 'sweep-test:%' ORDER BY key`,
      )
    ).map((row) => row.key);

  it("are deleted an hour after they expired, by the first write; a failed sweep is logged and costs the write nothing", async () => {
    await insert("sweep-test:long-dead", 2 * HOUR);
    await insert("sweep-test:just-dead", 10 * 60_000);
    await insert("sweep-test:alive", -10 * 60_000);
    const { logger, lines } = capturedLogger("warn");
    const settings = { trustProxy: true, publicWrites: { perMinute: 100, dedupeSeconds: 0 } };

    // A sweep that fails: the write goes through, and the log says why in one JSON line.
    await database().db.execute(sql`
      CREATE FUNCTION sweep_test_refuse() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'sweep refused for the test'; END $$`);
    await database().db.execute(sql`
      CREATE TRIGGER sweep_test_refuse BEFORE DELETE ON rate_limits
        FOR EACH STATEMENT EXECUTE FUNCTION sweep_test_refuse()`);
    try {
      const failing = createApp({ database: database(), settings, logger });
      const send = sender((r) => failing.fetch(r), "http://localhost/graphql");
      expect((await send("A write while the sweep fails.", newClient())).status).toBe(200);
      await expect.poll(() => lines.length).toBe(1);
      expect(lines[0]).toMatchObject({
        level: "warn",
        msg: "Could not delete expired rate-limit counters; the next sweep tries again",
        error: expect.stringMatching(/sweep refused for the test/),
      });
      expect(await keys()).toHaveLength(3);
    } finally {
      await database().db.execute(sql`DROP TRIGGER sweep_test_refuse ON rate_limits`);
      await database().db.execute(sql`DROP FUNCTION sweep_test_refuse()`);
    }

    const app = createApp({ database: database(), settings, logger });
    const send = sender((r) => app.fetch(r), "http://localhost/graphql");
    expect(await keys()).toEqual([
      "sweep-test:alive",
      "sweep-test:just-dead",
      "sweep-test:long-dead",
    ]);
    expect((await send("A write that sweeps.", newClient())).status).toBe(200);
    await expect.poll(keys).toEqual(["sweep-test:alive", "sweep-test:just-dead"]);
    expect(lines).toHaveLength(1);
  });
});

// Two server processes need a database both can open: Postgres (a PGlite folder belongs to one).
describe.runIf(testDriver === "postgres")("one budget across two server processes", () => {
  const started: Server[] = [];
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  async function twoServers(extra: Record<string, string>): Promise<[Send, Send]> {
    const env = {
      DATABASE_URL: database().url as string,
      FEEDBACK_PER_MINUTE: String(PER_MINUTE),
      TRUST_PROXY: "true",
      LOG_LEVEL: "info",
      ...extra,
    };
    const servers = await Promise.all([startServer(env), startServer(env)]);
    started.push(...servers);
    return [sender(fetch, servers[0].url), sender(fetch, servers[1].url)];
  }

  it("on the database they share", async () => {
    await expectOneBudget(await twoServers({}));
  });

  it.runIf(haveRedis)("on Redis (CACHE_URL)", async () => {
    const servers = await twoServers({ CACHE_URL: REDIS_URL });
    await expectOneBudget(servers);
    await expectOneDuplicate(servers);
  });
});
