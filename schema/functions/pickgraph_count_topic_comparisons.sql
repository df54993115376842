-- Keeps topic_comparison_counts equal to the number of topic_comparison_entries rows of each
-- topic. Statement triggers with a transition table named changed_entries: AFTER INSERT adds the
-- new rows per topic, AFTER DELETE (cascades from deleted topics and comparisons included)
-- subtracts the old ones. A deleted topic's count row goes with it by cascade, so a delete only
-- updates rows that are still there. AFTER TRUNCATE empties the counts with the entries. Entries
-- are rebuilt by delete and insert, never moved to another topic: a row trigger refuses an
-- UPDATE of topic_id rather than let the counts drift.
CREATE OR REPLACE FUNCTION pickgraph_count_topic_comparisons()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO topic_comparison_counts AS k (topic_id, comparisons)
    SELECT e.topic_id, count(*)::int FROM changed_entries e GROUP BY e.topic_id
    ON CONFLICT (topic_id) DO UPDATE SET comparisons = k.comparisons + excluded.comparisons;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE topic_comparison_counts AS k SET comparisons = k.comparisons - d.n
    FROM (SELECT e.topic_id, count(*)::int AS n FROM changed_entries e GROUP BY e.topic_id) AS d
    WHERE k.topic_id = d.topic_id;
  ELSIF TG_OP = 'TRUNCATE' THEN
    -- Not TRUNCATE: a TRUNCATE ... CASCADE of topics empties this table in the same statement.
    DELETE FROM topic_comparison_counts;
  ELSE
    RAISE EXCEPTION 'topic_comparison_entries.topic_id is never updated (delete and insert the entry instead): topic_comparison_counts would drift';
  END IF;
  RETURN NULL;
END
$$;
