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
