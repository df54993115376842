import { readFileSync } from "node:fs";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createInMemoryCache } from "@graphql-yoga/plugin-response-cache";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp, nodeHandlerOf } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { generationOfDatabase } from "../../src/graphql/scale-out.ts";
import { HIT_PATH_HEADER } from "../../src/http/hit-path.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { capturedLogger } from "../helpers/log-lines.ts";

/**
 * Issue 13: the response cache's hit path before GraphQL (src/http/hit-path.ts). The generation
 * "in memory" is the test's: set from the database as the follower would, or withdrawn (null) as
 * when its lease runs out.
 */
const database = useTestDatabase();
const DEEP_WALK = readFileSync(
  new URL("../../documents/DeepWalk.graphql", import.meta.url),
  "utf8",
);
const QUERY = `{ comparison(slug: "scrum-vs-kanban") { intro } }`;

async function generationNow(): Promise<bigint> {
  const [row] = await selectRows<{ seq: string }>(
    database().db,
    sql`SELECT seq::text AS seq FROM data_generation WHERE id = 1`,
  );
  return BigInt(row?.seq as string);
}

function appWith(memory: { generation: bigint | null }) {
  return createApp({
    database: database(),
    logErrors: false,
    scaleOut: {
      responseCache: {
        generation: generationOfDatabase(database().db),
        ttlMs: 60_000,
        inMemoryGeneration: () => memory.generation,
      },
      httpMaxAgeSeconds: 5,
    },
  });
}

type App = ReturnType<typeof appWith>;

async function answer(
  app: App,
  init: { get?: string; post?: unknown; headers?: Record<string, string> },
) {
  const response =
    init.get !== undefined
      ? await app.fetch(`http://app/graphql?${init.get}`, {
          headers: { accept: "application/json", ...init.headers },
        })
      : await app.fetch("http://app/graphql", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            ...init.headers,
          },
          body: JSON.stringify(init.post),
        });
  return {
    status: response.status,
    // Names as sent: whatwg-node's Headers may keep "ETag" as given, and its `get("etag")` misses it.
    headers: new Headers([...response.headers]),
    bytes: Buffer.from(await response.arrayBuffer()),
    early: response.headers.get(HIT_PATH_HEADER) === "hit",
  };
}

const SENT_AGAIN = [
  "content-type",
  "content-encoding",
  "etag",
  "last-modified",
  "cache-control",
  "vary",
];

function expectSameAnswer(
  a: Awaited<ReturnType<typeof answer>>,
  b: Awaited<ReturnType<typeof answer>>,
) {
  expect(b.status).toBe(a.status);
  expect(b.bytes.equals(a.bytes)).toBe(true);
  for (const name of SENT_AGAIN) expect(b.headers.get(name), name).toBe(a.headers.get(name));
}

describe("the response cache's hit path before GraphQL", () => {
  beforeAll(async () => {
    await seedDatabase(database().db);
  }, 120_000);

  it("answers a repeated GET or POST with the bytes and headers of the first answer", async () => {
    const memory = { generation: await generationNow() };
    const app = appWith(memory);
    const requests = [
      { get: `query=${encodeURIComponent(QUERY)}` },
      { post: { query: DEEP_WALK, variables: { slug: "scrum-vs-kanban" } } },
      // Compressed (the deep walk is over 1 KB): the compressed bytes are sent again.
      {
        post: { query: DEEP_WALK, variables: { slug: "scrum-vs-kanban" } },
        headers: { "accept-encoding": "gzip" },
      },
    ];
    for (const request of requests) {
      const miss = await answer(app, request);
      expect(miss.status).toBe(200);
      expect(miss.early).toBe(false);
      // The gzip variant's first answer comes from the response cache (filled by the plain one),
      // which sends no ETag; that answer is kept as well.
      if (request.headers === undefined) {
        expect(miss.headers.get("etag")).toMatch(/^g\d+-[0-9a-f]{64}$/);
      } else {
        expect(miss.headers.get("x-pickgraph-served-by")).toBe("cache");
      }
      const hit = await answer(app, request);
      expect(hit.early).toBe(true);
      expect(hit.headers.get("x-pickgraph-served-by")).toBe("cache");
      expectSameAnswer(miss, hit);
    }
    const gzipped = await answer(app, requests[2] as never);
    expect(gzipped.headers.get("content-encoding")).toBe("gzip");
    // Another encoding or another variable is another entry.
    const plain = await answer(app, { ...requests[2], headers: {} } as never);
    expect(plain.headers.get("content-encoding")).toBeNull();
    const other = await answer(app, {
      post: { query: DEEP_WALK, variables: { slug: "rest-vs-graphql" } },
    });
    expect(other.early).toBe(false);
  });

  it("never answers from an older generation, nor without the generation in memory", async () => {
    const memory: { generation: bigint | null } = { generation: await generationNow() };
    const app = appWith(memory);
    const request = { get: `query=${encodeURIComponent(QUERY)}` };
    await answer(app, request);
    // Per-request headers are still added to a hit: CORS for the caller's origin, the request id.
    const kept = memory.generation;
    const fromElsewhere = { ...request, headers: { origin: "https://elsewhere.example" } };
    const cors = await answer(app, fromElsewhere);
    expect(cors.early).toBe(true);
    memory.generation = null;
    const full = await answer(app, fromElsewhere);
    memory.generation = kept;
    expect(full.early).toBe(false);
    expect(cors.headers.get("access-control-allow-origin")).toBe(
      full.headers.get("access-control-allow-origin"),
    );
    expect(cors.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // Lease ended: the full path answers (and may still use the response cache).
    memory.generation = null;
    expect((await answer(app, request)).early).toBe(false);
    memory.generation = kept;
    expect((await answer(app, request)).early).toBe(true);
    // A write, taken in by the follower: the next answer is the new one, not the entry.
    await database().db.execute(
      sql`UPDATE comparisons SET intro = 'Changed for the hit path.' WHERE slug = 'scrum-vs-kanban'`,
    );
    memory.generation = await generationNow();
    const after = await answer(app, request);
    expect(after.early).toBe(false);
    expect(JSON.parse(after.bytes.toString())).toEqual({
      data: { comparison: { intro: "Changed for the hit path." } },
    });
    expect((await answer(app, request)).early).toBe(true);
  });

  it("never serves or keeps authenticated requests, errors or revalidations", async () => {
    const memory = { generation: await generationNow() };
    const app = appWith(memory);
    const query = `query=${encodeURIComponent(QUERY)}`;
    for (let i = 0; i < 2; i++) {
      const withToken = await answer(app, {
        get: query,
        headers: { authorization: "Bearer nope" },
      });
      expect(withToken.early).toBe(false);
    }
    // A token's answer was not kept for anonymous callers either: the first is a miss.
    expect((await answer(app, { get: query })).early).toBe(false);
    const bad = `query=${encodeURIComponent(`{ path(from: "no-such-topic", to: "rust") { length } }`)}`;
    for (let i = 0; i < 3; i++) {
      const failed = await answer(app, { get: bad });
      expect(JSON.parse(failed.bytes.toString()).errors).toHaveLength(1);
      expect(failed.early).toBe(false);
    }
    const invalid = { post: { query: "{ noSuchField }" } };
    for (let i = 0; i < 2; i++) expect((await answer(app, invalid)).early).toBe(false);
    const warm = await answer(app, { get: query });
    expect(warm.early).toBe(true);
    const revalidated = await answer(app, {
      get: query,
      headers: { "if-none-match": warm.headers.get("etag") as string },
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.early).toBe(false);
  });

  it("keeps its entries within the memory bound (an answer over it is not kept)", async () => {
    const memory = { generation: await generationNow() };
    const app = createApp({
      database: database(),
      logErrors: false,
      scaleOut: {
        responseCache: {
          generation: generationOfDatabase(database().db),
          ttlMs: 60_000,
          inMemoryGeneration: () => memory.generation,
          hitPathMaxBytes: 1024,
        },
      },
    });
    const big = { post: { query: DEEP_WALK, variables: { slug: "scrum-vs-kanban" } } };
    await answer(app, big);
    expect((await answer(app, big)).early).toBe(false);
    const small = {
      get: `query=${encodeURIComponent('{ comparison(slug: "scrum-vs-kanban") { id } }')}`,
    };
    await answer(app, small);
    expect((await answer(app, small)).early).toBe(true);
  });
});

describe("the hit path and a response cache shared by processes (Redis)", () => {
  beforeAll(async () => {
    await seedDatabase(database().db);
  }, 120_000);

  it("keeps an answer another process stored, once the response cache served it", async () => {
    const memory = { generation: await generationNow() };
    const shared = createInMemoryCache();
    const process = () =>
      createApp({
        database: database(),
        logErrors: false,
        scaleOut: {
          responseCache: {
            generation: generationOfDatabase(database().db),
            ttlMs: 60_000,
            cache: shared,
            inMemoryGeneration: () => memory.generation,
          },
          httpMaxAgeSeconds: 5,
        },
      });
    const [a, b] = [process(), process()];
    const request = { post: { query: DEEP_WALK, variables: { slug: "rest-vs-graphql" } } };
    const ran = await answer(a, request);
    expect(ran.headers.get("x-pickgraph-served-by")).not.toBe("cache");
    // b never ran it: its first answer is the shared entry, its second comes from its hit path.
    const shared1 = await answer(b, request);
    expect(shared1.early).toBe(false);
    expect(shared1.headers.get("x-pickgraph-served-by")).toBe("cache");
    const early = await answer(b, request);
    expect(early.early).toBe(true);
    expectSameAnswer(shared1, early);
    expect(early.bytes.equals(ran.bytes)).toBe(true);
  });
});

describe("the response cache and mutations", () => {
  beforeAll(async () => {
    await seedDatabase(database().db);
  }, 120_000);

  it("never answers a mutation from the cache, even one that wrote nothing", async () => {
    const memory = { generation: await generationNow() };
    const app = appWith(memory);
    const ids = JSON.parse(
      (
        await answer(app, {
          post: { query: `{ comparison(slug: "scrum-vs-kanban") { id options { id } } }` },
        })
      ).bytes.toString(),
    ).data.comparison;
    const feedback = {
      post: {
        query: `mutation ($input: SubmitFeedbackInput!) {
          submitFeedback(input: $input) { __typename } }`,
        variables: {
          input: { comparisonId: ids.id, preferredOptionId: ids.options[0].id, comment: "Same." },
        },
      },
    };
    // The first is counted (a write: a new generation); the same again from the same client is
    // answered without a write, so the generation stays: a cached answer would fit its key.
    const servedBy: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      memory.generation = await generationNow();
      const sent = await answer(app, feedback);
      expect(JSON.parse(sent.bytes.toString())).toEqual({
        data: { submitFeedback: { __typename: "SubmitFeedbackPayload" } },
      });
      expect(sent.early).toBe(false);
      servedBy.push(sent.headers.get("x-pickgraph-served-by"));
    }
    expect(servedBy).not.toContain("cache");
  });
});

/** Raw HTTP against a Node server: the bytes as sent (no decompression) and every header. */
function send(
  port: number,
  init: { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: IncomingHttpHeaders; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: init.method,
        path: init.path,
        headers: {
          ...init.headers,
          ...(init.body === undefined ? {} : { "content-length": Buffer.byteLength(init.body) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            bytes: Buffer.concat(chunks),
          }),
        );
      },
    );
    request.on("error", reject);
    request.end(init.body);
  });
}

/** Every header but those that differ per request or per moment. */
function lasting(headers: IncomingHttpHeaders) {
  const { date: _date, "x-request-id": _id, ...rest } = headers;
  return rest;
}

describe("the hit path's front, on Node's request before yoga", () => {
  beforeAll(async () => {
    await seedDatabase(database().db);
  }, 120_000);

  it("answers a repeated query with yoga's bytes and headers, and only while exact", async () => {
    const memory: { generation: bigint | null } = { generation: await generationNow() };
    const { logger, lines } = capturedLogger("info");
    const app = createApp({
      database: database(),
      logErrors: false,
      logger,
      scaleOut: {
        responseCache: {
          generation: generationOfDatabase(database().db),
          ttlMs: 60_000,
          inMemoryGeneration: () => memory.generation,
        },
        httpMaxAgeSeconds: 5,
      },
    });
    const handle = nodeHandlerOf(app);
    const server = createServer((request, response) => handle(request, response));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as AddressInfo;
    /** Whether the last request was answered by the front (its log line says so). */
    const atFront = () => (lines.at(-1) as { hitPath?: string }).hitPath === "front";
    const body = JSON.stringify({ query: DEEP_WALK, variables: { slug: "scrum-vs-kanban" } });
    const post = (headers: Record<string, string> = {}, text = body) =>
      send(port, {
        method: "POST",
        path: "/graphql",
        headers: { "content-type": "application/json", accept: "application/json", ...headers },
        body: text,
      });
    try {
      // Compressed and from an origin: the CORS and encoding headers are yoga's, kept whole.
      const browser = { origin: "https://elsewhere.example", "accept-encoding": "gzip" };
      const first = await post(browser);
      expect(first.status).toBe(200);
      expect(atFront()).toBe(false);
      const second = await post(browser);
      expect(atFront()).toBe(true);
      expect(second.headers["content-encoding"]).toBe("gzip");
      expect(second.headers["access-control-allow-origin"]).toBe(browser.origin);
      expect(second.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(second.headers["x-request-id"]).not.toBe(first.headers["x-request-id"]);
      expect(second.bytes.equals(first.bytes)).toBe(true);
      // Another origin is another front entry: yoga's own hit path answers it first, then the
      // front, with the same headers yoga sent for that origin.
      const other = { ...browser, origin: "https://other.example" };
      const early = await post(other);
      expect(atFront()).toBe(false);
      expect(early.headers[HIT_PATH_HEADER]).toBe("hit");
      const front = await post({ ...other, "x-request-id": "given-id.1" });
      expect(atFront()).toBe(true);
      expect(front.headers["x-request-id"]).toBe("given-id.1");
      expect(lasting(front.headers)).toEqual(lasting(early.headers));
      expect(front.bytes.equals(early.bytes)).toBe(true);
      // GET: keyed on the query string.
      const get = { method: "GET" as const, path: `/graphql?query=${encodeURIComponent(QUERY)}` };
      const getFirst = await send(port, get);
      await send(port, get);
      const getFront = await send(port, get);
      expect(atFront()).toBe(true);
      expect(lasting(getFront.headers)).toMatchObject({ etag: getFirst.headers.etag });
      expect(getFront.bytes.equals(getFirst.bytes)).toBe(true);

      // The same bytes with another content type are yoga's to refuse, not a hit.
      const refused = await post({ ...browser, "content-type": "text/plain" });
      expect(refused.status).toBe(415);
      // A token or a revalidation never takes the front.
      await post({ ...browser, authorization: "Bearer nope" });
      expect(atFront()).toBe(false);
      await post({ ...browser, "if-none-match": String(second.headers.etag ?? "x") });
      expect(atFront()).toBe(false);
      // Lease ended: yoga answers (the front never serves without the generation in memory).
      const kept = memory.generation;
      memory.generation = null;
      await post(browser);
      expect(atFront()).toBe(false);
      memory.generation = kept;
      await post(browser);
      expect(atFront()).toBe(true);
      // A write taken in: the next answer is the new one, then the front serves that.
      await database().db.execute(
        sql`UPDATE comparisons SET intro = 'Changed for the front.' WHERE slug = 'scrum-vs-kanban'`,
      );
      memory.generation = await generationNow();
      const changed = await send(port, get);
      expect(atFront()).toBe(false);
      expect(JSON.parse(changed.bytes.toString())).toEqual({
        data: { comparison: { intro: "Changed for the front." } },
      });
      await send(port, get);
      const changedFront = await send(port, get);
      expect(atFront()).toBe(true);
      expect(changedFront.bytes.equals(changed.bytes)).toBe(true);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});
