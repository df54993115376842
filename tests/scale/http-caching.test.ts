import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { loadDocumentManifest } from "../../src/graphql/persisted-documents.ts";
import { generationOfDatabase } from "../../src/graphql/scale-out.ts";
import { useTestDatabase } from "../helpers/database.ts";

/** Issue 13 in-process: the generation-keyed response cache, ETags and 304s, persisted documents. */
const database = useTestDatabase();
const manifest = loadDocumentManifest();
const deepWalkId = Object.entries(manifest).find(([, text]) =>
  text.includes("query DeepWalk"),
)?.[0];

function appWith(only: boolean) {
  const db = database().db;
  return createApp({
    database: database(),
    logErrors: false,
    scaleOut: {
      responseCache: { generation: generationOfDatabase(db), ttlMs: 60_000 },
      httpMaxAgeSeconds: 5,
      persistedDocuments: { manifest, only },
    },
  });
}

const QUERY = `{ comparison(slug: "scrum-vs-kanban") { intro } }`;
const get = (
  app: ReturnType<typeof appWith>,
  params: string,
  headers: Record<string, string> = {},
) =>
  app.fetch(`http://app/graphql?${params}`, {
    headers: { accept: "application/json", ...headers },
  });

describe("HTTP caching and the response cache", () => {
  beforeAll(async () => {
    await seedDatabase(database().db);
  }, 120_000);

  it("answers GET queries with an ETag, serves them from the cache, 304s, and retires them on a write", async () => {
    const app = appWith(false);
    const params = `query=${encodeURIComponent(QUERY)}`;
    const first = await get(app, params);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("public, max-age=5");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^g\d+-[0-9a-f]{64}$/);
    const second = await get(app, params);
    expect(second.headers.get("x-pickgraph-served-by")).toBe("cache");
    expect((await get(app, params, { "if-none-match": etag as string })).status).toBe(304);
    await database().db.execute(
      sql`UPDATE comparisons SET intro = 'Changed by SQL.' WHERE slug = 'scrum-vs-kanban'`,
    );
    const after = await get(app, params, { "if-none-match": etag as string });
    expect(after.status).toBe(200);
    expect(after.headers.get("etag")).not.toBe(etag);
    expect(await after.json()).toEqual({ data: { comparison: { intro: "Changed by SQL." } } });
  });

  it("never caches authenticated requests or errors", async () => {
    const app = appWith(false);
    const withToken = await get(app, `query=${encodeURIComponent(QUERY)}`, {
      authorization: "Bearer nope",
    });
    expect(withToken.headers.get("cache-control")).toBe("no-store");
    const bad = `query=${encodeURIComponent(`{ path(from: "no-such-topic", to: "rust") { length } }`)}`;
    const first = (await (await get(app, bad)).json()) as { errors?: unknown[] };
    expect(first.errors?.length).toBe(1);
    const again = await get(app, bad);
    expect(again.headers.get("x-pickgraph-served-by")).not.toBe("cache");
  });

  it("runs a persisted document by its id, and refuses other documents in allow-list mode", async () => {
    expect(deepWalkId).toBeDefined();
    const variables = encodeURIComponent(JSON.stringify({ slug: "scrum-vs-kanban" }));
    const open = await get(appWith(false), `documentId=${deepWalkId}&variables=${variables}`);
    expect(((await open.json()) as any).data.comparison.title).toBe("Scrum vs Kanban");
    const strict = appWith(true);
    const byId = await get(strict, `documentId=${deepWalkId}&variables=${variables}`);
    expect(((await byId.json()) as any).data.comparison.title).toBe("Scrum vs Kanban");
    const byText = await get(strict, `query=${encodeURIComponent(QUERY)}`);
    const body = (await byText.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe("PERSISTED_DOCUMENT_ONLY");
  });
});
