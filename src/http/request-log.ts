import { randomUUID } from "node:crypto";
import type { Plugin } from "graphql-yoga";
import type { Logger } from "../logger.ts";

/** Set on a masked error by src/http/errors.ts: the error the client does not see. */
export const MASKED_ORIGINAL = Symbol("masked original error");

interface RequestRecord {
  id: string;
  started: number;
  operationName?: string;
  codes: string[];
}

export const REQUEST_ID = /^[\w.:-]{1,100}$/;

/** Bounded: never the SQL parameters a driver error carries, never more than a few hundred characters. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error).slice(0, 300) };
  const cause = error.cause instanceof Error ? error.cause : undefined;
  // The stack repeats the message first, and a driver error's message goes on with the
  // statement's parameters (`params: …`), which may hold anything a client sent: frames only.
  const header = `${error.name}: ${error.message}`;
  const stack = error.stack?.startsWith(header) ? error.stack.slice(header.length) : error.stack;
  return {
    name: error.name,
    // Driver errors start with the statement and its parameters; the first line names the failure.
    message: (error.message.split("\n")[0] ?? "").slice(0, 300),
    ...(cause ? { cause: `${cause.name}: ${cause.message}`.slice(0, 300) } : {}),
    stack: stack
      ?.split("\n")
      .filter((line) => line.trimStart().startsWith("at "))
      .slice(0, 5)
      .join("\n")
      .slice(0, 1000),
  };
}

/**
 * One JSON log line per request (pino): request id (taken from `x-request-id` when it looks like
 * one, else new, and returned in the same header), method, path, operation name, status,
 * duration and the error codes of the answer. Unexpected errors are logged with the request id.
 */
export function requestLogPlugin(logger: Logger): Plugin {
  const records = new WeakMap<Request, RequestRecord>();
  const recordOf = (request: Request) => {
    let record = records.get(request);
    if (!record) {
      const given = request.headers.get("x-request-id");
      record = {
        id: given && REQUEST_ID.test(given) ? given : randomUUID(),
        started: performance.now(),
        codes: [],
      };
      records.set(request, record);
    }
    return record;
  };
  return {
    onRequest({ request }) {
      recordOf(request);
    },
    onParams({ params, request }) {
      const name = params.operationName;
      if (typeof name === "string") recordOf(request).operationName = name.slice(0, 100);
    },
    onResultProcess({ request, result }) {
      const record = recordOf(request);
      for (const single of Array.isArray(result) ? result : [result]) {
        const errors = (single as { errors?: readonly unknown[] }).errors ?? [];
        for (const error of errors) {
          const e = error as { extensions?: { code?: unknown }; [MASKED_ORIGINAL]?: unknown };
          const code = typeof e.extensions?.code === "string" ? e.extensions.code : "ERROR";
          if (!record.codes.includes(code)) record.codes.push(code);
          if (e[MASKED_ORIGINAL] !== undefined) {
            logger.error(
              { requestId: record.id, error: describeError(e[MASKED_ORIGINAL]) },
              "unexpected error (masked for the client)",
            );
          }
        }
      }
    },
    onResponse({ request, response, setResponse, fetchAPI }) {
      const record = recordOf(request);
      // A new response: the node adapter may already have taken the headers of the one given.
      const headers = new fetchAPI.Headers(response.headers);
      headers.set("x-request-id", record.id);
      setResponse(
        new fetchAPI.Response(response.body, {
          status: response.status,
          statusText: response.statusText,
          headers,
        }),
      );
      // The line's fields (a URL parse among them) only when it is written.
      if (!logger.isLevelEnabled("info")) return;
      const url = new URL(request.url);
      logger.info(
        {
          requestId: record.id,
          method: request.method,
          path: url.pathname.slice(0, 200),
          operationName: record.operationName,
          status: response.status,
          durationMs: Math.round((performance.now() - record.started) * 10) / 10,
          outcome: record.codes.length === 0 && response.status < 400 ? "ok" : "error",
          ...(record.codes.length > 0 ? { errorCodes: record.codes } : {}),
        },
        "request",
      );
    },
  };
}
