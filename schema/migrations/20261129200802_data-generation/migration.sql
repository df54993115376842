-- One counter that every committed write to the graph bumps, in the writing transaction itself.
-- Response-cache keys carry it: a cached answer is reachable only while the counter is unchanged,
-- so the commit that makes a write visible also retires every cached answer at once, in every
-- process on every machine, whatever path wrote (GraphQL, CLI import, seed, psql).
-- A row update, not a sequence: a sequence moves before commit and out of commit order.
CREATE TABLE "data_generation" (
	"id" integer PRIMARY KEY DEFAULT 1 CHECK ("id" = 1),
	"seq" bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO "data_generation" ("id", "seq") VALUES (1, 1);
--> statement-breakpoint
CREATE FUNCTION "bump_data_generation"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "data_generation" SET "seq" = "seq" + 1 WHERE "id" = 1;
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "topics_bump_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "topics" FOR EACH STATEMENT EXECUTE FUNCTION "bump_data_generation"();
--> statement-breakpoint
CREATE TRIGGER "topic_aliases_bump_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "topic_aliases" FOR EACH STATEMENT EXECUTE FUNCTION "bump_data_generation"();
--> statement-breakpoint
CREATE TRIGGER "topic_relations_bump_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "topic_relations" FOR EACH STATEMENT EXECUTE FUNCTION "bump_data_generation"();
--> statement-breakpoint
CREATE TRIGGER "comparisons_bump_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "comparisons" FOR EACH STATEMENT EXECUTE FUNCTION "bump_data_generation"();
--> statement-breakpoint
CREATE TRIGGER "options_bump_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "options" FOR EACH STATEMENT EXECUTE FUNCTION "bump_data_generation"();
--> statement-breakpoint
CREATE TRIGGER "option_tags_bump_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "option_tags" FOR EACH STATEMENT EXECUTE FUNCTION "bump_data_generation"();
--> statement-breakpoint
CREATE TRIGGER "changes_bump_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "changes" FOR EACH STATEMENT EXECUTE FUNCTION "bump_data_generation"();
--> statement-breakpoint
CREATE TRIGGER "feedback_bump_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "feedback" FOR EACH STATEMENT EXECUTE FUNCTION "bump_data_generation"();
