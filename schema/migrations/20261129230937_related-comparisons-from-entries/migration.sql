-- relatedComparisons scored from topic_comparison_entries (same results, about a third of the
-- work on 10,000 generated pages; see bench/limits.ts).
--
-- The score and order are those of the traversal-functions-related-by-relevance migration. What
-- changes is how the reached topics are scored, which on a small-world graph means nearly every
-- comparison from one hop on:
--
-- * topic_comparison_entries already holds one row per (topic, comparison) tie, its relevance
--   >= 100 when the topic is an option of the comparison and under 100 when it is only a tag
--   (src/graph/page-edges.ts): m_B(t) and n(t) are read from that one table in one pass, where
--   the old body joined options, option_tags and the topic_comparisons view (a UNION over both)
--   and de-duplicated (comparison, topic) pairs itself.
-- * 0.5 ^ d(t) is computed in float8 (exact for integer d, so every term is bit for bit the one
--   the numeric power gave), not once per tie in numeric.
-- * The scoring statement is planned for each origin with its reached set known (EXECUTE ...
--   USING): with a generic plan Postgres guessed 10 reached topics and walked the indexes once
--   per topic and candidate; with the real count it scans the entries once and hashes.
CREATE OR REPLACE FUNCTION pickgraph_related_comparisons(
  comparison_ids integer[],
  max_depth integer,
  max_results integer DEFAULT NULL,
  after_score double precision DEFAULT NULL,
  after_slug text DEFAULT NULL
) RETURNS TABLE (
  comparison_id integer,
  related_id integer,
  slug text,
  distance integer,
  score double precision
)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  origin integer;
  visited integer[];
  depths integer[];
  frontier integer[];
  level integer;
BEGIN
  IF max_depth IS NULL OR max_depth < 0 THEN
    RAISE EXCEPTION 'pickgraph_related_comparisons: max_depth must be 0 or more (got %)', max_depth
      USING ERRCODE = '22023';
  END IF;
  IF max_results IS NOT NULL AND max_results < 0 THEN
    RAISE EXCEPTION 'pickgraph_related_comparisons: max_results must be 0 or more (got %)',
      max_results USING ERRCODE = '22023';
  END IF;
  IF (after_score IS NULL) <> (after_slug IS NULL) THEN
    RAISE EXCEPTION 'pickgraph_related_comparisons: after_score and after_slug go together'
      USING ERRCODE = '22023';
  END IF;

  FOR origin IN SELECT c.id FROM comparisons c WHERE c.id = ANY(comparison_ids) ORDER BY c.id LOOP
    SELECT coalesce(array_agg(DISTINCT o.topic_id), '{}') INTO frontier
    FROM options o WHERE o.comparison_id = origin;
    visited := frontier;
    depths := array_fill(0, ARRAY[cardinality(frontier)]);
    level := 0;
    WHILE level < max_depth AND cardinality(frontier) > 0 LOOP
      SELECT coalesce(array_agg(x.n), '{}') INTO frontier
      FROM (
        SELECT r.to_topic_id AS n FROM topic_relations r WHERE r.from_topic_id = ANY(frontier)
        UNION
        SELECT r.from_topic_id FROM topic_relations r
        WHERE r.to_topic_id = ANY(frontier) AND r.kind = 'RELATED_TO'
        EXCEPT
        SELECT v.id FROM unnest(visited) AS v(id)
      ) AS x;
      level := level + 1;
      visited := visited || frontier;
      depths := depths || array_fill(level, ARRAY[cardinality(frontier)]);
    END LOOP;
    RETURN QUERY EXECUTE $q$
      WITH reached AS MATERIALIZED (
        SELECT u.id, u.d FROM unnest($1::int[], $2::int[]) AS u(id, d)
      ),
      ties AS (
        SELECT e.comparison_id AS cid, e.relevance, p.d,
          count(*) OVER (PARTITION BY e.topic_id) AS n
        FROM topic_comparison_entries e JOIN reached p ON p.id = e.topic_id
      ),
      scored AS (
        SELECT t.cid,
          round(sum(CASE WHEN t.relevance >= 100 THEN 1.0::float8 ELSE 0.5::float8 END
            * power(0.5::float8, t.d) / ln(1 + t.n))::numeric, 6)::float8 AS score,
          min(t.d) FILTER (WHERE t.relevance >= 100) AS distance
        FROM ties t
        WHERE t.cid <> $3
        GROUP BY t.cid
      )
      SELECT $3, c.id, c.slug, sc.distance, sc.score
      FROM scored sc
      JOIN comparisons c ON c.id = sc.cid
      WHERE sc.distance IS NOT NULL AND ($4::float8 IS NULL
         OR sc.score < $4
         OR (sc.score = $4 AND c.slug COLLATE "C" > $5 COLLATE "C"))
      ORDER BY sc.score DESC, c.slug COLLATE "C"
      LIMIT $6
    $q$ USING visited, depths, origin, after_score, after_slug, max_results;
  END LOOP;
END
$$;
