import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants, gzip } from "node:zlib";
import type { Plugin } from "graphql-yoga";

const compressBrotli = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/** Bodies smaller than this are sent as they are: compressing them saves nothing. */
const MIN_BYTES = 1024;

/**
 * The response cache (issue 13) sends the same answer again and again: its compressed bytes are
 * kept, keyed by encoding and a digest of the body, so a cache hit is not compressed anew
 * (hashing 10 KB costs ~20 µs, gzip ~200 µs and a trip through the thread pool). Bounded in
 * count and in the size of a body kept.
 */
const compressedBodies = new Map<string, Uint8Array>();
const MAX_KEPT = 256;
const MAX_KEPT_BYTES = 256 * 1024;

async function compressKept(body: Buffer, encoding: "br" | "gzip"): Promise<Uint8Array> {
  const key =
    body.byteLength <= MAX_KEPT_BYTES
      ? `${encoding}:${createHash("sha256").update(body).digest("base64")}`
      : null;
  const kept = key === null ? undefined : compressedBodies.get(key);
  if (kept !== undefined) return kept;
  const compressed =
    encoding === "br"
      ? await compressBrotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
      : await compressGzip(body, { level: 6 });
  if (key !== null) {
    if (compressedBodies.size >= MAX_KEPT) {
      compressedBodies.delete(compressedBodies.keys().next().value as string);
    }
    compressedBodies.set(key, compressed);
  }
  return compressed;
}

export function acceptedEncoding(header: string | null): "br" | "gzip" | null {
  if (!header) return null;
  const accepted = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    accepted.set(name.trim(), q ? Number(q.slice(2)) : 1);
  }
  if ((accepted.get("br") ?? 0) > 0) return "br";
  if ((accepted.get("gzip") ?? 0) > 0) return "gzip";
  return null;
}

/**
 * Compresses responses (br, else gzip) when the client accepts it and the body is at least
 * MIN_BYTES; GraphiQL's HTML page is left to the explorer plugin, which keeps it compressed.
 * Request bodies are never decompressed: a small compressed body could expand past the body
 * limit.
 */
export function compressionPlugin(): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const encoding = acceptedEncoding(request.headers.get("accept-encoding"));
      if (!encoding || !response.body || response.headers.has("content-encoding")) return;
      // HTML here is GraphiQL's page (9 MB): the explorer plugin compresses it once per encoding
      // and keeps it. Compressed here, too big to keep, it cost ~0.5 s of CPU every time.
      if (response.headers.get("content-type")?.startsWith("text/html")) return;
      // Whole bodies: answers are bounded by the operation limits, and the adapter's streams
      // are not Node's, so they are read once and compressed off the main thread by zlib.
      const body = Buffer.from(await response.arrayBuffer());
      const headers = new fetchAPI.Headers(response.headers);
      let sent: Uint8Array = body;
      if (body.byteLength >= MIN_BYTES) {
        sent = await compressKept(body, encoding);
        headers.set("content-encoding", encoding);
        headers.append("vary", "Accept-Encoding");
      }
      headers.set("content-length", String(sent.byteLength));
      setResponse(
        new fetchAPI.Response(sent as unknown as BodyInit, {
          status: response.status,
          statusText: response.statusText,
          headers,
        }),
      );
    },
  };
}
