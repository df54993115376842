import { createGraphQLError, type Plugin } from "graphql-yoga";

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
      // A parameter's value may be quoted (RFC 9110): charset="utf-8" is charset=utf-8.
      const charset = parameters
        .find((p) => p.startsWith("charset="))
        ?.slice(8)
        .replace(/^"(.*)"$/, "$1");
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
      // Its media type as yoga's parser expects it: yoga matches it by case and prefix, and
      // `Application/JSON` or `application/json ; x=y` would find no parser (415, no body).
      const headers = new fetchAPI.Headers(request.headers);
      headers.set("content-type", "application/json");
      const checked = new fetchAPI.Request(request.url, { method: "POST", headers });
      checkedBodies.set(checked, text);
      setRequest(checked);
    },
    // issue 9: yoga's JSON parser given the checked text, as the request's `json()` would give
    // it (the same errors, worded as @whatwg-node words them). Re-reading the body cost a stream
    // pipeline, an abort signal and a DOMException per request.
    // Either way the parameters are checked here, before any plugin reads them (the response
    // cache keys on them before yoga's own checks run).
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) return;
      const parse = requestParser;
      const text = checkedBodies.get(request);
      const source =
        text === undefined
          ? request
          : ({
              json: async () => {
                try {
                  return JSON.parse(text);
                } catch (error) {
                  if (error instanceof SyntaxError)
                    error.message += `, "${text}" is not valid JSON`;
                  throw error;
                }
              },
            } as unknown as Request);
      setRequestParser(async () => {
        let params: unknown;
        try {
          params = await parse(source);
        } catch (error) {
          // A GET's `variables` or `extensions` that is not JSON: yoga lets JSON.parse's error
          // through, which would be answered as an unexpected error (500).
          if (text === undefined && error instanceof SyntaxError) {
            throw badRequest(
              `The URL's variables or extensions parameter is not valid JSON (${error.message})`,
            );
          }
          throw error;
        }
        for (const one of Array.isArray(params) ? params : [params]) checkParams(one);
        return params as Awaited<ReturnType<typeof parse>>;
      });
    },
  };
}

/** How deep `variables` and `extensions` may nest (createComparison's reach 5: input, options, an option, pros, …). */
const MAX_PARAMETER_DEPTH = 16;

const badRequest = (message: string) =>
  createGraphQLError(message, { extensions: { code: "BAD_REQUEST", http: { status: 400 } } });

/**
 * The GraphQL-over-HTTP parameters' types: `query`, `operationName` and `documentId` strings,
 * `variables` and `extensions` objects no deeper than MAX_PARAMETER_DEPTH (each may be absent or
 * null). Anything else is the client's mistake, answered 400 and named.
 */
function checkParams(params: unknown): void {
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw badRequest("The request's parameters must be a JSON object");
  }
  const given = params as Record<string, unknown>;
  for (const name of ["query", "operationName", "documentId"]) {
    const value = given[name];
    if (value != null && typeof value !== "string") {
      throw badRequest(`"${name}" must be a string, not ${describeJson(value)}`);
    }
  }
  for (const name of ["variables", "extensions"]) {
    const value = given[name];
    if (value == null) continue;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw badRequest(`"${name}" must be a JSON object, not ${describeJson(value)}`);
    }
    if (deeperThan(value, MAX_PARAMETER_DEPTH)) {
      // The values are wrong rather than the request, as GraphQL's coercion would say.
      throw createGraphQLError(
        `"${name}" nests more than ${MAX_PARAMETER_DEPTH} levels deep; no input of this API nests that deep`,
        { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } },
      );
    }
  }
}

function describeJson(value: unknown): string {
  return Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

/** Whether objects and arrays in `value` nest more than `limit` levels (without recursion). */
function deeperThan(value: unknown, limit: number): boolean {
  let level: unknown[] = [value];
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > limit) return true;
    const next: unknown[] = [];
    for (const item of level) {
      if (item === null || typeof item !== "object") continue;
      for (const child of Object.values(item)) {
        if (child !== null && typeof child === "object") next.push(child);
      }
    }
    level = next;
  }
  return false;
}
