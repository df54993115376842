DROP INDEX "comparisons_title_trigram_tree";--> statement-breakpoint
CREATE INDEX "comparisons_title_trigrams" ON "comparisons" USING gin ("title" gin_trgm_ops);