/**
 * What a failed statement means for the client, whichever driver and wrapper threw it:
 * drizzle wraps driver errors in DrizzleQueryError (`cause`), postgres.js throws PostgresError
 * (SQLSTATE in `code`) or its own connection errors, Node's net layer errno codes.
 */
export type DatabaseFault = "TIMEOUT" | "DATABASE_UNAVAILABLE";

/** The code of a statement refused by an open circuit breaker (see circuit-breaker.ts). */
export const CIRCUIT_OPEN = "CIRCUIT_OPEN";

// SQLSTATE classes and codes that mean "the server is not there for you right now".
const UNAVAILABLE_SQLSTATES = new Set([
  "57P01", // admin_shutdown: the server is stopping
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up or shutting down
  "53300", // too_many_connections
]);

// postgres.js's own errors and Node's socket errors on the way to the server.
const UNAVAILABLE_CODES = new Set([
  CIRCUIT_OPEN,
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/** The errors of an error: itself, its causes, and the members of an AggregateError. */
function* errorChain(error: unknown, depth = 0): Generator<unknown> {
  if (error === null || error === undefined || depth > 8) return;
  yield error;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) yield* errorChain(inner, depth + 1);
  }
  if (typeof error === "object" && "cause" in error) {
    yield* errorChain((error as { cause?: unknown }).cause, depth + 1);
  }
  // graphql-js keeps the resolver's error in originalError.
  if (typeof error === "object" && "originalError" in error) {
    yield* errorChain((error as { originalError?: unknown }).originalError, depth + 1);
  }
}

function codeOf(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : null;
}

/**
 * Classifies a failure as a statement timeout, an unreachable database, or neither (`null`,
 * an unexpected error to be masked). A statement cancelled for any other reason than its
 * timeout (an administrator's pg_cancel_backend) is a timeout for the client too: its work
 * was stopped and asking again may succeed.
 */
export function classifyDatabaseError(error: unknown): DatabaseFault | null {
  for (const inner of errorChain(error)) {
    const fault = faultOfCode(codeOf(inner));
    if (fault !== null) return fault;
  }
  return null;
}

function faultOfCode(code: string | null): DatabaseFault | null {
  if (code === null) return null;
  if (code === "57014") return "TIMEOUT";
  if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith("08")) return "DATABASE_UNAVAILABLE";
  if (UNAVAILABLE_CODES.has(code)) return "DATABASE_UNAVAILABLE";
  return null;
}

/**
 * Whether a failure means "this pool's server is away": the connection could not be made or was
 * lost, or the server is starting or stopping. The one rule of the circuit breaker and of the
 * replica router. Not a statement timeout, not a query error, not a refused login, and not
 * `too_many_connections` (the server is there, only full; the connections already open serve).
 */
export function isDatabaseDown(error: unknown): boolean {
  for (const inner of errorChain(error)) {
    const code = codeOf(inner);
    if (code === "53300") return false;
    const fault = faultOfCode(code);
    if (fault !== null) return fault === "DATABASE_UNAVAILABLE";
  }
  return false;
}

/** Whether a failure is (or wraps) a circuit breaker's refusal: not news about the server. */
export function isCircuitRefusal(error: unknown): boolean {
  for (const inner of errorChain(error)) if (codeOf(inner) === CIRCUIT_OPEN) return true;
  return false;
}

// Of those, the ones that say a new connection could not be made (as opposed to one lost).
const CONNECT_FAILURES = new Set([
  "ECONNREFUSED",
  "CONNECT_TIMEOUT",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P03", // cannot_connect_now
  "08001", // sqlclient_unable_to_establish_sqlconnection
  "08004", // sqlserver_rejected_establishment_of_sqlconnection
]);

/**
 * Whether a failure says the server cannot be reached now: a new connection was refused or not
 * answered. A lost connection (57P01 admin_shutdown, a reset, a closed socket) is down too for
 * `isDatabaseDown`, but may be old news: one pooled connection broken by a restart that is over.
 */
export function isConnectFailure(error: unknown): boolean {
  for (const inner of errorChain(error)) {
    const code = codeOf(inner);
    if (code !== null && CONNECT_FAILURES.has(code)) return true;
  }
  return false;
}

/**
 * One line for an operator about why the database could not be used: the driver's reason, with
 * the setting to look at. Never the SQL or its parameters.
 */
export function describeDatabaseFailure(error: unknown): string {
  for (const inner of errorChain(error)) {
    const code = codeOf(inner);
    if (code === null) continue;
    const message = inner instanceof Error ? inner.message : String(inner);
    if (code === "ECONNREFUSED") return `connection refused (${message})`;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `unknown host (${message})`;
    if (code === "CONNECT_TIMEOUT") return "no answer within the connect timeout";
    if (code === "28P01" || code === "28000") return `authentication failed (${message})`;
    if (code === "3D000") return `the database does not exist (${message})`;
    if (code === "57P03") return `the server is starting or stopping (${message})`;
    if (code === "57014") return "a statement hit the statement timeout";
    if (code === CIRCUIT_OPEN) return message;
    return `${message} (${code})`;
  }
  const last = [...errorChain(error)].pop();
  return last instanceof Error ? last.message : String(last);
}

/** Failures that waiting will not cure: wrong password, no such database, bad URL. */
export function isPermanentConnectFailure(error: unknown): boolean {
  for (const inner of errorChain(error)) {
    const code = codeOf(inner);
    if (code === null) continue;
    if (code === "28P01" || code === "28000" || code === "3D000") return true;
    if (code === "ERR_INVALID_URL") return true;
  }
  return false;
}
