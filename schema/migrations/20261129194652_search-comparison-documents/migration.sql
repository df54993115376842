-- The full-text documents of comparisons (table comparison_search): title and slug words weigh
-- most (A), the intro and the option summaries less (B), pros, cons, use-if conditions, the pick
-- summary and the bottom line least (C). The importer calls this for every comparison it writes,
-- in the same transaction (src/ingest/import-pages.ts); deletes cascade.
CREATE OR REPLACE FUNCTION pickgraph_comparison_search_documents(ids integer[])
RETURNS TABLE (comparison_id integer, document tsvector)
LANGUAGE sql STABLE
AS $$
  SELECT c.id,
         setweight(to_tsvector('english'::regconfig, c.title || ' ' || replace(c.slug, '-', ' ')), 'A')
      || setweight(to_tsvector('english'::regconfig,
           c.intro || ' ' || coalesce(string_agg(o.summary, ' ' ORDER BY o.position), '')), 'B')
      || setweight(to_tsvector('english'::regconfig,
           coalesce(string_agg(array_to_string(o.pros, ' ') || ' ' || array_to_string(o.cons, ' ')
                               || ' ' || coalesce(o.use_if, ''), ' ' ORDER BY o.position), '')
           || ' ' || c.pick_summary || ' ' || c.bottom_line), 'C')
  FROM comparisons c
  LEFT JOIN options o ON o.comparison_id = c.id
  WHERE c.id = ANY(ids)
  GROUP BY c.id
$$;
--> statement-breakpoint
INSERT INTO comparison_search (comparison_id, document)
SELECT comparison_id, document
FROM pickgraph_comparison_search_documents(ARRAY(SELECT id FROM comparisons))
ON CONFLICT (comparison_id) DO UPDATE SET document = EXCLUDED.document;
