CREATE TABLE "topic_comparison_counts" (
	"topic_id" integer PRIMARY KEY,
	"comparisons" integer NOT NULL,
	CONSTRAINT "topic_comparison_counts_not_negative" CHECK ("comparisons" >= 0)
);
--> statement-breakpoint
ALTER TABLE "topic_comparison_counts" ADD CONSTRAINT "topic_comparison_counts_topic_id_topics_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE CASCADE;