-- Response caches that need no round trip on a hit (issue 13). Each server process keeps the data
-- generation in memory, told of every change by NOTIFY (sent at commit by the bump below), and
-- registers here with the generation it has taken in ("acked") and a lease. A writer answers only
-- once every process with a live lease has acked the writer's generation; a process that cannot
-- renew its lease (it lost the primary, or stalls) stops answering from its cache before the lease
-- runs out. See src/db/cache-coherence.ts.
CREATE OR REPLACE FUNCTION "bump_data_generation"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "data_generation" SET "seq" = "seq" + 1 WHERE "id" = 1;
	-- One payload for all: Postgres folds equal notifications of a transaction into one, so a
	-- large import sends one message, delivered when (and only if) it commits.
	PERFORM pg_notify('pickgraph_data_generation', '');
	RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TABLE "cache_processes" (
	"id" text PRIMARY KEY,
	"acked_generation" bigint NOT NULL,
	"lease_until" timestamptz NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"registered_at" timestamptz NOT NULL DEFAULT now()
);
