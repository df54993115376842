-- Each topic's neighbours as seen from that topic: every edge outgoing, and every asymmetric edge
-- incoming. COMPARED_WITH is stored both ways, so its incoming copy is left out.
CREATE VIEW "topic_links" AS
  SELECT r.from_topic_id AS topic_id, r.to_topic_id AS neighbor_id, n.slug AS neighbor_slug,
         r.kind::text AS kind, r.weight, true AS outgoing
  FROM topic_relations r JOIN topics n ON n.id = r.to_topic_id
  UNION ALL
  SELECT r.to_topic_id, r.from_topic_id, n.slug, r.kind::text, r.weight, false
  FROM topic_relations r JOIN topics n ON n.id = r.from_topic_id
  WHERE r.kind <> 'COMPARED_WITH';
