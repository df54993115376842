import type { GraphQLField } from "graphql";
import { LONE_SURROGATE } from "../domain/rules.ts";
import { MAX_DEPTH, MAX_LIMIT, MAX_PATH_DEPTH, MAX_RELATED_DEPTH } from "../graph/traversal.ts";
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
  if (text.includes("\u0000")) return "must not contain NUL characters (\\u0000)";
  if (LONE_SURROGATE.test(text)) {
    return "must be valid Unicode text (it holds a lone UTF-16 surrogate)";
  }
  return null;
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
  return null;
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
