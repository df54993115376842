import { sql } from "drizzle-orm";
import { type Db, selectRows } from "../src/db/client.ts";

export interface GraphSize {
  /** Topics to create; ids run from 1 to `topics`. */
  topics: number;
  /** Edge rows to aim for (COMPARED_WITH counts twice); duplicates drawn are dropped. */
  edges: number;
  /** Seeds Postgres' random(); the same seed and size give the same graph. */
  seed?: number;
}

export interface GeneratedGraph {
  topics: number;
  edges: number;
  relatedTo: number;
  comparedWith: number;
  /** Distinct neighbours per topic (both kinds, both ways). */
  degree: { max: number; p50: number; p99: number; p999: number; isolated: number };
  milliseconds: number;
}

/** Share of edge rows that are RELATED_TO; the rest are COMPARED_WITH pairs, stored both ways. */
const RELATED_SHARE = 0.65;
// Drawn edges that collide with one already drawn are dropped; draw a little more to make up.
const OVERDRAW = 1.04;

/**
 * Fills an empty, migrated Postgres database with a power-law graph, inside Postgres. Endpoints are
 * drawn by rank with `floor(n * random() ^ a)`, whose density falls as rank^(1/a - 1): a few ranks
 * take a large share of all edges (RELATED_TO targets most of all, as popular tags do). Ranks map
 * to ids through a multiplicative permutation so hubs are spread over the id range instead of
 * sitting at the lowest ids, where lowest-id tie-breaks would favour them.
 *
 * Needs a superuser: foreign-key triggers are skipped for the load and the edge indexes built
 * after it, which is many times faster than checking a million rows one by one.
 */
export async function generateGraph(db: Db, size: GraphSize): Promise<GeneratedGraph> {
  const started = performance.now();
  const n = Math.floor(size.topics);
  if (n < 2) throw new Error("the graph needs at least 2 topics");
  const relatedRows = Math.round(size.edges * RELATED_SHARE * OVERDRAW);
  const comparedPairs = Math.round((size.edges * (1 - RELATED_SHARE) * OVERDRAW) / 2);
  // A prime above any topic count used here, so rank -> id is a permutation of 1..n.
  const prime = 2_147_483_629;
  const seed = (((size.seed ?? 42) % 1000) + 1000) % 1000;
  const offset = Math.floor(n / 3) + 7;
  const id = (exponent: number) =>
    sql.raw(
      `(((floor(${n} * random() ^ ${exponent})::bigint + ${offset}) * ${prime}) % ${n} + 1)::int`,
    );

  await db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL session_replication_role = replica`);
    await tx.execute(sql`SET LOCAL max_parallel_workers_per_gather = 0`);
    await tx.execute(sql`SET LOCAL maintenance_work_mem = '256MB'`);
    await tx.execute(sql`SET LOCAL work_mem = '256MB'`);
    await tx.execute(sql.raw(`SELECT setseed(${seed / 1000})`));
    await tx.execute(sql`
      INSERT INTO topics (id, slug, name) OVERRIDING SYSTEM VALUE
      SELECT g, 'topic-' || g, 'Topic ' || g FROM generate_series(1, ${n}::int) AS g
    `);
    await tx.execute(sql`SELECT setval(pg_get_serial_sequence('topics', 'id'), ${n}::int)`);
    await tx.execute(sql`ALTER TABLE topic_relations DROP CONSTRAINT topic_relations_edge`);
    await tx.execute(sql`DROP INDEX topic_relations_incoming`);
    await tx.execute(sql`
      INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)
      SELECT a, b, 'RELATED_TO', w, 'PAGE'
      FROM (
        SELECT DISTINCT ON (a, b) a, b, w
        FROM (
          SELECT ${id(1.5)} AS a, ${id(3)} AS b, 1 + floor(random() * 5) AS w
          FROM generate_series(1, ${relatedRows}::int)
        ) AS drawn
        WHERE a <> b
        ORDER BY a, b
      ) AS edges
    `);
    await tx.execute(sql`
      INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)
      SELECT e.a, e.b, 'COMPARED_WITH', e.w, 'PAGE'
      FROM (
        SELECT DISTINCT ON (least(a, b), greatest(a, b))
               least(a, b) AS a, greatest(a, b) AS b, w
        FROM (
          SELECT ${id(2)} AS a, ${id(2)} AS b, 1 + floor(random() * 5) AS w
          FROM generate_series(1, ${comparedPairs}::int)
        ) AS drawn
        WHERE a <> b
        ORDER BY least(a, b), greatest(a, b)
      ) AS pairs
      CROSS JOIN LATERAL (VALUES (pairs.a, pairs.b, pairs.w), (pairs.b, pairs.a, pairs.w)) AS e(a, b, w)
    `);
    await tx.execute(sql`
      ALTER TABLE topic_relations
      ADD CONSTRAINT topic_relations_edge UNIQUE (from_topic_id, to_topic_id, kind)
    `);
    await tx.execute(sql`
      CREATE INDEX topic_relations_incoming ON topic_relations (to_topic_id, kind, from_topic_id)
    `);
  });
  await db.execute(sql`VACUUM ANALYZE topics`);
  await db.execute(sql`VACUUM ANALYZE topic_relations`);

  const [counts] = await selectRows<{ related: number; compared: number }>(
    db,
    sql`
      SELECT count(*) FILTER (WHERE kind = 'RELATED_TO')::int AS related,
             count(*) FILTER (WHERE kind = 'COMPARED_WITH')::int AS compared
      FROM topic_relations
    `,
  );
  const [degree] = await selectRows<GeneratedGraph["degree"]>(
    db,
    sql`
      WITH links AS (
        SELECT from_topic_id AS t, to_topic_id AS u FROM topic_relations
        UNION
        SELECT to_topic_id, from_topic_id FROM topic_relations
      ),
      d AS (
        SELECT t.id, count(l.u) AS degree
        FROM topics t LEFT JOIN links l ON l.t = t.id
        GROUP BY t.id
      )
      SELECT max(degree)::int AS max,
             percentile_disc(0.5) WITHIN GROUP (ORDER BY degree)::int AS p50,
             percentile_disc(0.99) WITHIN GROUP (ORDER BY degree)::int AS p99,
             percentile_disc(0.999) WITHIN GROUP (ORDER BY degree)::int AS p999,
             count(*) FILTER (WHERE degree = 0)::int AS isolated
      FROM d
    `,
  );
  if (!counts || !degree) throw new Error("the generated graph could not be measured");
  return {
    topics: n,
    edges: counts.related + counts.compared,
    relatedTo: counts.related,
    comparedWith: counts.compared,
    degree,
    milliseconds: Math.round(performance.now() - started),
  };
}
