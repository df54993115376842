-- The traversal engine (src/graph/traversal.ts calls it). Neighbours are read from stored rows:
-- OUT follows from -> to, IN follows to -> from, BOTH either. COMPARED_WITH is stored both ways, so
-- its outgoing rows already name every neighbour and its incoming rows are never read.
-- Sets (visited topics, frontiers) live in arrays. The functions run on generic plans, where an
-- array's size is unknown to the planner: membership tests written as NOT IN (subquery) then stay
-- hashed subplans, and EXCEPT / INTERSECT hash or sort, so no plan can turn quadratic as a set
-- grows; generic plans also spare planning the same statements at every level.

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
--> statement-breakpoint
-- Every edge of the given kinds between two of the given topics, COMPARED_WITH once per pair (from
-- the lower id). Each topic's outgoing ids come from the unique index alone; only the matches
-- visit the table for their weight.
CREATE OR REPLACE FUNCTION pickgraph_subgraph_edges(node_ids integer[], kinds relation_kind[])
RETURNS TABLE (from_id integer, to_id integer, kind relation_kind, weight double precision)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
    SELECT a.id, k.to_topic_id, k.kind, w.weight
    FROM (SELECT DISTINCT u.id FROM unnest(node_ids) AS u(id)) AS a
    CROSS JOIN LATERAL (
      SELECT r.to_topic_id, r.kind FROM topic_relations r
      WHERE r.from_topic_id = a.id AND r.kind = ANY(kinds)
        AND (r.kind = 'RELATED_TO' OR r.from_topic_id < r.to_topic_id)
        -- Double negation keeps a hashed subplan; a plain IN may become a nested-loop join.
        AND NOT (r.to_topic_id NOT IN (SELECT v.id FROM unnest(node_ids) AS v(id)))
    ) AS k
    CROSS JOIN LATERAL (
      SELECT r.weight FROM topic_relations r
      WHERE r.from_topic_id = a.id AND r.to_topic_id = k.to_topic_id AND r.kind = k.kind
    ) AS w
    ORDER BY 1, 2, 3;
END
$$;
--> statement-breakpoint
-- One shortest path from from_id to to_id as the ordered topic ids, or NULL when there is none
-- within max_depth hops. Bidirectional breadth-first search: each round expands the smaller
-- frontier (forward on a tie) by one whole level; each new node keeps the lowest-id frontier node
-- that reaches it as parent, and the lowest-id meeting node wins, so the answer is deterministic.
-- Nodes where the searches meet always lie in the other side's frontier; while both frontiers are
-- small, probing the index for every pair of them finds a meeting without reading the adjacency
-- lists of hubs, and gives the same meeting node and parent as expanding the level would.
CREATE OR REPLACE FUNCTION pickgraph_shortest_path(
  from_id integer,
  to_id integer,
  max_depth integer,
  kinds relation_kind[],
  direction text DEFAULT 'BOTH'
) RETURNS integer[]
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  f_out relation_kind[];
  f_in boolean;
  f_ids integer[];
  f_par integer[];
  f_front integer[];
  f_depth integer := 0;
  b_out relation_kind[];
  b_in boolean;
  b_ids integer[];
  b_par integer[];
  b_front integer[];
  b_depth integer := 0;
  forward boolean;
  small boolean;
  a_out relation_kind[];
  a_in boolean;
  a_front integer[];
  a_ids integer[];
  o_front integer[];
  new_ids integer[];
  new_par integer[];
  meet integer;
  via integer;
  head integer;
  tail integer;
  node integer;
  path integer[];
BEGIN
  IF direction IS NULL OR direction NOT IN ('OUT', 'IN', 'BOTH') THEN
    RAISE EXCEPTION 'pickgraph_shortest_path: direction must be OUT, IN or BOTH (got %)', direction
      USING ERRCODE = '22023';
  END IF;
  IF max_depth IS NULL OR max_depth < 0 THEN
    RAISE EXCEPTION 'pickgraph_shortest_path: max_depth must be 0 or more (got %)', max_depth
      USING ERRCODE = '22023';
  END IF;
  IF from_id IS NULL OR to_id IS NULL THEN
    RETURN NULL;
  END IF;
  IF (SELECT count(*) FROM topics t WHERE t.id IN (from_id, to_id))
     < cardinality(ARRAY(SELECT DISTINCT unnest(ARRAY[from_id, to_id]))) THEN
    RETURN NULL;
  END IF;
  IF from_id = to_id THEN
    RETURN ARRAY[from_id];
  END IF;
  kinds := coalesce(kinds, '{}');
  -- The backward search walks edges against the direction of the path.
  f_out := CASE WHEN direction = 'IN'
    THEN ARRAY(SELECT k FROM unnest(kinds) AS k WHERE k = 'COMPARED_WITH') ELSE kinds END;
  f_in := direction <> 'OUT' AND 'RELATED_TO' = ANY(kinds);
  b_out := CASE WHEN direction = 'OUT'
    THEN ARRAY(SELECT k FROM unnest(kinds) AS k WHERE k = 'COMPARED_WITH') ELSE kinds END;
  b_in := direction <> 'IN' AND 'RELATED_TO' = ANY(kinds);
  f_ids := ARRAY[from_id];
  f_par := ARRAY[NULL::integer];
  f_front := ARRAY[from_id];
  b_ids := ARRAY[to_id];
  b_par := ARRAY[NULL::integer];
  b_front := ARRAY[to_id];

  LOOP
    IF f_depth + b_depth >= max_depth OR cardinality(f_front) = 0 OR cardinality(b_front) = 0 THEN
      RETURN NULL;
    END IF;
    forward := cardinality(f_front) <= cardinality(b_front);
    IF forward THEN
      a_out := f_out; a_in := f_in; a_front := f_front; a_ids := f_ids; o_front := b_front;
    ELSE
      a_out := b_out; a_in := b_in; a_front := b_front; a_ids := b_ids; o_front := f_front;
    END IF;
    meet := NULL;
    small := cardinality(a_front)::bigint * cardinality(o_front) <= 4096;
    IF small THEN
      SELECT e.n, min(e.p) INTO meet, via
      FROM (
        SELECT r.to_topic_id AS n, r.from_topic_id AS p FROM topic_relations r
        WHERE r.from_topic_id = ANY(a_front) AND r.to_topic_id = ANY(o_front)
          AND r.kind = ANY(a_out)
        UNION ALL
        SELECT r.from_topic_id, r.to_topic_id FROM topic_relations r
        WHERE a_in AND r.to_topic_id = ANY(a_front) AND r.kind = 'RELATED_TO'
          AND r.from_topic_id = ANY(o_front)
      ) AS e
      GROUP BY e.n
      ORDER BY e.n
      LIMIT 1;
    END IF;
    IF meet IS NULL THEN
      SELECT coalesce(array_agg(g.n ORDER BY g.n), '{}'), coalesce(array_agg(g.p ORDER BY g.n), '{}')
      INTO new_ids, new_par
      FROM (
        SELECT e.n, min(e.p) AS p
        FROM (
          SELECT r.to_topic_id AS n, r.from_topic_id AS p FROM topic_relations r
          WHERE r.from_topic_id = ANY(a_front) AND r.kind = ANY(a_out)
          UNION ALL
          SELECT r.from_topic_id, r.to_topic_id FROM topic_relations r
          WHERE a_in AND r.to_topic_id = ANY(a_front) AND r.kind = 'RELATED_TO'
        ) AS e
        WHERE e.n NOT IN (SELECT v.id FROM unnest(a_ids) AS v(id))
        GROUP BY e.n
      ) AS g;
      IF NOT small THEN
        SELECT min(x.m) INTO meet
        FROM (SELECT unnest(new_ids) INTERSECT SELECT unnest(o_front)) AS x(m);
        IF meet IS NOT NULL THEN
          via := new_par[array_position(new_ids, meet)];
        END IF;
      END IF;
    END IF;
    IF meet IS NOT NULL THEN
      -- meet lies in the other side's frontier, via in this side's.
      IF forward THEN head := via; tail := meet; ELSE head := meet; tail := via; END IF;
      path := ARRAY[head];
      node := head;
      WHILE node <> from_id LOOP
        node := f_par[array_position(f_ids, node)];
        path := node || path;
      END LOOP;
      node := tail;
      path := path || tail;
      WHILE node <> to_id LOOP
        node := b_par[array_position(b_ids, node)];
        path := path || node;
      END LOOP;
      RETURN path;
    END IF;
    IF forward THEN
      f_ids := f_ids || new_ids; f_par := f_par || new_par; f_front := new_ids;
      f_depth := f_depth + 1;
    ELSE
      b_ids := b_ids || new_ids; b_par := b_par || new_par; b_front := new_ids;
      b_depth := b_depth + 1;
    END IF;
  END LOOP;
END
$$;
--> statement-breakpoint
-- For each comparison, the other comparisons whose option topics lie within max_depth hops of its
-- own option topics (both kinds, both ways), with the fewest hops, ordered by distance then slug
-- (byte order), after the (after_distance, after_slug) cursor when given, at most max_results.
-- A multi-source breadth-first search from the option topics, one level at a time; since results
-- sort by distance first, it stops as soon as the levels done hold max_results past the cursor.
CREATE OR REPLACE FUNCTION pickgraph_related_comparisons(
  comparison_ids integer[],
  max_depth integer,
  max_results integer DEFAULT NULL,
  after_distance integer DEFAULT NULL,
  after_slug text DEFAULT NULL
) RETURNS TABLE (comparison_id integer, related_id integer, slug text, distance integer)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  origin integer;
  visited integer[];
  frontier integer[];
  level integer;
  found_ids integer[];
  found_dist integer[];
  layer_ids integer[];
  past_cursor integer;
BEGIN
  IF max_depth IS NULL OR max_depth < 0 THEN
    RAISE EXCEPTION 'pickgraph_related_comparisons: max_depth must be 0 or more (got %)', max_depth
      USING ERRCODE = '22023';
  END IF;
  IF max_results IS NOT NULL AND max_results < 0 THEN
    RAISE EXCEPTION 'pickgraph_related_comparisons: max_results must be 0 or more (got %)',
      max_results USING ERRCODE = '22023';
  END IF;
  IF (after_distance IS NULL) <> (after_slug IS NULL) THEN
    RAISE EXCEPTION 'pickgraph_related_comparisons: after_distance and after_slug go together'
      USING ERRCODE = '22023';
  END IF;

  FOR origin IN SELECT c.id FROM comparisons c WHERE c.id = ANY(comparison_ids) ORDER BY c.id LOOP
    SELECT coalesce(array_agg(DISTINCT o.topic_id), '{}') INTO frontier
    FROM options o WHERE o.comparison_id = origin;
    visited := frontier;
    level := 0;
    -- The comparison itself sits in the found list with distance -1 so no level adds it.
    found_ids := ARRAY[origin];
    found_dist := ARRAY[-1];
    LOOP
      SELECT coalesce(array_agg(x.id), '{}') INTO layer_ids
      FROM (
        SELECT o.comparison_id AS id FROM options o WHERE o.topic_id = ANY(frontier)
        EXCEPT
        SELECT v.id FROM unnest(found_ids) AS v(id)
      ) AS x;
      found_ids := found_ids || layer_ids;
      found_dist := found_dist || array_fill(level, ARRAY[cardinality(layer_ids)]);
      EXIT WHEN level >= max_depth OR cardinality(frontier) = 0;
      IF max_results IS NOT NULL THEN
        SELECT count(*) INTO past_cursor
        FROM unnest(found_ids, found_dist) AS u(id, d)
        JOIN comparisons c ON c.id = u.id
        WHERE u.d >= 0
          AND (after_distance IS NULL
               OR u.d > after_distance
               OR (u.d = after_distance AND c.slug COLLATE "C" > after_slug COLLATE "C"));
        EXIT WHEN past_cursor >= max_results;
      END IF;
      SELECT coalesce(array_agg(x.n), '{}') INTO frontier
      FROM (
        SELECT r.to_topic_id AS n FROM topic_relations r WHERE r.from_topic_id = ANY(frontier)
        UNION
        SELECT r.from_topic_id FROM topic_relations r
        WHERE r.to_topic_id = ANY(frontier) AND r.kind = 'RELATED_TO'
        EXCEPT
        SELECT v.id FROM unnest(visited) AS v(id)
      ) AS x;
      visited := visited || frontier;
      level := level + 1;
    END LOOP;
    RETURN QUERY
      SELECT origin, c.id, c.slug, u.d
      FROM unnest(found_ids, found_dist) AS u(id, d)
      JOIN comparisons c ON c.id = u.id
      WHERE u.d >= 0
        AND (after_distance IS NULL
             OR u.d > after_distance
             OR (u.d = after_distance AND c.slug COLLATE "C" > after_slug COLLATE "C"))
      ORDER BY u.d, c.slug COLLATE "C"
      LIMIT max_results;
  END LOOP;
END
$$;
