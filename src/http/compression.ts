import { Readable } from "node:stream";
import { constants, createBrotliCompress, createGzip } from "node:zlib";
import type { Plugin } from "graphql-yoga";

/** Bodies smaller than this are sent as they are: compressing them saves nothing. */
const MIN_BYTES = 1024;

function acceptedEncoding(header: string | null): "br" | "gzip" | null {
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
 * Compresses responses (br, else gzip) when the client accepts it and the body is known to be
 * large, or streams (GraphiQL's page is 9 MB uncompressed, about 2 MB with br). Request bodies
 * are never decompressed: a small compressed body could expand past the body limit.
 */
export function compressionPlugin(): Plugin {
  return {
    onResponse({ request, response, setResponse, fetchAPI }) {
      const encoding = acceptedEncoding(request.headers.get("accept-encoding"));
      if (!encoding || !response.body || response.headers.has("content-encoding")) return;
      const length = response.headers.get("content-length");
      if (length !== null && Number(length) < MIN_BYTES) return;
      const compressor =
        encoding === "br"
          ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 4 } })
          : createGzip({ level: 6 });
      const source = Readable.fromWeb(response.body as never);
      const compressed = Readable.toWeb(source.pipe(compressor)) as ReadableStream;
      const headers = new fetchAPI.Headers(response.headers);
      headers.set("content-encoding", encoding);
      headers.delete("content-length");
      headers.append("vary", "Accept-Encoding");
      setResponse(
        new fetchAPI.Response(compressed, {
          status: response.status,
          statusText: response.statusText,
          headers,
        }),
      );
    },
  };
}
