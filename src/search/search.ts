import { type Column, getTableColumns, type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { type Db, selectRows } from "../db/client.ts";
import { comparisonsTable, topicsTable } from "../db/tables.ts";
import { highlightField, type SearchHighlight } from "./highlight.ts";
import type { SearchQuery } from "./query.ts";

/** How many ids each arm of the first pass hands to scoring (see `search`). */
export const SEARCH_CANDIDATES_PER_ARM = 50;

export type SearchResultType = "Topic" | "Comparison";

export type TopicRow = typeof topicsTable.$inferSelect;
export type ComparisonRow = typeof comparisonsTable.$inferSelect;

export type SearchHit =
  | { type: "Topic"; node: TopicRow; score: number; highlights: SearchHighlight[] }
  | { type: "Comparison"; node: ComparisonRow; score: number; highlights: SearchHighlight[] };

export interface SearchPage {
  hits: SearchHit[];
  /** How many results the ranked list holds (every match, or the first pass's bounded selection). */
  total: number;
}

export interface SearchOptions {
  types: readonly SearchResultType[];
  offset: number;
  limit: number;
  /** Compute highlights (one ts_headline per result on the page); off when nobody asks. */
  highlights: boolean;
}

/** What separates the words in the highlighted text `pickgraph_search` returns. */
const WORD_SEPARATOR = "\u0001";

/**
 * The highlighted form of each distinct word of the page's fields (`pickgraph_search` runs
 * ts_headline once over the distinct words, joined by WORD_SEPARATOR). A word whose highlighted
 * form has no marker is left out: it stays as it is.
 */
function markedWords(words: string[] | null, marked: string | null): Map<string, string> {
  const lexicon = new Map<string, string>();
  if (words === null || marked === null) return lexicon;
  const forms = marked.split(WORD_SEPARATOR);
  if (forms.length !== words.length) {
    throw new Error(`search highlights: ${words.length} words but ${forms.length} highlighted`);
  }
  for (const [index, word] of words.entries()) {
    const form = forms[index] as string;
    if (form !== word) lexicon.set(word, form);
  }
  return lexicon;
}

/**
 * A field's text with each of its words in its highlighted form. Most fields of a page hold none
 * of the few words the query marked: a word can be replaced only where it occurs as a substring,
 * so those fields come back as they are, without being split and joined again.
 */
function markBody(body: string, lexicon: Map<string, string>, markedList: string[]): string {
  if (!markedList.some((word) => body.includes(word))) return body;
  return body
    .split(" ")
    .map((word) => lexicon.get(word) ?? word)
    .join(" ");
}

/**
 * A row as the query builder would return it (property names, timestamps as text), built in SQL
 * so the search statement hands GraphQL finished objects and nothing is loaded afterwards.
 */
function rowJson(table: PgTable, alias: string): SQL {
  const pairs = Object.entries(getTableColumns(table)).map(([key, column]) => {
    const name = `${alias}.${JSON.stringify((column as Column).name)}`;
    const value = (column as Column).columnType === "PgTimestampString" ? `${name}::text` : name;
    return `'${key}', ${value}`;
  });
  return sql.raw(`json_build_object(${pairs.join(", ")})`);
}

/**
 * Ranked search over topics and comparisons in ONE statement, which calls the PL/pgSQL function
 * `pickgraph_search` (migration `*search-function`: there its statement is planned once per
 * connection, generically, instead of on every search) and reads the page's rows whole. The
 * function works in two passes. The first pass picks
 * candidates straight from indexes, each arm at most SEARCH_CANDIDATES_PER_ARM ids in an order
 * that costs no scoring, per type: names (titles) starting with the text, shortest first (btree
 * on the lower-cased name); names holding every word (GIN over the A part of the document),
 * shortest topic names first, comparisons by id; any field holding every word (the whole
 * document), the same orders; plus exact slugs and former slugs. Only when all of those find
 * nothing, the names and titles within trigram reach of the text, closest first (a "did you
 * mean"). Below 50 matches per arm the candidates are every match; above, the arms keep the
 * ones scoring would put first (a name beats prose, a prefix beats a name). The second pass
 * scores only those candidates, counts them (`total`) and pages them, and the page's rows come
 * back whole with their highlighted fields.
 *
 * Score, highest first (ties: topics before comparisons, then by slug, so paging is stable):
 * - 8 when the query, read as a slug, is the slug or a former slug of the result;
 * - 2 when the name or title (or the slug) starts with the query, for autocomplete;
 * - 4, 2 or 1 for the best field tier holding every query word: names and titles (A), summaries
 *   and intros (B), pros, cons and verdicts (C); so a name match beats any summary match;
 * - the trigram similarity of the query to the whole name or title (0..1), so the result whose
 *   name is closest to what was typed leads its tier (`kubernets`: Kubernetes before the
 *   comparison titled "Kubernetes vs Nomad");
 * - a quarter of ts_rank over the whole document (0..1), a late tie-break by how often it matches;
 * - for names and titles within trigram reach (pg_trgm `<%`: word similarity ≥ 0.6, the typo
 *   tolerance) that word similarity.
 */
export async function search(
  db: Db,
  query: SearchQuery,
  options: SearchOptions,
): Promise<SearchPage> {
  const rows = await selectRows<{
    total: number;
    type: SearchResultType | null;
    score: number | null;
    node: TopicRow | ComparisonRow | null;
    fields: string[] | null;
    bodies: string[] | null;
    matches: (boolean | null)[] | null;
    words: string[] | null;
    marked: string | null;
  }>(
    db,
    sql`
      SELECT s.hit_total AS total, s.hit_type AS type, s.hit_score AS score,
        CASE s.hit_type
          WHEN 'Topic' THEN (SELECT ${rowJson(topicsTable, "t")} FROM topics t WHERE t.id = s.hit_id)
          WHEN 'Comparison' THEN (SELECT ${rowJson(comparisonsTable, "c")} FROM comparisons c WHERE c.id = s.hit_id)
        END AS node,
        s.hit_fields AS fields, s.hit_bodies AS bodies, s.hit_matches AS matches, s.hit_words AS words,
        s.hit_marked AS marked
      FROM pickgraph_search(
        ${query.all}, ARRAY[${query.tiers[0]}, ${query.tiers[1]}, ${query.tiers[2]}]::text[], ${query.any}, ${query.text}, ${query.slug},
        ${options.types.includes("Topic")}, ${options.types.includes("Comparison")},
        ${SEARCH_CANDIDATES_PER_ARM}::int, ${options.limit}::int, ${options.offset}::int,
        ${options.highlights}
      ) WITH ORDINALITY AS s
      ORDER BY s.ordinality
    `,
  );
  const total = rows[0]?.total ?? 0;
  const hits: SearchHit[] = [];
  const lexicon = markedWords(rows[0]?.words ?? null, rows[0]?.marked ?? null);
  const markedList = [...lexicon.keys()];
  for (const row of rows) {
    if (row.type === null || row.node === null || row.score === null) continue;
    const bodies = row.bodies ?? [];
    const fields = (row.fields ?? []).flatMap((field, index) => {
      // False only for a field that holds a synonym phrase's words apart, never together.
      if (row.matches?.[index] === false) return [];
      const marked = markBody(bodies[index] ?? "", lexicon, markedList);
      const highlight = highlightField(field, marked, query);
      return highlight === null ? [] : [highlight];
    });
    hits.push({
      type: row.type,
      node: row.node,
      score: row.score,
      highlights: fields,
    } as SearchHit);
  }
  return { hits, total };
}
