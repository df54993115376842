CREATE TABLE "api_tokens" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"name" text NOT NULL UNIQUE,
	"token_hash" text NOT NULL UNIQUE,
	"scopes" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_name_format" CHECK ("name" ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
	CONSTRAINT "api_tokens_scopes_known" CHECK ("scopes" <@ ARRAY['editor', 'admin']::text[]),
	CONSTRAINT "api_tokens_scopes_present" CHECK (cardinality("scopes") > 0)
);
--> statement-breakpoint
CREATE TABLE "changes" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"comparison_id" integer,
	"topic_id" integer,
	"subject" text NOT NULL,
	"version" integer,
	"summary" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "feedback" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "feedback_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"comparison_id" integer NOT NULL,
	"preferred_option_id" integer NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feedback_comment_length" CHECK (length("comment") <= 2000)
);
--> statement-breakpoint
CREATE INDEX "changes_comparison" ON "changes" ("comparison_id","id");--> statement-breakpoint
CREATE INDEX "changes_topic" ON "changes" ("topic_id","id");--> statement-breakpoint
CREATE INDEX "feedback_comparison" ON "feedback" ("comparison_id","preferred_option_id");--> statement-breakpoint
ALTER TABLE "changes" ADD CONSTRAINT "changes_comparison_id_comparisons_id_fkey" FOREIGN KEY ("comparison_id") REFERENCES "comparisons"("id") ON DELETE SET NULL;--> statement-breakpoint
ALTER TABLE "changes" ADD CONSTRAINT "changes_topic_id_topics_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE SET NULL;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_comparison_id_comparisons_id_fkey" FOREIGN KEY ("comparison_id") REFERENCES "comparisons"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_option_of_comparison" FOREIGN KEY ("preferred_option_id","comparison_id") REFERENCES "options"("id","comparison_id") ON DELETE CASCADE;