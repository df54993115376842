-- Sort keys of Topic.comparisons(orderBy: RELEVANCE | UPDATED) for entries written before them;
-- from here on the rebuild in src/graph/page-edges.ts writes them (same relevance definition).
UPDATE "topic_comparison_entries" e
SET "relevance" = x.relevance, "updated_at" = c.updated_at
FROM (
  SELECT topic_id, comparison_id, sum(points)::int AS relevance FROM (
    SELECT o.topic_id, o.comparison_id, 100 AS points FROM options o
    UNION ALL
    SELECT t.topic_id, o.comparison_id, 1 AS points
    FROM option_tags t JOIN options o ON o.id = t.option_id
  ) ties
  GROUP BY topic_id, comparison_id
) x, "comparisons" c
WHERE e.topic_id = x.topic_id AND e.comparison_id = x.comparison_id AND c.id = e.comparison_id;
--> statement-breakpoint
-- Every write that bumps a comparison's updated_at (or renames it) refreshes its entries, whether
-- or not it changed topics or tags and so rebuilt them: a text-only edit, a merge's version bump.
CREATE FUNCTION pickgraph_refresh_topic_comparison_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE topic_comparison_entries
  SET updated_at = NEW.updated_at, comparison_slug = NEW.slug
  WHERE comparison_id = NEW.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER comparisons_refresh_topic_comparison_entries
AFTER UPDATE OF updated_at, slug ON comparisons
FOR EACH ROW
WHEN (OLD.updated_at IS DISTINCT FROM NEW.updated_at OR OLD.slug IS DISTINCT FROM NEW.slug)
EXECUTE FUNCTION pickgraph_refresh_topic_comparison_entries();
