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
  /** Compute highlights (ts_headline per field of each hit on the page); off when nobody asks. */
  highlights: boolean;
}

/** Both highlight markers are control characters no page text can hold (the reader refuses them). */
const HIGHLIGHT_OPTIONS = sql.raw(
  `'HighlightAll=true, StartSel=' || chr(2) || ', StopSel=' || chr(3)`,
);

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
 * Ranked search over topics and comparisons in ONE statement, in two passes. The first pass picks
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
  const topics = options.types.includes("Topic");
  const comparisons = options.types.includes("Comparison");
  const highlights = options.highlights;
  const N = sql.raw(String(SEARCH_CANDIDATES_PER_ARM));
  const tsquery = sql`to_tsquery('english', ${query.all})`;
  const prefix = `${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const rows = await selectRows<{
    total: number;
    type: SearchResultType | null;
    score: number | null;
    node: TopicRow | ComparisonRow | null;
    highlights: [string, string][] | null;
  }>(
    db,
    sql`
      WITH q AS (
        SELECT to_tsquery('english', ${query.all}) AS tsq,
               to_tsquery('english', ${query.any}) AS anyq,
               ${query.text}::text AS text,
               ${query.slug}::text AS slug
      ),
      -- The first pass: each arm reads one index, in an order that needs no scoring, and hands on
      -- at most N ids. The query's values are written into each arm (not read from q) so that the
      -- planner estimates every arm from the statistics.
      exact AS (
        SELECT 'Topic' AS type, t.id FROM topics t WHERE ${topics} AND t.slug = ${query.slug}
        UNION SELECT 'Topic', a.topic_id FROM topic_aliases a
        WHERE ${topics} AND a.slug = ${query.slug}
        UNION SELECT 'Comparison', c.id FROM comparisons c
        WHERE ${comparisons} AND c.slug = ${query.slug}
      ),
      topic_hits AS (
        (SELECT t.id FROM topics t
         WHERE ${topics} AND lower(t.name) LIKE ${prefix}
           AND pickgraph_topic_search_vector(t.name, t.slug, t.summary) @@ ${tsquery}
         ORDER BY length(t.name), t.id LIMIT ${N})
        UNION
        (SELECT t.id FROM topics t
         WHERE ${topics}
           AND ts_filter(pickgraph_topic_search_vector(t.name, t.slug, t.summary), '{a}') @@ ${tsquery}
         ORDER BY length(t.name), t.id LIMIT ${N})
        UNION
        (SELECT t.id FROM topics t
         WHERE ${topics} AND pickgraph_topic_search_vector(t.name, t.slug, t.summary) @@ ${tsquery}
         ORDER BY length(t.name), t.id LIMIT ${N})
      ),
      comparison_hits AS (
        (SELECT c.id FROM comparisons c JOIN comparison_search s ON s.comparison_id = c.id
         WHERE ${comparisons} AND lower(c.title) LIKE ${prefix}
           AND ts_filter(s.document, '{a}') @@ ${tsquery}
         ORDER BY length(c.title), c.id LIMIT ${N})
        UNION
        (SELECT s.comparison_id FROM comparison_search s
         WHERE ${comparisons} AND ts_filter(s.document, '{a}') @@ ${tsquery}
         ORDER BY s.comparison_id LIMIT ${N})
        UNION
        (SELECT s.comparison_id FROM comparison_search s
         WHERE ${comparisons} AND s.document @@ ${tsquery}
         ORDER BY s.comparison_id LIMIT ${N})
      ),
      found AS (
        SELECT type, id FROM exact
        UNION SELECT 'Topic', id FROM topic_hits
        UNION SELECT 'Comparison', id FROM comparison_hits
      ),
      -- Trigram candidates (typos) only when the words as typed match nothing: a "did you mean",
      -- the names and titles closest by word similarity within pg_trgm's threshold.
      hits AS (
        SELECT type, id FROM found
        UNION ALL
        (SELECT 'Topic', t.id FROM topics t
         WHERE ${topics} AND NOT EXISTS (SELECT 1 FROM found) AND ${query.text}::text <% t.name
         ORDER BY ${query.text}::text <<-> t.name, t.id LIMIT ${N})
        UNION ALL
        (SELECT 'Comparison', c.id FROM comparisons c
         WHERE ${comparisons} AND NOT EXISTS (SELECT 1 FROM found) AND ${query.text}::text <% c.title
         ORDER BY ${query.text}::text <<-> c.title, c.id LIMIT ${N})
      ),
      documents AS (
        SELECT 'Topic' AS type, t.id, t.slug, t.name AS label,
               pickgraph_topic_search_vector(t.name, t.slug, t.summary) AS document,
               t.slug = q.slug OR EXISTS (
                 SELECT 1 FROM topic_aliases a WHERE a.topic_id = t.id AND a.slug = q.slug
               ) AS exact
        FROM hits h JOIN topics t ON t.id = h.id AND h.type = 'Topic', q
        UNION ALL
        SELECT 'Comparison', c.id, c.slug, c.title, s.document, c.slug = q.slug
        FROM hits h
        JOIN comparisons c ON c.id = h.id AND h.type = 'Comparison'
        JOIN comparison_search s ON s.comparison_id = c.id, q
      ),
      scored AS (
        SELECT d.type, d.id, d.slug, round((
            8 * d.exact::int
          + 2 * (left(lower(d.label), length(q.text)) = q.text
                 OR left(d.slug, length(q.slug)) = q.slug)::int
          + CASE WHEN ts_filter(d.document, '{a}') @@ q.tsq THEN 4
                 WHEN ts_filter(d.document, '{b}') @@ q.tsq THEN 2
                 WHEN ts_filter(d.document, '{c}') @@ q.tsq THEN 1
                 ELSE 0 END
          + similarity(q.text, d.label)
          + 0.25 * ts_rank(d.document, q.tsq)
          + CASE WHEN q.text <% d.label THEN word_similarity(q.text, d.label) ELSE 0 END
          )::numeric, 6)::float8 AS score
        FROM documents d, q
      ),
      page AS (
        SELECT * FROM scored
        ORDER BY score DESC, type DESC, slug
        LIMIT ${options.limit} OFFSET ${options.offset}
      )
      SELECT n.total, p.type, p.score,
        CASE p.type
          WHEN 'Topic' THEN (SELECT ${rowJson(topicsTable, "t")} FROM topics t WHERE t.id = p.id)
          ELSE (SELECT ${rowJson(comparisonsTable, "c")} FROM comparisons c WHERE c.id = p.id)
        END AS node,
        CASE WHEN ${highlights} AND p.type = 'Topic' THEN (
          SELECT json_agg(json_build_array(f.field, ts_headline('english', f.body, q.anyq, ${HIGHLIGHT_OPTIONS}))
                          ORDER BY f.ord)
          FROM topics t, q,
            LATERAL (VALUES (1, 'name', t.name), (2, 'summary', t.summary)) AS f(ord, field, body)
          WHERE t.id = p.id AND f.body IS NOT NULL
            AND (f.field = 'name' OR to_tsvector('english', f.body) @@ q.anyq)
        ) WHEN ${highlights} THEN (
          SELECT json_agg(json_build_array(f.field, ts_headline('english', f.body, q.anyq, ${HIGHLIGHT_OPTIONS}))
                          ORDER BY f.ord, f.position, f.item)
          FROM q, (
            SELECT 1 AS ord, 0 AS position, 0 AS item, 'title' AS field, c.title AS body
            FROM comparisons c WHERE c.id = p.id
            UNION ALL
            SELECT 2, 0, 0, 'intro', c.intro FROM comparisons c WHERE c.id = p.id
            UNION ALL
            SELECT 3, o.position, 0, 'summary', o.summary FROM options o WHERE o.comparison_id = p.id
            UNION ALL
            SELECT 4, o.position, x.n::int, 'pros', x.body
            FROM options o, unnest(o.pros) WITH ORDINALITY AS x(body, n) WHERE o.comparison_id = p.id
            UNION ALL
            SELECT 5, o.position, x.n::int, 'cons', x.body
            FROM options o, unnest(o.cons) WITH ORDINALITY AS x(body, n) WHERE o.comparison_id = p.id
            UNION ALL
            SELECT 6, o.position, 0, 'verdict', o.use_if
            FROM options o WHERE o.comparison_id = p.id AND o.use_if IS NOT NULL
            UNION ALL
            SELECT 7, 0, 0, 'verdict', c.pick_summary FROM comparisons c WHERE c.id = p.id
            UNION ALL
            SELECT 8, 0, 0, 'verdict', c.bottom_line FROM comparisons c WHERE c.id = p.id
          ) f
          WHERE f.field = 'title' OR to_tsvector('english', f.body) @@ q.anyq
        ) END AS highlights
      FROM (SELECT count(*)::int AS total FROM scored) n
      LEFT JOIN page p ON true
      ORDER BY p.score DESC, p.type DESC, p.slug
    `,
  );
  const total = rows[0]?.total ?? 0;
  const hits: SearchHit[] = [];
  for (const row of rows) {
    if (row.type === null || row.node === null || row.score === null) continue;
    const fields = (row.highlights ?? []).flatMap(([field, marked]) => {
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
