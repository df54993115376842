import type { Plugin } from "graphql-yoga";

/**
 * What reaches the GraphQL endpoint at all. Only `application/json` bodies execute (GET carries
 * queries in the URL, and yoga refuses mutations over GET): a cross-site HTML form can send
 * form-urlencoded, multipart or text/plain without asking the browser, JSON it cannot. Bodies
 * are read up to `maxBodyBytes` (413 past it, whether or not Content-Length said so) and must be
 * valid UTF-8, which a JSON parser would otherwise turn silently into U+FFFD.
 */
/** The body text of each POST this guard let through (the hit path keys on it without reading it again). */
export const checkedBodies = new WeakMap<Request, string>();

export function requestGuardPlugin(options: { endpoint: string; maxBodyBytes: number }): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI, setRequest }) {
      if (url.pathname !== options.endpoint || request.method !== "POST") return;
      const refuse = (status: number, code: string, message: string) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
            status,
            headers: { "content-type": "application/json; charset=utf-8" },
          }),
        );
      const [mediaType = "", ...parameters] = (request.headers.get("content-type") ?? "")
        .split(";")
        .map((part) => part.trim().toLowerCase());
      const charset = parameters.find((p) => p.startsWith("charset="))?.slice(8);
      if (mediaType !== "application/json" || (charset && charset !== "utf-8")) {
        return refuse(
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          "POST bodies must be application/json (UTF-8); send queries as JSON or with GET",
        );
      }
      const declared = Number(request.headers.get("content-length") ?? "0");
      if (declared > options.maxBodyBytes) {
        return refuse(
          413,
          "PAYLOAD_TOO_LARGE",
          `The request body is ${declared} bytes; at most ${options.maxBodyBytes} are accepted`,
        );
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      if (request.body) {
        const reader = request.body.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.byteLength;
          if (size > options.maxBodyBytes) {
            await reader.cancel();
            return refuse(
              413,
              "PAYLOAD_TOO_LARGE",
              `The request body is over ${options.maxBodyBytes} bytes; at most ${options.maxBodyBytes} are accepted`,
            );
          }
          chunks.push(value);
        }
      }
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
      } catch {
        return refuse(400, "BAD_REQUEST", "The request body is not valid UTF-8");
      }
      // Without a body: the text is parsed from checkedBodies (onRequestParse below), not read
      // again through a stream that yoga's own size limit would pipe through a transform.
      const checked = new fetchAPI.Request(request.url, {
        method: "POST",
        headers: request.headers,
      });
      checkedBodies.set(checked, text);
      setRequest(checked);
    },
    // issue 9: yoga's JSON parser given the checked text, as the request's `json()` would give
    // it (the same errors, worded as @whatwg-node words them). Re-reading the body cost a stream
    // pipeline, an abort signal and a DOMException per request.
    onRequestParse({ request, requestParser, setRequestParser }) {
      const text = checkedBodies.get(request);
      if (text === undefined || !requestParser) return;
      const parse = requestParser;
      const body = {
        json: async () => {
          try {
            return JSON.parse(text);
          } catch (error) {
            if (error instanceof SyntaxError) error.message += `, "${text}" is not valid JSON`;
            throw error;
          }
        },
      };
      setRequestParser(() => parse(body as Request));
    },
  };
}
