-- Search (src/graph/search.ts). pg_trgm gives typo tolerance and autocomplete on topic names and
-- comparison titles; PGlite loads its code only when opened with it (src/db/client.ts), on
-- Postgres it is part of contrib.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- A topic's full-text document: name and slug words weigh most (A), the summary less (B). Slug
-- words make slug-ish queries match (`c#` -> `c-sharp` -> c, sharp; `node.js` -> node, js), since
-- the english parser reads `C#` as just `c`. Immutable and reading only its arguments, so an
-- expression index over it can never be stale: no write path has to maintain it.
CREATE OR REPLACE FUNCTION pickgraph_topic_search_vector(name text, slug text, summary text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT setweight(to_tsvector('english'::regconfig, name || ' ' || replace(slug, '-', ' ')), 'A')
      || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B')
$$;
