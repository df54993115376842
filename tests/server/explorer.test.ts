import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { buildExplorer } from "../../web/build.ts";
import { useTestDatabase } from "../helpers/database.ts";

// How the server hands out the explorer page: compressed, cached, every view's URL the same page.
const database = useTestDatabase();
let folder: string;
let app: App;
let script: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "pickgraph-explorer-"));
  await buildExplorer(folder);
  script =
    (await readdir(join(folder, "assets"))).find((file) => /^main-\w+\.js$/.test(file)) ?? "";
  app = createApp({ database: database(), logErrors: false, explorerDir: folder });
}, 120_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  app.fetch(`http://app${path}`, { headers });

async function bytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

describe("the explorer over HTTP", () => {
  it("serves the page brotli- or gzip-compressed, revalidated by ETag", async () => {
    const index = await readFile(join(folder, "index.html"), "utf8");
    expect(index).toContain(`<script type="module" src="/assets/${script}"></script>`);
    // Everything it loads is ours: no other host in any src or href.
    expect([...index.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/^(https?:)?\/\//)]),
    );

    const br = await get("/", { "accept-encoding": "gzip, deflate, br" });
    expect(br.status).toBe(200);
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(br.headers.get("cache-control")).toBe("no-cache");
    expect(br.headers.get("vary")).toBe("accept-encoding");
    expect(brotliDecompressSync(await bytes(br)).toString()).toBe(index);

    const gzip = await get("/", { "accept-encoding": "gzip;q=1, br;q=0" });
    expect(gzip.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(await bytes(gzip)).toString()).toBe(index);

    const plain = await get("/");
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(index);

    const etag = br.headers.get("etag") as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get("/", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("answers every view's URL with the same page, so links and reloads work", async () => {
    const index = await readFile(join(folder, "index.html"), "utf8");
    for (const path of [
      "/topic/kubernetes",
      "/comparison/kafka-vs-rabbitmq",
      "/path?from=go&to=rust",
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toBe(index);
    }
    expect((await get("/topic/a/b")).status).toBe(404);
    expect((await get("/nowhere")).status).toBe(404);
  });

  it("serves hashed assets compressed and cached for a year; unknown ones are 404", async () => {
    const source = await readFile(join(folder, "assets", script));
    const response = await get(`/assets/${script}`, { "accept-encoding": "br" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const body = await bytes(response);
    expect(body.byteLength).toBeLessThan(source.byteLength / 3);
    expect(brotliDecompressSync(body).equals(source)).toBe(true);
    expect((await get("/assets/main-NOPE.js")).status).toBe(404);
  });

  it("compresses GraphiQL's page and leaves GraphQL answers alone", async () => {
    const plain = await get("/graphql", { accept: "text/html" });
    const html = await plain.text();
    expect(html).toContain("DeepWalk");
    for (const [encoding, decode] of [
      ["br", brotliDecompressSync],
      ["gzip", gunzipSync],
    ] as const) {
      const response = await get("/graphql", { accept: "text/html", "accept-encoding": encoding });
      expect(response.headers.get("content-encoding")).toBe(encoding);
      const body = await bytes(response);
      expect(body.byteLength).toBeLessThan(html.length / 3);
      expect(decode(body).toString()).toBe(html);
    }
    const answer = await app.fetch("http://app/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "accept-encoding": "br" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(answer.headers.get("content-encoding")).toBeNull();
    expect(await answer.json()).toEqual({ data: { __typename: "Query" } });
  });

  it("says how to build the page when it is not built", async () => {
    const unbuilt = createApp({
      database: database(),
      logErrors: false,
      explorerDir: join(folder, "missing"),
    });
    const response = await unbuilt.fetch("http://app/");
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/explorer page is not built .*npm run build:web/);
  });
});
