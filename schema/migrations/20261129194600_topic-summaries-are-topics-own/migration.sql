-- Topic.summary is the topic's own description (a topic description file or an editor), no
-- longer the text of the first option that named it. Summaries copied from an option of the
-- topic are cleared; summaries an editor wrote differ from every option's and stay. Runs before
-- the topics_summary_length CHECK, which copied option texts could break.
UPDATE topics t SET summary = NULL
WHERE t.summary IS NOT NULL
  AND EXISTS (SELECT 1 FROM options o WHERE o.topic_id = t.id AND o.summary = t.summary);
--> statement-breakpoint
-- Editor summaries longer than the new limit are cut to it rather than failing the migration.
UPDATE topics SET summary = left(summary, 5000) WHERE length(summary) > 5000;
--> statement-breakpoint
UPDATE topics SET summary = NULL WHERE btrim(summary) = '';
