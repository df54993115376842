CREATE TABLE "comparison_search" (
	"comparison_id" integer PRIMARY KEY,
	"document" tsvector NOT NULL
);
--> statement-breakpoint
CREATE INDEX "comparison_search_document" ON "comparison_search" USING gin ("document");--> statement-breakpoint
CREATE INDEX "comparisons_title_trigrams" ON "comparisons" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "topics_search" ON "topics" USING gin (pickgraph_topic_search_vector("name", "slug", "summary"));--> statement-breakpoint
CREATE INDEX "topics_name_trigrams" ON "topics" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
ALTER TABLE "comparison_search" ADD CONSTRAINT "comparison_search_comparison_id_comparisons_id_fkey" FOREIGN KEY ("comparison_id") REFERENCES "comparisons"("id") ON DELETE CASCADE;