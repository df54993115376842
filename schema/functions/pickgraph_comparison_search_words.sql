-- The distinct space-separated words of each comparison's highlighted fields, sorted byte-wise
-- (comparison_search.words): exactly the fields pickgraph_search highlights for a comparison
-- (title, intro, option summaries, pros, cons, use-if conditions, pick summary, bottom line), so
-- that a page of results unnests its comparisons' words instead of splitting their fields. The
-- importer writes them with the document (src/ingest/import-pages.ts, refreshComparisonSearch).
CREATE OR REPLACE FUNCTION pickgraph_comparison_search_words(ids integer[])
RETURNS TABLE (comparison_id integer, words text[])
LANGUAGE sql STABLE
AS $$
  SELECT c.id,
         coalesce((
           SELECT array_agg(DISTINCT w.word COLLATE "C" ORDER BY w.word COLLATE "C")
           FROM (
             SELECT c.title AS body
             UNION ALL SELECT c.intro
             UNION ALL SELECT o.summary FROM options o WHERE o.comparison_id = c.id
             UNION ALL SELECT x.body FROM options o, unnest(o.pros) AS x(body) WHERE o.comparison_id = c.id
             UNION ALL SELECT x.body FROM options o, unnest(o.cons) AS x(body) WHERE o.comparison_id = c.id
             UNION ALL SELECT o.use_if FROM options o WHERE o.comparison_id = c.id
             UNION ALL SELECT c.pick_summary
             UNION ALL SELECT c.bottom_line
           ) f, string_to_table(f.body, ' ') AS w(word)
         ), '{}')
  FROM comparisons c
  WHERE c.id = ANY(ids)
$$;
