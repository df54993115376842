DROP INDEX "comparisons_title_trigrams";--> statement-breakpoint
DROP INDEX "topics_name_trigrams";--> statement-breakpoint
CREATE INDEX "comparison_search_title" ON "comparison_search" USING gin (ts_filter("document", '{a}'));--> statement-breakpoint
CREATE INDEX "comparisons_title_prefix" ON "comparisons" (lower("title") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "comparisons_title_trigram_tree" ON "comparisons" USING gist ("title" gist_trgm_ops);--> statement-breakpoint
CREATE INDEX "topics_name_search" ON "topics" USING gin (ts_filter(pickgraph_topic_search_vector("name", "slug", "summary"), '{a}'));--> statement-breakpoint
CREATE INDEX "topics_name_prefix" ON "topics" (lower("name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "topics_name_trigram_tree" ON "topics" USING gist ("name" gist_trgm_ops);