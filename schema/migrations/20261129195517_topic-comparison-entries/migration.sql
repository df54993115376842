CREATE TABLE "topic_comparison_entries" (
	"topic_id" integer,
	"comparison_id" integer,
	"comparison_slug" text NOT NULL,
	CONSTRAINT "topic_comparison_entries_pkey" PRIMARY KEY("topic_id","comparison_id")
);
--> statement-breakpoint
CREATE INDEX "topic_comparison_entries_by_slug" ON "topic_comparison_entries" ("topic_id","comparison_slug","comparison_id");--> statement-breakpoint
CREATE INDEX "topic_comparison_entries_comparison" ON "topic_comparison_entries" ("comparison_id");--> statement-breakpoint
ALTER TABLE "topic_comparison_entries" ADD CONSTRAINT "topic_comparison_entries_topic_id_topics_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "topic_comparison_entries" ADD CONSTRAINT "topic_comparison_entries_comparison_id_comparisons_id_fkey" FOREIGN KEY ("comparison_id") REFERENCES "comparisons"("id") ON DELETE CASCADE;--> statement-breakpoint
-- Existing pages get their entries now; from here on every page write keeps them current.
INSERT INTO "topic_comparison_entries" ("topic_id", "comparison_id", "comparison_slug")
SELECT tc.topic_id, tc.comparison_id, c.slug
FROM "topic_comparisons" tc JOIN "comparisons" c ON c.id = tc.comparison_id;
