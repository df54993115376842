-- Search (src/search/search.ts) as a PL/pgSQL function, so that its one large statement is planned
-- once per connection instead of on every search: planning it took 3 to 9 ms, often more than
-- running it. PL/pgSQL keeps the plan of each statement for the life of the connection; with
-- plan_cache_mode = force_generic_plan it plans that statement once for any query text, so every
-- arm below is written to need no knowledge of the query's values: prefixes as a btree range
-- (not LIKE, which needs a constant to use an index), words through the GIN indexes (bitmap scans
-- whose cost follows the matches, never an ordered scan that filters until it finds 50), trigrams
-- through the GiST indexes.
--
-- What it ranks and how is described at `search` in src/search/search.ts. It returns the ranked
-- page: each row a result's type, id, score and slug, the total number of ranked candidates on
-- every row (one row with a null type when nothing matched), and, when highlights are asked for,
-- the result's fields (names and texts in reading order, JSON arrays: JavaScript parses JSON
-- fastest) and, on every row, the page's lexicon: its distinct space-separated words, and the
-- same words joined by chr(1) and run once through ts_headline with matches wrapped in chr(2)
-- and chr(3). search.ts rebuilds each field's highlighted text from its words. hit_matches is
-- null but for synonym phrases (see `phrases`).
CREATE OR REPLACE FUNCTION pickgraph_search(
  query_all text,
  query_tiers text[],
  query_any text,
  query_text text,
  query_slug text,
  want_topics boolean,
  want_comparisons boolean,
  candidates integer,
  page_limit integer,
  page_offset integer,
  want_highlights boolean
) RETURNS TABLE (
  hit_total integer,
  hit_type text,
  hit_id integer,
  hit_score double precision,
  hit_slug text,
  hit_fields json,
  hit_bodies json,
  hit_matches json,
  hit_words json,
  hit_marked text
)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  tsq tsquery := to_tsquery('english', query_all);
  -- The same words restricted to the A, B and C parts of a document: `document @@ tsq_a` is
  -- `ts_filter(document, '{a}') @@ tsq` without copying the document.
  tsq_a tsquery := to_tsquery('english', query_tiers[1]);
  tsq_b tsquery := to_tsquery('english', query_tiers[2]);
  tsq_c tsquery := to_tsquery('english', query_tiers[3]);
  anyq tsquery := to_tsquery('english', query_any);
  -- Every text starting with query_text sorts (byte-wise, as text_pattern_ops does) from
  -- query_text up to query_text followed by the highest code point.
  text_upper text := query_text || chr(1114111);
  -- A synonym phrase (`pm` -> product <-> manager): ts_headline marks each of its words wherever
  -- it stands, but a field matches only where the words stand together.
  phrases boolean := strpos(query_any, '<->') > 0;
  -- `a <% b` is `word_similarity(a, b) >= this` (pg_trgm): scoring computes the similarity once.
  -- Its setting exists once pg_trgm's library is loaded, which calling one of its functions does.
  trgm_loaded real := word_similarity('', '');
  word_threshold float8 := current_setting('pg_trgm.word_similarity_threshold')::float8;
BEGIN
  RETURN QUERY
  WITH exact AS (
    SELECT 'Topic' AS type, t.id FROM topics t WHERE want_topics AND t.slug = query_slug
    UNION SELECT 'Topic', a.topic_id FROM topic_aliases a
    WHERE want_topics AND a.slug = query_slug
    UNION SELECT 'Comparison', c.id FROM comparisons c
    WHERE want_comparisons AND c.slug = query_slug
  ),
  topic_hits AS (
    (SELECT t.id FROM topics t
     WHERE want_topics
       AND lower(t.name) ~>=~ query_text AND lower(t.name) ~<~ text_upper
       AND starts_with(lower(t.name), query_text)
       AND pickgraph_topic_search_vector(t.name, t.slug, t.summary) @@ tsq
     ORDER BY length(t.name), t.id LIMIT candidates)
    UNION
    (SELECT t.id FROM topics t
     WHERE want_topics
       AND ts_filter(pickgraph_topic_search_vector(t.name, t.slug, t.summary), '{a}') @@ tsq
     ORDER BY length(t.name), t.id LIMIT candidates)
    UNION
    (SELECT t.id FROM topics t
     WHERE want_topics AND pickgraph_topic_search_vector(t.name, t.slug, t.summary) @@ tsq
     ORDER BY length(t.name), t.id LIMIT candidates)
  ),
  -- The first comparisons (by id) whose document holds every word, in two steps that give the
  -- same rows: words that most documents hold (prose, `teams production`) fill the list from
  -- the first few hundred ids, where the GIN bitmap would hand over every one of thousands of
  -- matches to be sorted; rarer words go to the bitmap, whose cost follows the matches.
  comparison_probe AS MATERIALIZED (
    SELECT x.comparison_id FROM (
      SELECT s.comparison_id, s.document FROM comparison_search s
      WHERE want_comparisons ORDER BY s.comparison_id LIMIT 4 * candidates
    ) x
    WHERE x.document @@ tsq
    ORDER BY x.comparison_id LIMIT candidates
  ),
  comparison_documents AS (
    SELECT cp.comparison_id FROM comparison_probe cp
    WHERE (SELECT count(*) FROM comparison_probe) = candidates
    UNION ALL
    (SELECT s.comparison_id FROM comparison_search s
     WHERE want_comparisons AND (SELECT count(*) FROM comparison_probe) < candidates
       AND s.document @@ tsq
     ORDER BY s.comparison_id + 0 LIMIT candidates)
  ),
  comparison_hits AS (
    -- Titles starting with the text, shortest first, whose title words hold every query word:
    -- the documents are read in that order, one at a time, until enough are found (a short
    -- prefix starts hundreds of titles; reading every one of their documents cost 2 ms).
    (SELECT pt.id FROM (
       SELECT c.id, length(c.title) AS len FROM comparisons c
       WHERE want_comparisons
         AND lower(c.title) ~>=~ query_text AND lower(c.title) ~<~ text_upper
         AND starts_with(lower(c.title), query_text)
       ORDER BY length(c.title), c.id OFFSET 0
     ) pt
     WHERE (SELECT s.document @@ tsq_a FROM comparison_search s WHERE s.comparison_id = pt.id)
     ORDER BY pt.len, pt.id LIMIT candidates)
    UNION
    -- `+ 0`: never walk the primary key in order, filtering until 50 match (the generic plan's
    -- choice, as it cannot know how common the words are): for words that few documents hold
    -- that reads every document. The GIN bitmap's cost follows the matches instead.
    (SELECT s.comparison_id FROM comparison_search s
     WHERE want_comparisons AND ts_filter(s.document, '{a}') @@ tsq
     ORDER BY s.comparison_id + 0 LIMIT candidates)
    UNION
    SELECT cd.comparison_id FROM comparison_documents cd
  ),
  found AS (
    SELECT e.type, e.id FROM exact e
    UNION SELECT 'Topic', th.id FROM topic_hits th
    UNION SELECT 'Comparison', ch.id FROM comparison_hits ch
  ),
  -- Trigram candidates (typos) only when the words as typed match nothing: a "did you mean",
  -- the names and titles closest by word similarity within pg_trgm's threshold.
  hits AS (
    SELECT f.type, f.id FROM found f
    UNION ALL
    (SELECT 'Topic', t.id FROM topics t
     WHERE want_topics AND NOT EXISTS (SELECT 1 FROM found) AND query_text <% t.name
     ORDER BY query_text <<-> t.name, t.id LIMIT candidates)
    UNION ALL
    (SELECT 'Comparison', c.id FROM comparisons c
     WHERE want_comparisons AND NOT EXISTS (SELECT 1 FROM found) AND query_text <% c.title
     ORDER BY query_text <<-> c.title, c.id LIMIT candidates)
  ),
  documents AS (
    SELECT 'Topic' AS type, t.id, t.slug, t.name AS label,
           pickgraph_topic_search_vector(t.name, t.slug, t.summary) AS document,
           t.slug = query_slug OR EXISTS (
             SELECT 1 FROM topic_aliases a WHERE a.topic_id = t.id AND a.slug = query_slug
           ) AS exact
    FROM hits h JOIN topics t ON t.id = h.id AND h.type = 'Topic'
    UNION ALL
    SELECT 'Comparison', c.id, c.slug, c.title, s.document, c.slug = query_slug
    FROM hits h
    JOIN comparisons c ON c.id = h.id AND h.type = 'Comparison'
    JOIN comparison_search s ON s.comparison_id = c.id
  ),
  scored AS (
    SELECT d.type, d.id, d.slug, round((
        8 * d.exact::int
      + 2 * (left(lower(d.label), length(query_text)) = query_text
             OR left(d.slug, length(query_slug)) = query_slug)::int
      + CASE WHEN d.document @@ tsq_a THEN 4
             WHEN d.document @@ tsq_b THEN 2
             WHEN d.document @@ tsq_c THEN 1
             ELSE 0 END
      + similarity(query_text, d.label)
      + 0.25 * ts_rank(d.document, tsq)
      + CASE WHEN d.word_similarity >= word_threshold THEN d.word_similarity ELSE 0 END
      )::numeric, 6)::float8 AS score
    -- OFFSET 0: computed once per row, not pulled up into the two places that read it.
    FROM (SELECT dd.*, word_similarity(query_text, dd.label) AS word_similarity
          FROM documents dd OFFSET 0) d
  ),
  page AS (
    SELECT sc.type, sc.id, sc.slug, sc.score FROM scored sc
    ORDER BY sc.score DESC, sc.type DESC, sc.slug
    LIMIT page_limit OFFSET page_offset
  ),
  -- The fields of the page's results, in reading order, when highlights are asked for.
  fields AS MATERIALIZED (
    SELECT p.type, p.id, f.ord, f.position, f.item, f.field, f.body
    FROM page p, LATERAL (
      SELECT 1 AS ord, 0 AS position, 0 AS item, 'name' AS field, t.name AS body
      FROM topics t WHERE p.type = 'Topic' AND t.id = p.id
      UNION ALL
      SELECT 2, 0, 0, 'summary', t.summary
      FROM topics t WHERE p.type = 'Topic' AND t.id = p.id AND t.summary IS NOT NULL
      UNION ALL
      SELECT 1, 0, 0, 'title', c.title
      FROM comparisons c WHERE p.type = 'Comparison' AND c.id = p.id
      UNION ALL
      SELECT 2, 0, 0, 'intro', c.intro
      FROM comparisons c WHERE p.type = 'Comparison' AND c.id = p.id
      UNION ALL
      SELECT 3, o.position, 0, 'summary', o.summary
      FROM options o
      WHERE p.type = 'Comparison' AND o.comparison_id = p.id AND o.summary IS NOT NULL
      UNION ALL
      SELECT 4, o.position, x.n::int, 'pros', x.body
      FROM options o, unnest(o.pros) WITH ORDINALITY AS x(body, n)
      WHERE p.type = 'Comparison' AND o.comparison_id = p.id
      UNION ALL
      SELECT 5, o.position, x.n::int, 'cons', x.body
      FROM options o, unnest(o.cons) WITH ORDINALITY AS x(body, n)
      WHERE p.type = 'Comparison' AND o.comparison_id = p.id
      UNION ALL
      SELECT 6, o.position, 0, 'verdict', o.use_if
      FROM options o
      WHERE p.type = 'Comparison' AND o.comparison_id = p.id AND o.use_if IS NOT NULL
      UNION ALL
      SELECT 7, 0, 0, 'verdict', c.pick_summary
      FROM comparisons c WHERE p.type = 'Comparison' AND c.id = p.id
      UNION ALL
      SELECT 8, 0, 0, 'verdict', c.bottom_line
      FROM comparisons c WHERE p.type = 'Comparison' AND c.id = p.id
    ) f
    WHERE want_highlights
  ),
  -- Every distinct space-separated word of those fields, highlighted once: ts_headline marks
  -- each token that matches a query word on its own, and no token spans a space, so a field's
  -- highlighted text is its words, each replaced by its highlighted form (src/search/search.ts).
  -- Parsing the distinct words instead of every field is what keeps highlights cheap: twenty
  -- comparisons hold some 9,000 words, a few hundred distinct ones.
  lexicon AS MATERIALIZED (
    -- Both aggregates read the same rows in the same order, so words and marked words align.
    -- A comparison's distinct words are stored with its document (comparison_search.words, the
    -- words of the same fields): unnesting twenty of those and deduplicating them costs half of
    -- splitting their fields, some 8,000 words. Topics' two fields are split here.
    SELECT json_agg(d.word) AS words,
           ts_headline('english', string_agg(d.word, chr(1)), anyq,
             'HighlightAll=true, StartSel=' || chr(2) || ', StopSel=' || chr(3)) AS marked
    FROM unnest((
      SELECT array_agg(DISTINCT w.word COLLATE "C")
      FROM (
        SELECT x.word
        FROM page p
        JOIN comparison_search s ON s.comparison_id = p.id, unnest(s.words) AS x(word)
        WHERE want_highlights AND p.type = 'Comparison'
        UNION ALL
        SELECT x.word
        FROM fields fl, string_to_table(fl.body, ' ') AS x(word)
        WHERE fl.type = 'Topic'
      ) w
    )) AS d(word)
    WHERE d.word <> '' AND strpos(d.word, chr(1)) = 0 AND strpos(d.word, chr(2)) = 0
      AND strpos(d.word, chr(3)) = 0
  ),
  grouped AS (
    SELECT fl.type, fl.id,
           json_agg(fl.field ORDER BY fl.ord, fl.position, fl.item) AS names,
           json_agg(fl.body ORDER BY fl.ord, fl.position, fl.item) AS bodies,
           json_agg(CASE WHEN phrases AND fl.ord > 1
                          THEN to_tsvector('english', fl.body) @@ anyq END
                     ORDER BY fl.ord, fl.position, fl.item) AS matches
    FROM fields fl GROUP BY fl.type, fl.id
  )
  -- The page's lexicon once, on its first row: search.ts reads it there.
  SELECT n.total, p.type, p.id, p.score::float8, p.slug, g.names, g.bodies, g.matches,
         CASE WHEN p.first AND want_highlights THEN l.words END,
         CASE WHEN p.first AND want_highlights THEN l.marked END
  FROM (SELECT count(*)::int AS total FROM scored) n
  LEFT JOIN (
    SELECT pg.*, row_number() OVER (ORDER BY pg.score DESC, pg.type DESC, pg.slug) = 1 AS first
    FROM page pg
  ) p ON true
  LEFT JOIN grouped g ON g.type = p.type AND g.id = p.id
  LEFT JOIN lexicon l ON true
  ORDER BY p.score DESC, p.type DESC, p.slug;
END
$$;
