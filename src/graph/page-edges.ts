import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";

// Any constant works; it only has to be the same in every pickgraph process.
const PAGE_WRITE_LOCK = 7_201_442_020;

/**
 * Serialises every write that changes pages (imports, edits, deletes, merges) until the caller's
 * transaction ends. Edges are rebuilt from the pages each writer can see; two writers rebuilding
 * at once on Postgres would each miss the other's pages and leave weights or edges wrong. Writes
 * are rare next to reads, so one lock is the simplest thing that is correct; reads never take it.
 */
export async function lockPageWrites(db: Db): Promise<void> {
  await db.execute(sql`SELECT pg_advisory_xact_lock(${PAGE_WRITE_LOCK})`);
}

/**
 * Rebuilds the edges that page content implies around the given topics, inside the caller's
 * transaction: RELATED_TO from each option's topic to its tags, COMPARED_WITH both ways between
 * the options of one comparison. Weight counts the pages that assert an edge. Edges set by an
 * editor are left alone and win over a derived edge between the same topics.
 */
export async function syncPageEdges(db: Db, topicIds: number[]): Promise<void> {
  if (topicIds.length === 0) return;
  await lockPageWrites(db);
  const touched = sql`${sql.param(topicIds)}::int[]`;
  await db.execute(sql`
    DELETE FROM topic_relations
    WHERE source = 'PAGE' AND (
      (kind = 'RELATED_TO' AND from_topic_id = ANY(${touched}))
      OR (kind = 'COMPARED_WITH' AND (from_topic_id = ANY(${touched}) OR to_topic_id = ANY(${touched}))))
  `);
  await db.execute(sql`
    INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)
    SELECT o.topic_id, t.topic_id, 'RELATED_TO'::relation_kind, count(*), 'PAGE'::relation_source
    FROM option_tags t JOIN options o ON o.id = t.option_id
    WHERE o.topic_id = ANY(${touched}) AND o.topic_id <> t.topic_id
    GROUP BY o.topic_id, t.topic_id
    UNION ALL
    SELECT a.topic_id, b.topic_id, 'COMPARED_WITH'::relation_kind, count(*), 'PAGE'::relation_source
    FROM options a JOIN options b ON b.comparison_id = a.comparison_id AND b.topic_id <> a.topic_id
    WHERE a.topic_id = ANY(${touched}) OR b.topic_id = ANY(${touched})
    GROUP BY a.topic_id, b.topic_id
    ON CONFLICT (from_topic_id, to_topic_id, kind) DO NOTHING
  `);
  await syncTopicComparisonEntries(db, touched);
}

/**
 * Rebuilds the `topic_comparison_entries` rows of every comparison that has one of the touched
 * topics as an option or as a tag, and drops the touched topics' rows that no longer hold: writers
 * pass the option topics of the pages they changed (old and new) and merges pass the survivor, so
 * every changed comparison is among them. Deleted comparisons and topics lose their rows by cascade.
 */
async function syncTopicComparisonEntries(db: Db, touched: SQL): Promise<void> {
  const affected = sql`(
    SELECT o.comparison_id FROM options o WHERE o.topic_id = ANY(${touched})
    UNION
    SELECT o.comparison_id FROM option_tags t JOIN options o ON o.id = t.option_id
    WHERE t.topic_id = ANY(${touched}))`;
  await db.execute(sql`
    DELETE FROM topic_comparison_entries
    WHERE topic_id = ANY(${touched}) OR comparison_id IN ${affected}`);
  await db.execute(sql`
    INSERT INTO topic_comparison_entries
      (topic_id, comparison_id, comparison_slug, relevance, updated_at)
    SELECT x.topic_id, x.comparison_id, c.slug, sum(x.points)::int, c.updated_at
    FROM (${TIES}) x JOIN comparisons c ON c.id = x.comparison_id
    WHERE x.comparison_id IN ${affected}
    GROUP BY x.topic_id, x.comparison_id, c.slug, c.updated_at`);
}

/**
 * Each tie of a topic to a comparison with its points; summed per (topic, comparison) they are
 * the entry's relevance: 100 for being one of the comparison's options (an option always ranks
 * above a tag), plus 1 for each option that tags the topic (option_tags is unique per option and
 * topic, and a comparison has at most 16 options, so tags never add up to an option's 100).
 * The backfill migration (topic-comparison-entries-order-backfill) repeats this definition.
 */
const TIES = sql.raw(`
  SELECT o.topic_id, o.comparison_id, 100 AS points FROM options o
  UNION ALL
  SELECT t.topic_id, o.comparison_id, 1 AS points
  FROM option_tags t JOIN options o ON o.id = t.option_id`);
