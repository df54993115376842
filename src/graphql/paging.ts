import { decodeBase64, decodeCursorChunk } from "@pothos/core";
import { badUserInput } from "./client-errors.ts";

/** Page sizes of every connection: the default, and the most a client may ask for. */
export const CONNECTION_DEFAULT_SIZE = 20;
export const CONNECTION_MAX_SIZE = 100;

/**
 * Every connection's `maxSize`: the plugin would silently cut a larger page down, which hides a
 * client's mistake, so asking for more is refused instead.
 */
export function maxPageSize(args: { first?: number | null; last?: number | null }): number {
  for (const name of ["first", "last"] as const) {
    const value = args[name];
    if (value !== null && value !== undefined && (value < 0 || value > CONNECTION_MAX_SIZE)) {
      throw badUserInput(`${name} must be between 0 and ${CONNECTION_MAX_SIZE} (got ${value})`, {
        argument: name,
      });
    }
  }
  return CONNECTION_MAX_SIZE;
}

/** `first`, else `last`, else the default size: what a page may hold. */
export function pageSize(args: { first?: unknown; last?: unknown }): number {
  for (const value of [args.first, args.last]) {
    if (typeof value === "number" && Number.isFinite(value)) return Math.max(0, value);
  }
  return CONNECTION_DEFAULT_SIZE;
}

/** What a plugin-drizzle cursor (`DC:` and a tagged chunk) holds; undefined when it is none. */
function cursorValue(cursor: string): unknown {
  try {
    const decoded = decodeBase64(cursor);
    return decoded.startsWith("DC:") ? decodeCursorChunk(decoded.slice(3)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refuses an `after` or `before` this connection did not write. plugin-drizzle decodes any
 * well-formed cursor and compares what it holds with the sort columns as it is (a date where a
 * slug belongs, a bigint, an object), which failed in the statement as an unexpected error on
 * Postgres and answered on PGlite. `fits` says what this connection's cursors hold.
 */
export function checkCursors(
  connection: string,
  args: { after?: string | null; before?: string | null },
  fits: (value: unknown) => boolean,
): void {
  for (const argument of ["after", "before"] as const) {
    const cursor = args[argument];
    if (cursor === null || cursor === undefined || fits(cursorValue(cursor))) continue;
    throw badUserInput(
      `${argument} is not a cursor of ${connection}; use a cursor this connection returned`,
      { argument },
    );
  }
}

/** Cursors of connections ordered by a slug (`DC:S:<slug>`). */
export const isSlugCursor = (value: unknown) => typeof value === "string";
/** Cursors of connections ordered by a row id (`DC:N:<id>`). */
export const isIdCursor = (value: unknown) => Number.isSafeInteger(value);
