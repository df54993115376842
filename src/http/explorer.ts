import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlibConstants } from "node:zlib";
import type { Plugin } from "graphql-yoga";

/** Where `npm run build:web` writes the explorer (dist/explorer from this file, in src/ or dist/). */
export const DEFAULT_EXPLORER_DIR = fileURLToPath(new URL("../../dist/explorer", import.meta.url));

/** The page's own URLs: each view is a path the History API pushes, so a reload serves the page. */
const PAGE_PATHS = /^\/(?:|topic\/[^/]+|comparison\/[^/]+|path)$/;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

type Encoding = "br" | "gzip";

/** Bytes a Response accepts (a Node Buffer's type is wider than BodyInit's). */
type Bytes = Uint8Array<ArrayBuffer>;

interface StaticFile {
  body: Bytes;
  /** Compressed at build time; each only when it is smaller than the body. */
  encoded: Partial<Record<Encoding, Bytes>>;
  contentType: string;
  etag: string;
  cacheControl: string;
}

/** The browser's preferred encoding we hold: br, then gzip; `q=0` means refused. */
export function pickEncoding(acceptEncoding: string | null): Encoding | null {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  if (accepted.has("br")) return "br";
  if (accepted.has("gzip") || accepted.has("*")) return "gzip";
  return null;
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      if (path.endsWith(".br") || path.endsWith(".gz")) continue;
      const body = new Uint8Array(readFileSync(path));
      const encoded: StaticFile["encoded"] = {};
      for (const [encoding, suffix] of [
        ["br", ".br"],
        ["gzip", ".gz"],
      ] as const) {
        if (existsSync(path + suffix))
          encoded[encoding] = new Uint8Array(readFileSync(path + suffix));
      }
      const name = `/${relative(dir, path).split("\\").join("/")}`;
      files.set(name, {
        body,
        encoded,
        contentType: CONTENT_TYPES[extname(path)] ?? "application/octet-stream",
        etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
        // Assets carry a content hash in their names; the page itself must be revalidated.
        cacheControl: name.startsWith("/assets/")
          ? "public, max-age=31536000, immutable"
          : "no-cache",
      });
    }
  };
  walk(dir);
  return files;
}

function serveFile(file: StaticFile, request: Request, ResponseClass: typeof Response): Response {
  const headers = new Headers({
    "content-type": file.contentType,
    "cache-control": file.cacheControl,
    etag: file.etag,
    vary: "accept-encoding",
    "x-content-type-options": "nosniff",
  });
  if (request.headers.get("if-none-match") === file.etag) {
    return new ResponseClass(null, { status: 304, headers });
  }
  const encoding = pickEncoding(request.headers.get("accept-encoding"));
  const encoded = encoding ? file.encoded[encoding] : undefined;
  if (encoding && encoded) headers.set("content-encoding", encoding);
  const body = encoded ?? file.body;
  headers.set("content-length", String(body.byteLength));
  return new ResponseClass(request.method === "HEAD" ? null : body, { status: 200, headers });
}

export interface ExplorerOptions {
  /** The folder `npm run build:web` wrote (default: dist/explorer). */
  dir?: string;
  /** The GraphQL endpoint, whose GraphiQL page this plugin compresses. */
  graphqlEndpoint: string;
}

/**
 * Serves the explorer page (`/`, `/topic/…`, `/comparison/…`, `/path`) and its bundled assets
 * (`/assets/…`), pre-compressed at build time, and compresses GraphiQL's page (9 MB of HTML)
 * once per encoding. GraphQL requests themselves pass through untouched.
 */
export function explorerPlugin({
  dir = DEFAULT_EXPLORER_DIR,
  graphqlEndpoint,
}: ExplorerOptions): Plugin {
  let files: Map<string, StaticFile> | null = null;
  const graphiqlCache = new Map<string, { source: string; body: Bytes }>();
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "GET" && request.method !== "HEAD") return;
      const isPage = PAGE_PATHS.test(url.pathname);
      if (!isPage && !url.pathname.startsWith("/assets/")) return;
      // Loaded on first use, so a build that finishes after the server started is still seen.
      if (files === null || files.size === 0) {
        files = existsSync(join(dir, "index.html")) ? loadFiles(dir) : new Map();
      }
      const file = files.get(isPage ? "/index.html" : url.pathname);
      if (file) {
        endResponse(serveFile(file, request, fetchAPI.Response));
      } else if (isPage) {
        endResponse(
          new fetchAPI.Response(
            `The explorer page is not built (no ${join(dir, "index.html")}): run \`npm run build:web\`.\n`,
            { status: 503, headers: { "content-type": "text/plain; charset=utf-8" } },
          ),
        );
      } else {
        endResponse(new fetchAPI.Response("Not found\n", { status: 404 }));
      }
    },
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (request.method !== "GET") return;
      if (new URL(request.url).pathname !== graphqlEndpoint) return;
      if (!response.headers.get("content-type")?.startsWith("text/html")) return;
      if (response.headers.has("content-encoding")) return;
      const encoding = pickEncoding(request.headers.get("accept-encoding"));
      if (!encoding) return;
      const source = await response.text();
      let cached = graphiqlCache.get(encoding);
      if (cached?.source !== source) {
        // Brotli at quality 11 would take seconds on 9 MB; 5 is fast and within ~10% of it.
        const compressed =
          encoding === "br"
            ? brotliCompressSync(source, {
                params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 },
              })
            : gzipSync(source, { level: 6 });
        cached = { source, body: new Uint8Array(compressed) };
        graphiqlCache.set(encoding, cached);
      }
      const headers = new Headers(response.headers);
      headers.set("content-encoding", encoding);
      headers.set("content-length", String(cached.body.byteLength));
      headers.append("vary", "accept-encoding");
      setResponse(new fetchAPI.Response(cached.body, { status: response.status, headers }));
    },
  };
}
