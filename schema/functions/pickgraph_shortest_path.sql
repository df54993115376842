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
