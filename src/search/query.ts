import { slugify } from "../ingest/slug.ts";

/** Longest search text accepted; longer is a client mistake (names and titles are shorter). */
export const MAX_QUERY_LENGTH = 200;

/**
 * Abbreviations people type for the long names pages use. Each key is one slug segment (a query
 * word after the slug rules); its expansions are alternatives, each a phrase of slug segments.
 * Kept short and obvious on purpose: a wrong synonym silently pollutes every result list.
 */
export const SEARCH_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  ic: ["individual contributor"],
  em: ["engineering manager"],
  pm: ["product management", "project management", "product manager", "project manager"],
  mgmt: ["management"],
  k8s: ["kubernetes"],
  js: ["javascript"],
  ts: ["typescript"],
  pg: ["postgresql"],
  postgres: ["postgresql"],
  golang: ["go"],
  sre: ["site reliability engineering"],
  tdd: ["test driven development"],
  ci: ["continuous integration"],
  cd: ["continuous delivery", "continuous deployment"],
  adr: ["architecture decision record"],
  iac: ["infrastructure as code"],
  db: ["database"],
  eda: ["event driven architecture"],
  okr: ["okrs"],
  kpi: ["kpis"],
};

/** Why a search text was refused; the GraphQL layer turns it into BAD_USER_INPUT. */
export class SearchQueryError extends Error {}

/** A search text made ready for SQL: every part is built from `[a-z0-9]` words only. */
export interface SearchQuery {
  /** The query's words after the slug rules (`c#` → `c`, `sharp`). */
  terms: string[];
  /** `to_tsquery('english', …)` text: every word (or a synonym of it) must occur; the last word may be a prefix. */
  all: string;
  /** `all` with every word restricted to the A, B and C parts of a document (name, summary, prose). */
  tiers: [string, string, string];
  /** `to_tsquery('english', …)` text: any word; used to pick what to highlight. */
  any: string;
  /** The text trigrams compare with names and titles: lower-cased, spaces collapsed. */
  text: string;
  /** The query read as a slug (`node.js` → `node-js`): exact slugs and former slugs rank first. */
  slug: string;
}

/**
 * Reads a search text. Refuses NUL bytes, an empty or blank text and one longer than
 * MAX_QUERY_LENGTH; answers null for a text without a letter or digit (`?!`), which matches
 * nothing.
 */
export function parseSearchQuery(input: string): SearchQuery | null {
  if (input.includes("\u0000")) throw new SearchQueryError("query must not contain NUL bytes");
  const text = input.trim().replace(/\s+/g, " ").toLowerCase();
  if (text === "") throw new SearchQueryError("query must not be empty");
  if (input.length > MAX_QUERY_LENGTH) {
    throw new SearchQueryError(
      `query must be at most ${MAX_QUERY_LENGTH} characters (got ${input.length})`,
    );
  }
  // Nothing but punctuation (`?!`, `#`, `&|`): a valid question whose answer is empty. Symbols
  // only mean words next to a name (`c#` → c sharp), never alone.
  if (!/[\p{L}\p{N}]/u.test(text)) return null;
  let slug: string;
  try {
    slug = slugify(text);
  } catch {
    return null; // defensive: the slug rules keep every letter and digit, so this cannot happen
  }
  const terms = slug.split("-");
  // `weight` restricts every word to one tier of the documents (`'kafka':A`), as ts_filter would.
  const alternatives = (weight: string) =>
    terms.map((term, index) => {
      const last = index === terms.length - 1;
      // The word being typed is a prefix (autocomplete); one letter would match half the corpus.
      const own =
        last && term.length >= 2 ? `'${term}':*${weight}` : `'${term}'${weight && `:${weight}`}`;
      const synonyms = (SEARCH_SYNONYMS[term] ?? []).map(
        (phrase) =>
          `(${phrase
            .split(" ")
            .map((word) => `'${word}'${weight && `:${weight}`}`)
            .join(" <-> ")})`,
      );
      return synonyms.length === 0 ? own : `(${[own, ...synonyms].join(" | ")})`;
    });
  return {
    terms,
    all: alternatives("").join(" & "),
    tiers: [
      alternatives("A").join(" & "),
      alternatives("B").join(" & "),
      alternatives("C").join(" & "),
    ],
    any: alternatives("").join(" | "),
    text,
    slug,
  };
}
