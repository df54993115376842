-- Comparisons that only imports ever wrote (seeded pages wrote no history, the CLI writes actor
-- 'cli') are as last imported; any other writer's entry means an edit an import must not undo.
UPDATE comparisons c SET imported_version = c.version
WHERE NOT EXISTS (
  SELECT 1 FROM changes ch WHERE ch.comparison_id = c.id AND ch.actor <> 'cli'
);
