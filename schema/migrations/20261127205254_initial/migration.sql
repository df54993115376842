CREATE TYPE "relation_kind" AS ENUM('RELATED_TO', 'COMPARED_WITH');--> statement-breakpoint
CREATE TYPE "relation_source" AS ENUM('PAGE', 'EDITOR');--> statement-breakpoint
CREATE TABLE "comparisons" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "comparisons_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL UNIQUE,
	"title" text NOT NULL,
	"category" text NOT NULL,
	"intro" text NOT NULL,
	"pick_option_id" integer,
	"pick_summary" text NOT NULL,
	"bottom_line" text NOT NULL,
	"feedback_contact" text,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "comparisons_slug_format" CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
	CONSTRAINT "comparisons_title_length" CHECK (length("title") BETWEEN 1 AND 500),
	CONSTRAINT "comparisons_category_length" CHECK (length("category") BETWEEN 1 AND 100),
	CONSTRAINT "comparisons_version_positive" CHECK ("version" >= 1)
);
--> statement-breakpoint
CREATE TABLE "option_tags" (
	"option_id" integer,
	"position" smallint,
	"topic_id" integer NOT NULL,
	CONSTRAINT "option_tags_pkey" PRIMARY KEY("option_id","position"),
	CONSTRAINT "option_tags_distinct" UNIQUE("option_id","topic_id")
);
--> statement-breakpoint
CREATE TABLE "options" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "options_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"comparison_id" integer NOT NULL,
	"topic_id" integer NOT NULL,
	"name" text NOT NULL,
	"position" smallint NOT NULL,
	"summary" text NOT NULL,
	"pros" text[] DEFAULT '{}'::text[] NOT NULL,
	"cons" text[] DEFAULT '{}'::text[] NOT NULL,
	"use_if" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "options_position" UNIQUE("comparison_id","position"),
	CONSTRAINT "options_distinct_topics" UNIQUE("comparison_id","topic_id"),
	CONSTRAINT "options_id_comparison" UNIQUE("id","comparison_id"),
	CONSTRAINT "options_position_range" CHECK ("position" >= 0 AND "position" < 16),
	CONSTRAINT "options_name_length" CHECK (length("name") BETWEEN 1 AND 200),
	CONSTRAINT "options_points_no_nulls" CHECK (array_position("pros", NULL) IS NULL AND array_position("cons", NULL) IS NULL)
);
--> statement-breakpoint
CREATE TABLE "topic_aliases" (
	"slug" text PRIMARY KEY,
	"topic_id" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "topic_aliases_slug_format" CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200)
);
--> statement-breakpoint
CREATE TABLE "topic_relations" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "topic_relations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"from_topic_id" integer NOT NULL,
	"to_topic_id" integer NOT NULL,
	"kind" "relation_kind" NOT NULL,
	"weight" double precision DEFAULT 1 NOT NULL,
	"source" "relation_source" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "topic_relations_edge" UNIQUE("from_topic_id","to_topic_id","kind"),
	CONSTRAINT "topic_relations_no_self_loop" CHECK ("from_topic_id" <> "to_topic_id"),
	CONSTRAINT "topic_relations_weight_range" CHECK ("weight" > 0 AND "weight" <= 1000000)
);
--> statement-breakpoint
CREATE TABLE "topics" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "topics_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL UNIQUE,
	"name" text NOT NULL,
	"summary" text,
	"provisional" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "topics_slug_format" CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
	CONSTRAINT "topics_name_length" CHECK (length("name") BETWEEN 1 AND 200)
);
--> statement-breakpoint
CREATE INDEX "option_tags_topic" ON "option_tags" ("topic_id");--> statement-breakpoint
CREATE INDEX "options_topic" ON "options" ("topic_id","comparison_id");--> statement-breakpoint
CREATE INDEX "topic_aliases_topic_id_index" ON "topic_aliases" ("topic_id");--> statement-breakpoint
CREATE INDEX "topic_relations_incoming" ON "topic_relations" ("to_topic_id","kind","from_topic_id");--> statement-breakpoint
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_pick_is_own_option" FOREIGN KEY ("pick_option_id","id") REFERENCES "options"("id","comparison_id");--> statement-breakpoint
ALTER TABLE "option_tags" ADD CONSTRAINT "option_tags_option_id_options_id_fkey" FOREIGN KEY ("option_id") REFERENCES "options"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "option_tags" ADD CONSTRAINT "option_tags_topic_id_topics_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE RESTRICT;--> statement-breakpoint
ALTER TABLE "options" ADD CONSTRAINT "options_comparison_id_comparisons_id_fkey" FOREIGN KEY ("comparison_id") REFERENCES "comparisons"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "options" ADD CONSTRAINT "options_topic_id_topics_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE RESTRICT;--> statement-breakpoint
ALTER TABLE "topic_aliases" ADD CONSTRAINT "topic_aliases_topic_id_topics_id_fkey" FOREIGN KEY ("topic_id") REFERENCES "topics"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "topic_relations" ADD CONSTRAINT "topic_relations_from_topic_id_topics_id_fkey" FOREIGN KEY ("from_topic_id") REFERENCES "topics"("id") ON DELETE CASCADE;--> statement-breakpoint
ALTER TABLE "topic_relations" ADD CONSTRAINT "topic_relations_to_topic_id_topics_id_fkey" FOREIGN KEY ("to_topic_id") REFERENCES "topics"("id") ON DELETE CASCADE;--> statement-breakpoint
CREATE VIEW "topic_comparisons" AS (
  SELECT o.topic_id, o.comparison_id FROM options o
  UNION
  SELECT t.topic_id, o.comparison_id FROM option_tags t JOIN options o ON o.id = t.option_id
);