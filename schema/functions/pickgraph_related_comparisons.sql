-- For a comparison A: a multi-source breadth-first search from A's option topics (RELATED_TO and
-- COMPARED_WITH, both ways) gives every topic t within max_depth hops its fewest-hop distance
-- d(t), A's options at 0. The related comparisons are the other comparisons with an option
-- within max_depth hops, as before; `distance` is the fewest hops to one of their options.
-- Each one, B, is scored by the topics it shares with A's neighbourhood:
--
--   score(B) = sum over topics t of B (its options and their tags) reached from A of
--              m_B(t) * 0.5 ^ d(t) / ln(1 + n(t))
--
--   m_B(t) = 1 when t is an option of B, 0.5 when it is only a tag of B (what a page is about
--            counts more than what it mentions);
--   0.5 ^ d(t): a topic one hop further from A counts half as much;
--   n(t) = how many comparisons t takes part in (as option or tag): a hub that half the corpus
--          mentions ties pages less than a topic two pages share (as in the Adamic-Adar index).
--
-- Scores are rounded to 6 decimals so that the same graph always gives the same numbers (a sum's
-- last bits depend on the order it is added in) and a cursor can name a score exactly. Results
-- are ordered by score descending, then slug in byte order, after the (after_score, after_slug)
-- cursor when given, at most max_results. Every comparison within reach must be scored before
-- the first can be named, so the search no longer stops early; its size is bounded by max_depth.
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
    RETURN QUERY
      WITH reached AS MATERIALIZED (
        SELECT u.id, u.d FROM unnest(visited, depths) AS u(id, d)
      ),
      candidates AS MATERIALIZED (
        SELECT o.comparison_id AS cid, min(p.d) AS distance
        FROM options o JOIN reached p ON p.id = o.topic_id
        WHERE o.comparison_id <> origin
        GROUP BY o.comparison_id
      ),
      members AS (
        SELECT c.cid, o.topic_id AS tid, 1.0::float8 AS m
        FROM candidates c JOIN options o ON o.comparison_id = c.cid
        UNION ALL
        SELECT c.cid, g.topic_id, 0.5::float8
        FROM candidates c JOIN options o ON o.comparison_id = c.cid
        JOIN option_tags g ON g.option_id = o.id
      ),
      shared AS MATERIALIZED (
        SELECT m.cid, m.tid, max(m.m) AS m, min(p.d) AS d
        FROM members m JOIN reached p ON p.id = m.tid
        GROUP BY m.cid, m.tid
      ),
      spread AS (
        SELECT s.tid, count(*) AS n
        FROM (SELECT DISTINCT shared.tid FROM shared) AS s
        JOIN topic_comparisons tc ON tc.topic_id = s.tid
        GROUP BY s.tid
      ),
      scored AS (
        SELECT s.cid,
          round(sum(s.m * power(0.5, s.d) / ln(1 + sp.n))::numeric, 6)::float8 AS score
        FROM shared s JOIN spread sp ON sp.tid = s.tid
        GROUP BY s.cid
      )
      SELECT origin, c.id, c.slug, k.distance, sc.score
      FROM candidates k
      JOIN scored sc ON sc.cid = k.cid
      JOIN comparisons c ON c.id = k.cid
      WHERE after_score IS NULL
         OR sc.score < after_score
         OR (sc.score = after_score AND c.slug COLLATE "C" > after_slug COLLATE "C")
      ORDER BY sc.score DESC, c.slug COLLATE "C"
      LIMIT max_results;
  END LOOP;
END
$$;
