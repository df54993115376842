ALTER TABLE "topic_comparison_entries" ADD COLUMN "relevance" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "topic_comparison_entries" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "topic_comparison_entries_by_relevance" ON "topic_comparison_entries" ("topic_id","relevance" DESC NULLS LAST,"comparison_slug");--> statement-breakpoint
CREATE INDEX "topic_comparison_entries_by_updated" ON "topic_comparison_entries" ("topic_id","updated_at" DESC NULLS LAST,"comparison_slug");