/**
 * The rules of the data, each written once. The tables' CHECKs and enums (src/db/tables.ts), the
 * validators of the importer and of editing, the traversal's argument checks and the GraphQL
 * enums and ids all read them from here, so a rule changes in one place (and in a migration, when
 * the tables' SQL changes with it). This module imports nothing.
 */

/** A UTF-16 half without its other half: not a character. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why Postgres cannot store `text` (completing "… must …"), or null when it can: a NUL character,
 * or a lone UTF-16 surrogate, which JSON can spell (`"\ud800"`) but neither text, jsonb nor
 * UTF-8 can hold. Every text input is checked with it: reads' arguments and writes' fields.
 */
export function unstorableText(text: string): string | null {
  if (text.includes("\u0000")) return "must not contain NUL characters (\\u0000)";
  if (LONE_SURROGATE.test(text)) {
    return "must be valid Unicode text (it holds a lone UTF-16 surrogate)";
  }
  return null;
}

/** Longest texts the database stores, in characters; every text is at least 1 long. */
export const TEXT_LIMITS = {
  /** Topic and comparison slugs, and former slugs of merged topics. */
  slug: 200,
  /** Topic and option names. */
  name: 200,
  /** A topic's own summary, and an option's. */
  summary: 5_000,
  /** A comparison's title (the option names joined by ` vs `). */
  title: 500,
  category: 100,
  /** A reader's feedback comment. */
  comment: 2_000,
} as const;

/** Slugs: lower-case words of letters and digits joined by single hyphens. */
export const SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$";

/** Writer token names: a letter or digit, then up to 63 letters, digits or `._@-`. */
export const TOKEN_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$";

/** What a writer token may do; admin includes everything an editor may. */
export const TOKEN_SCOPES = ["editor", "admin"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/**
 * The kinds of edge between topics. RELATED_TO runs from an option's topic to its tags (or as an
 * editor set it); COMPARED_WITH joins the options of one comparison and is symmetric.
 */
export const RELATION_KINDS = ["RELATED_TO", "COMPARED_WITH"] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** Who asserted an edge: page content (rebuilt on every write) or an editor. */
export const RELATION_SOURCES = ["PAGE", "EDITOR"] as const;

/** Which edges a walk follows: OUT from -> to, IN to -> from, BOTH either way. */
export const DIRECTIONS = ["OUT", "IN", "BOTH"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** An edge's weight is greater than 0 and at most this. */
export const MAX_WEIGHT = 1_000_000;

/** Ids are Postgres `integer`s: 1 up to this. */
export const MAX_ID = 2_147_483_647;

/** The types of the graph a global id may name (`node(id:)` fetches them). */
export const NODE_TYPES = ["Topic", "Comparison", "Option"] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** Options of one comparison: at least 2; more than MAX_OPTIONS makes a table, not a comparison. */
export const MIN_OPTIONS = 2;
export const MAX_OPTIONS = 8;
