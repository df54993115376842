import { decodeBase64, decodeCursorChunk } from "@pothos/core";
import type { GraphQLField } from "graphql";
import { MAX_ID, RELATION_KINDS, TEXT_LIMITS, unstorableText } from "../domain/rules.ts";
import { MAX_DEPTH, MAX_LIMIT, MAX_PATH_DEPTH, MAX_RELATED_DEPTH } from "../graph/traversal.ts";
import { isSlug as matchesSlugRule } from "../ingest/slug.ts";
import { badUserInput } from "./client-errors.ts";
import { CONNECTION_MAX_SIZE } from "./paging.ts";

/**
 * Checks of argument values that hold whatever the field's resolver would do with them, run on
 * the whole operation before anything executes (src/http/ calls them from validation, with the
 * request's variables and the defaults applied). A page size is refused even when `nodes` is
 * not selected, and text the database cannot store is refused instead of failing in SQL.
 */

/** Longest list any argument may hold; importPages' 1000 pages are the largest real one. */
export const MAX_LIST_ARGUMENT = 1000;

/** Integer ranges by `Type.field.argument`; `*.argument` applies to every field. */
const RANGES: Record<string, [number, number]> = {
  "*.first": [0, CONNECTION_MAX_SIZE],
  "*.last": [0, CONNECTION_MAX_SIZE],
  "Topic.neighborhood.depth": [0, MAX_DEPTH],
  "Topic.neighborhood.limit": [1, MAX_LIMIT],
  "Comparison.relatedComparisons.depth": [0, MAX_RELATED_DEPTH],
  "Query.path.maxDepth": [0, MAX_PATH_DEPTH],
};

export interface ArgumentProblem {
  argument: string;
  message: string;
}

// --- cursors of plugin-drizzle's connections ----------------------------------------------------

/** What a plugin-drizzle cursor (`DC:` and a tagged chunk) holds; undefined when it is none. */
function cursorValue(cursor: string): unknown {
  try {
    const decoded = decodeBase64(cursor);
    return decoded.startsWith("DC:") ? decodeCursorChunk(decoded.slice(3)) : undefined;
  } catch {
    return undefined;
  }
}

const isSlug = (value: unknown) =>
  typeof value === "string" && value.length <= TEXT_LIMITS.slug && matchesSlugRule(value);
/** A row id (an `integer` column). */
const isId = (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_ID;
/** An `integer` column's value. */
const isInteger = (value: unknown) =>
  Number.isInteger(value) && Math.abs(value as number) <= MAX_ID;
/** A `timestamptz` as Postgres prints it (`2026-11-30 07:22:01.734+00`), and a real date. */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2})(?::?\d{2})?)?$/;
function isTimestamp(value: unknown): boolean {
  const parts = typeof value === "string" ? TIMESTAMP.exec(value) : null;
  if (!parts) return false;
  const [year, month, day, hour, minute, second, offset] = parts.slice(1).map(Number) as number[];
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day));
  return (
    date.getUTCMonth() === (month as number) - 1 &&
    date.getUTCDate() === day &&
    (hour as number) < 24 &&
    (minute as number) < 60 &&
    (second as number) < 60 &&
    !((offset as number) > 15)
  );
}
const tuple =
  (...parts: ((value: unknown) => boolean)[]) =>
  (value: unknown) =>
    Array.isArray(value) &&
    value.length === parts.length &&
    parts.every((fits, i) => fits(value[i]));

/**
 * What the cursors of each plugin-drizzle connection hold: the values of its sort columns. The
 * plugin decodes any well-formed cursor and compares what it holds with those columns as it is,
 * so a date where a slug belongs, a bigint, an object or a slug with a NUL failed in the
 * statement (an unexpected error on Postgres; PGlite answered some). Checked here, before
 * anything runs, like every other argument.
 */
const CURSORS: Record<
  string,
  (args: Record<string, unknown>) => { connection: string; fits: (value: unknown) => boolean }
> = {
  "Query.comparisons": () => ({ connection: "Query.comparisons", fits: isSlug }),
  "Query.topics": () => ({ connection: "Query.topics", fits: isSlug }),
  "Topic.history": () => ({ connection: "Topic.history", fits: isId }),
  "Comparison.history": () => ({ connection: "Comparison.history", fits: isId }),
  // By weight, the neighbour's slug, kind and direction, then the edge's two topic ids.
  "Topic.related": () => ({
    connection: "Topic.related",
    fits: tuple(
      Number.isFinite,
      isSlug,
      (kind) => (RELATION_KINDS as readonly unknown[]).includes(kind),
      (outgoing) => typeof outgoing === "boolean",
      isId,
      isId,
    ),
  }),
  // SLUG cursors are the slug; RELEVANCE and UPDATED ones (relevance or updatedAt, slug, topic
  // id, comparison id).
  "Topic.comparisons": (args) => {
    const order = (args.orderBy as string | undefined) ?? "SLUG";
    return {
      connection: `Topic.comparisons(orderBy: ${order})`,
      fits:
        order === "SLUG"
          ? isSlug
          : tuple(order === "RELEVANCE" ? isInteger : isTimestamp, isSlug, isId, isId),
    };
  },
};

function cursorProblem(coordinate: string, args: Record<string, unknown>): ArgumentProblem | null {
  const cursors = CURSORS[coordinate];
  if (!cursors) return null;
  for (const argument of ["after", "before"]) {
    const cursor = args[argument];
    if (typeof cursor !== "string") continue;
    const { connection, fits } = cursors(args);
    if (fits(cursorValue(cursor))) continue;
    return {
      argument,
      message: `${argument} is not a cursor of ${connection}; use a cursor this connection returned`,
    };
  }
  return null;
}

/**
 * Longest string a read's argument may be: slugs are at most 200 characters (a check in the
 * database), search text 200 (search says so itself), ids and cursors far less. A megabyte slug
 * otherwise went to the database as a key to look up.
 */
export const MAX_READ_TEXT = 10_000;

function textProblem(text: string): string | null {
  if (text.length > MAX_READ_TEXT) {
    return `must be at most ${MAX_READ_TEXT} characters (got ${text.length})`;
  }
  return unstorableText(text);
}

function valueProblem(value: unknown, path: string, checkText: boolean): ArgumentProblem | null {
  if (typeof value === "string") {
    if (!checkText) return null;
    const problem = textProblem(value);
    return problem ? { argument: path, message: `${path} ${problem}` } : null;
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST_ARGUMENT) {
      return {
        argument: path,
        message: `${path} holds ${value.length} items; at most ${MAX_LIST_ARGUMENT}`,
      };
    }
    for (const [index, item] of value.entries()) {
      const problem = valueProblem(item, `${path}[${index}]`, checkText);
      if (problem) return problem;
    }
    return null;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const problem = valueProblem(item, `${path}.${key}`, checkText);
      if (problem) return problem;
    }
  }
  return null;
}

/** The first problem with a field's (coerced) arguments, or null when they are all fine. */
export function argumentProblem(
  parentType: string,
  field: GraphQLField<unknown, unknown>,
  args: Record<string, unknown>,
): ArgumentProblem | null {
  for (const [name, value] of Object.entries(args)) {
    const range = RANGES[`${parentType}.${field.name}.${name}`] ?? RANGES[`*.${name}`];
    if (range && typeof value === "number" && (value < range[0] || value > range[1])) {
      return {
        argument: name,
        message: `${name} of ${parentType}.${field.name} must be between ${range[0]} and ${range[1]} (got ${value})`,
      };
    }
    // Mutations check their text themselves and list every problem in a ValidationError.
    const problem = valueProblem(value, name, parentType !== "Mutation");
    if (problem) return problem;
  }
  return cursorProblem(`${parentType}.${field.name}`, args);
}

/**
 * An empty `kinds` list would follow nothing; leaving the argument out is how to ask for all.
 * Checked in the resolvers, since an empty list is well-typed.
 */
export function checkKinds<Kind>(
  kinds: readonly Kind[] | null | undefined,
): readonly Kind[] | undefined {
  if (kinds === null || kinds === undefined) return undefined;
  if (kinds.length === 0) {
    throw badUserInput("kinds must name at least one kind; leave it out to follow every kind", {
      argument: "kinds",
    });
  }
  return kinds;
}
