-- topic_comparison_counts follows topic_comparison_entries from here on (the function is in
-- schema/functions/pickgraph_count_topic_comparisons.sql); the rows already there are counted once.
CREATE TRIGGER topic_comparison_entries_count_added
AFTER INSERT ON topic_comparison_entries
REFERENCING NEW TABLE AS changed_entries
FOR EACH STATEMENT EXECUTE FUNCTION pickgraph_count_topic_comparisons();
--> statement-breakpoint
CREATE TRIGGER topic_comparison_entries_count_removed
AFTER DELETE ON topic_comparison_entries
REFERENCING OLD TABLE AS changed_entries
FOR EACH STATEMENT EXECUTE FUNCTION pickgraph_count_topic_comparisons();
--> statement-breakpoint
CREATE TRIGGER topic_comparison_entries_count_emptied
AFTER TRUNCATE ON topic_comparison_entries
FOR EACH STATEMENT EXECUTE FUNCTION pickgraph_count_topic_comparisons();
--> statement-breakpoint
CREATE TRIGGER topic_comparison_entries_never_moved
BEFORE UPDATE OF topic_id ON topic_comparison_entries
FOR EACH ROW EXECUTE FUNCTION pickgraph_count_topic_comparisons();
--> statement-breakpoint
INSERT INTO topic_comparison_counts (topic_id, comparisons)
SELECT topic_id, count(*)::int FROM topic_comparison_entries GROUP BY topic_id;
