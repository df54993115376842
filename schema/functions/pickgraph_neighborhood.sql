-- Breadth-first neighbourhood of each start: every topic within max_depth hops with its fewest-hop
-- depth, cut to the first node_limit topics in breadth-first order (each frontier topic, in the
-- order it was reached, adds its unvisited neighbours in id order); truncated is true when a topic
-- within max_depth hops was left out. A level takes its frontier in batches that grow fourfold and
-- stops as soon as the limit is reached, so a cut level reads only the adjacency of the topics it
-- needs. A topic's adjacency is read in id order from the index and never past
-- |visited| + |reached this level| + 2 * wanted ids: of those, only |visited| + |reached| can be
-- known already and fewer than `wanted` taken by earlier topics of the batch, so the ones it adds
-- are among them. Reading a hub thus costs at most 2 * (node_limit + 1) index entries a direction,
-- and work and memory depend on node_limit, never on degrees.
CREATE OR REPLACE FUNCTION pickgraph_neighborhood(
  starts integer[],
  max_depth integer,
  kinds relation_kind[],
  direction text,
  node_limit integer
) RETURNS TABLE (start_id integer, topic_id integer, depth integer, truncated boolean)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  out_kinds relation_kind[];
  follow_in boolean;
  origin integer;
  visited integer[];
  depths integer[];
  frontier integer[];
  reached integer[];
  batch_ids integer[];
  level integer;
  remaining integer;
  wanted integer;
  next_pos integer;
  batch_size integer;
  cut boolean;
BEGIN
  IF direction IS NULL OR direction NOT IN ('OUT', 'IN', 'BOTH') THEN
    RAISE EXCEPTION 'pickgraph_neighborhood: direction must be OUT, IN or BOTH (got %)', direction
      USING ERRCODE = '22023';
  END IF;
  IF max_depth IS NULL OR max_depth < 0 THEN
    RAISE EXCEPTION 'pickgraph_neighborhood: max_depth must be 0 or more (got %)', max_depth
      USING ERRCODE = '22023';
  END IF;
  IF node_limit IS NULL OR node_limit < 1 THEN
    RAISE EXCEPTION 'pickgraph_neighborhood: node_limit must be 1 or more (got %)', node_limit
      USING ERRCODE = '22023';
  END IF;
  kinds := coalesce(kinds, '{}');
  out_kinds := CASE WHEN direction = 'IN'
    THEN ARRAY(SELECT k FROM unnest(kinds) AS k WHERE k = 'COMPARED_WITH') ELSE kinds END;
  follow_in := direction <> 'OUT' AND 'RELATED_TO' = ANY(kinds);

  FOR origin IN SELECT t.id FROM topics t WHERE t.id = ANY(starts) ORDER BY t.id LOOP
    visited := ARRAY[origin];
    depths := ARRAY[0];
    frontier := ARRAY[origin];
    level := 0;
    cut := false;
    WHILE level < max_depth AND cardinality(frontier) > 0 LOOP
      remaining := node_limit - cardinality(visited);
      -- One more than fits tells whether the limit bit.
      wanted := remaining + 1;
      reached := '{}';
      next_pos := 1;
      batch_size := 16;
      WHILE next_pos <= cardinality(frontier) AND cardinality(reached) < wanted LOOP
        SELECT coalesce(array_agg(c.n ORDER BY c.o, c.n), '{}') INTO batch_ids
        FROM (
          SELECT y.n, min(f.o) AS o
          FROM unnest(frontier[next_pos:next_pos + batch_size - 1]) WITH ORDINALITY AS f(id, o)
          CROSS JOIN LATERAL (
            (SELECT DISTINCT r.to_topic_id AS n FROM topic_relations r
             WHERE r.from_topic_id = f.id AND r.kind = ANY(out_kinds)
             ORDER BY r.to_topic_id
             LIMIT cardinality(visited) + cardinality(reached) + 2 * wanted)
            UNION ALL
            (SELECT r.from_topic_id FROM topic_relations r
             WHERE follow_in AND r.to_topic_id = f.id AND r.kind = 'RELATED_TO'
             ORDER BY r.from_topic_id
             LIMIT cardinality(visited) + cardinality(reached) + 2 * wanted)
          ) AS y
          WHERE y.n NOT IN (SELECT v.id FROM unnest(visited || reached) AS v(id))
          GROUP BY y.n
          ORDER BY min(f.o), y.n
          LIMIT wanted - cardinality(reached)
        ) AS c;
        reached := reached || batch_ids;
        next_pos := next_pos + batch_size;
        batch_size := batch_size * 4;
      END LOOP;
      IF cardinality(reached) > remaining THEN
        cut := true;
        reached := reached[1:remaining];
      END IF;
      EXIT WHEN cardinality(reached) = 0;
      level := level + 1;
      visited := visited || reached;
      depths := depths || array_fill(level, ARRAY[cardinality(reached)]);
      frontier := reached;
      EXIT WHEN cut;
    END LOOP;
    RETURN QUERY
      SELECT origin, u.id, u.d, cut
      FROM unnest(visited, depths) WITH ORDINALITY AS u(id, d, i)
      ORDER BY u.i;
  END LOOP;
END
$$;
