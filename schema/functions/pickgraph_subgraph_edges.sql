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
