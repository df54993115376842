-- The distinct words of every existing comparison (comparison_search.words, added empty by
-- search-comparison-words); the importer and setPick write them from now on.
UPDATE comparison_search s SET words = w.words
FROM pickgraph_comparison_search_words(ARRAY(SELECT comparison_id FROM comparison_search)) w
WHERE w.comparison_id = s.comparison_id;
