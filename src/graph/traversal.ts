import { type SQL, sql } from "drizzle-orm";
import { type Db, isEmbedded, selectRows } from "../db/client.ts";
import {
  DIRECTIONS,
  type Direction,
  MAX_ID,
  RELATION_KINDS,
  type RelationKind,
} from "../domain/rules.ts";

/**
 * Graph traversal over topic_relations, for many starts at once: each function sends a fixed
 * number of statements whatever the number of ids it is given, so GraphQL lists can batch into
 * it (on PGlite, a number that grows with the work: see `embeddedBatch`). The breadth-first
 * searches run inside Postgres (the `traversal-functions` migration).
 *
 * Direction: OUT follows from -> to, IN follows to -> from, BOTH either way. COMPARED_WITH is
 * symmetric (stored both ways), so every direction follows it.
 */

export type { Direction, RelationKind };

/**
 * Neighbourhood depth. The node limit bounds the work, not the depth, but past 6 hops a
 * small-world graph is mostly one neighbourhood and the answer says little.
 */
export const DEFAULT_DEPTH = 2;
export const MAX_DEPTH = 6;

/**
 * Nodes per neighbourhood, the start included. A level reads at most 2 * (limit + 1) neighbours of
 * a frontier node, and a frontier holds at most `limit` nodes, so work and memory depend on the
 * limit and never on how large the hubs are. At 1000 around the largest hub of a million-edge
 * graph, depth 6, the subgraph takes some 30 ms of server time; a page of 1000 topics is also
 * about as much as a client can draw.
 */
export const DEFAULT_LIMIT = 200;
export const MAX_LIMIT = 1000;

/**
 * Path length. The search meets in the middle, so each side walks about half of it, but a side's
 * visited set can reach the whole graph; 10 hops is beyond the diameter of any topic graph worth
 * asking about.
 */
export const DEFAULT_PATH_DEPTH = 6;
export const MAX_PATH_DEPTH = 10;

/** Hops between the option topics of two related comparisons. */
export const DEFAULT_RELATED_DEPTH = 2;
export const MAX_RELATED_DEPTH = 4;
export const MAX_RELATED_FIRST = 1000;

/** Ids one call accepts; every id is a search of its own inside the single statement. */
export const MAX_BATCH = 1000;

/** A traversal argument is out of range; `argument` names it as the caller spelled it. */
export class TraversalArgumentError extends Error {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`Argument "${argument}" ${message}`);
    this.name = "TraversalArgumentError";
    this.argument = argument;
  }
}

export interface NeighborhoodOptions {
  /** Hops from the start, 0 to MAX_DEPTH; DEFAULT_DEPTH when absent. */
  depth?: number;
  /** Edge kinds to follow and report; all kinds when absent. */
  kinds?: readonly RelationKind[];
  direction?: Direction;
  /** Most nodes, the start included, 1 to MAX_LIMIT; DEFAULT_LIMIT when absent. */
  limit?: number;
}

export interface SubgraphNode {
  topicId: number;
  /** Fewest hops from the start. */
  depth: number;
}

export interface SubgraphEdge {
  fromId: number;
  toId: number;
  kind: RelationKind;
  weight: number;
}

export interface Subgraph {
  /** Ordered by depth, then topic id; the start comes first at depth 0. */
  nodes: SubgraphNode[];
  /**
   * Every edge of the followed kinds between two nodes, whatever the direction walked, ordered by
   * (fromId, toId, kind as in RELATION_KINDS). COMPARED_WITH appears once per pair, from the lower
   * topic id.
   */
  edges: SubgraphEdge[];
  /**
   * True when `limit` left out some topic within `depth` hops. The kept ones are the first `limit`
   * in breadth-first order, where each topic, in the order it was reached, adds its unvisited
   * neighbours in id order: the same graph always keeps the same ones.
   */
  truncated: boolean;
}

/**
 * On PGlite, how many ids one traversal statement takes. Its one thread runs a statement to the
 * end before any other request's (they take turns between statements: db/fair-statements.ts), so
 * a batch of costly starts in one statement held every other request for all of its work. Sent
 * as statements of about 50-100 ms of work each, one after another, the same work lets a
 * concurrent small request in between. Measured on the 10,000-page dataset (`npm run bench --
 * limits --pglite`, load 8-15): a neighbourhood costs ~0.1 ms of CPU per node of its limit (60-110
 * ms at limit 1000, depth 6); a related-comparisons search ~300 ms per origin at depth 2 and ~400
 * ms at depth 4 from the hub. One origin's search stays one statement: that is the longest a
 * small request can wait on PGlite. Postgres, a process per connection, takes the whole batch in
 * one statement.
 */
export function embeddedBatch(
  search: "neighborhood" | "relatedComparisons",
  options: { limit?: number; depth?: number },
): number {
  if (search === "neighborhood") {
    return Math.max(1, Math.floor(500 / (options.limit ?? DEFAULT_LIMIT)));
  }
  return [100, 10, 1, 1, 1][options.depth ?? DEFAULT_RELATED_DEPTH] ?? 1;
}

/** `run` over all of `ids` (Postgres), or over slices of `perStatement` one after another (PGlite). */
async function inSlices<Row>(
  db: Db,
  ids: number[],
  perStatement: number,
  run: (slice: number[]) => Promise<Row[]>,
): Promise<Row[]> {
  if (!isEmbedded(db) || ids.length <= perStatement) return run(ids);
  const rows: Row[] = [];
  for (let at = 0; at < ids.length; at += perStatement) {
    rows.push(...(await run(ids.slice(at, at + perStatement))));
  }
  return rows;
}

/**
 * The neighbourhood of each start in one statement. Every requested id gets an entry; a topic that
 * does not exist gets an empty subgraph.
 */
export async function neighborhoods(
  db: Db,
  startIds: readonly number[],
  options: NeighborhoodOptions = {},
): Promise<Map<number, Subgraph>> {
  const starts = checkIds("startIds", startIds);
  const depth = checkInteger("depth", options.depth ?? DEFAULT_DEPTH, 0, MAX_DEPTH);
  const limit = checkInteger("limit", options.limit ?? DEFAULT_LIMIT, 1, MAX_LIMIT);
  const kinds = checkKinds(options.kinds);
  const direction = checkDirection(options.direction);
  const result = new Map<number, Subgraph>();
  for (const id of starts) result.set(id, { nodes: [], edges: [], truncated: false });
  if (starts.length === 0) return result;

  const kindArray = kindsParam(kinds);
  // One row per start, its subgraph in arrays: far fewer rows to send and parse than one a node.
  const perStatement = embeddedBatch("neighborhood", { limit });
  const rows = await inSlices(db, starts, perStatement, (slice) =>
    selectRows<{
      start_id: number;
      node_ids: number[];
      depths: number[];
      truncated: boolean;
      from_ids: number[] | null;
      to_ids: number[] | null;
      kinds: RelationKind[] | null;
      weights: number[] | null;
    }>(
      db,
      sql`
      WITH n AS MATERIALIZED (
        SELECT * FROM pickgraph_neighborhood(
          ${idsParam(slice)}, ${depth}::int, ${kindArray}, ${direction}::text, ${limit}::int)
      ),
      g AS (
        SELECT n.start_id,
               array_agg(n.topic_id ORDER BY n.depth, n.topic_id) AS node_ids,
               array_agg(n.depth ORDER BY n.depth, n.topic_id) AS depths,
               bool_or(n.truncated) AS truncated
        FROM n GROUP BY n.start_id
      )
      SELECT g.start_id, g.node_ids, g.depths, g.truncated,
             e.from_ids, e.to_ids, e.kinds, e.weights
      FROM g
      CROSS JOIN LATERAL (
        SELECT array_agg(x.from_id ORDER BY x.i) AS from_ids,
               array_agg(x.to_id ORDER BY x.i) AS to_ids,
               array_agg(x.kind::text ORDER BY x.i) AS kinds,
               array_agg(x.weight ORDER BY x.i) AS weights
        FROM pickgraph_subgraph_edges(g.node_ids, ${kindArray})
          WITH ORDINALITY AS x(from_id, to_id, kind, weight, i)
      ) AS e
    `,
    ),
  );
  for (const row of rows) {
    const subgraph = result.get(row.start_id);
    if (!subgraph) continue;
    subgraph.truncated = row.truncated;
    subgraph.nodes = row.node_ids.map((topicId, i) => ({
      topicId,
      depth: row.depths[i] as number,
    }));
    subgraph.edges = (row.from_ids ?? []).map((fromId, i) => ({
      fromId,
      toId: row.to_ids?.[i] as number,
      kind: row.kinds?.[i] as RelationKind,
      weight: row.weights?.[i] as number,
    }));
  }
  return result;
}

export interface PathOptions {
  kinds?: readonly RelationKind[];
  /** Most hops, 0 to MAX_PATH_DEPTH; DEFAULT_PATH_DEPTH when absent. */
  maxDepth?: number;
  direction?: Direction;
}

export interface TopicPath {
  /** Hops: topicIds.length - 1. */
  length: number;
  /** From the first topic to the last, in order. */
  topicIds: number[];
  /**
   * The edge taken at each hop. Where several connect the same two topics, the one stored in the
   * walking direction wins, then RELATED_TO over COMPARED_WITH.
   */
  edges: SubgraphEdge[];
}

/**
 * One shortest path, or null when none has at most `maxDepth` hops (or a topic does not exist).
 * Among several shortest paths the answer is always the same one for the same graph.
 */
export async function shortestPath(
  db: Db,
  fromId: number,
  toId: number,
  options: PathOptions = {},
): Promise<TopicPath | null> {
  checkInteger("from", fromId, -MAX_ID, MAX_ID);
  checkInteger("to", toId, -MAX_ID, MAX_ID);
  const maxDepth = checkInteger(
    "maxDepth",
    options.maxDepth ?? DEFAULT_PATH_DEPTH,
    0,
    MAX_PATH_DEPTH,
  );
  const kinds = kindsParam(checkKinds(options.kinds));
  const direction = checkDirection(options.direction);
  const rows = await selectRows<{
    ids: number[] | null;
    hop: number | null;
    from_id: number | null;
    to_id: number | null;
    kind: RelationKind | null;
    weight: number | null;
  }>(
    db,
    sql`
      WITH p AS MATERIALIZED (
        SELECT pickgraph_shortest_path(
          ${fromId}::int, ${toId}::int, ${maxDepth}::int, ${kinds}, ${direction}::text) AS ids
      )
      SELECT p.ids, h.i AS hop, e.from_topic_id AS from_id, e.to_topic_id AS to_id,
             e.kind::text AS kind, e.weight
      FROM p
      LEFT JOIN LATERAL generate_series(1, cardinality(p.ids) - 1) AS h(i) ON true
      LEFT JOIN LATERAL (
        SELECT r.from_topic_id, r.to_topic_id, r.kind, r.weight
        FROM topic_relations r
        WHERE r.kind = ANY(${kinds})
          AND ((${direction}::text <> 'IN'
                AND r.from_topic_id = p.ids[h.i] AND r.to_topic_id = p.ids[h.i + 1])
            OR (${direction}::text <> 'OUT'
                AND r.from_topic_id = p.ids[h.i + 1] AND r.to_topic_id = p.ids[h.i]))
        ORDER BY r.from_topic_id = p.ids[h.i] DESC, r.kind
        LIMIT 1
      ) AS e ON true
      ORDER BY h.i
    `,
  );
  const ids = rows[0]?.ids;
  if (!ids) return null;
  const edges: SubgraphEdge[] = [];
  for (const row of rows) {
    if (row.hop === null || row.from_id === null) continue;
    edges.push({
      fromId: row.from_id,
      toId: row.to_id as number,
      kind: row.kind as RelationKind,
      weight: row.weight as number,
    });
  }
  return { length: ids.length - 1, topicIds: ids, edges };
}

export interface RelatedComparisonOptions {
  /** Hops between option topics, 0 to MAX_RELATED_DEPTH; DEFAULT_RELATED_DEPTH when absent. */
  depth?: number;
  /** At most this many per comparison (0 to MAX_RELATED_FIRST); all when absent. */
  first?: number;
  /** Only the ones ordered after this (score, slug); a cursor from an earlier page. */
  after?: { score: number; slug: string };
}

export interface RelatedComparison {
  comparisonId: number;
  slug: string;
  /** Fewest hops from an option topic of the one to an option topic of the other. */
  distance: number;
  /**
   * How strongly the two are tied (higher is closer; always above 0): each topic of the other
   * comparison (option 1, tag 0.5) within reach counts 0.5^hops / ln(1 + comparisons it is in).
   * See the `traversal-functions-related-by-relevance` migration.
   */
  score: number;
}

/**
 * For each comparison, the other comparisons whose option topics lie within `depth` hops of its
 * own (both kinds, both ways), most relevant first (by `score`, descending), then by slug in byte
 * order. One statement; a comparison that does not exist gets an empty list.
 */
export async function relatedComparisons(
  db: Db,
  comparisonIds: readonly number[],
  options: RelatedComparisonOptions = {},
): Promise<Map<number, RelatedComparison[]>> {
  const { ids, depth, first, after } = relatedArguments(comparisonIds, options);
  const result = new Map<number, RelatedComparison[]>();
  for (const id of ids) result.set(id, []);
  if (ids.length === 0 || first === 0) return result;
  const rows = await inSlices(db, ids, embeddedBatch("relatedComparisons", { depth }), (slice) =>
    selectRows<RelatedRow>(
      db,
      sql`
      SELECT r.comparison_id, r.related_id, r.slug, r.distance, r.score
      FROM pickgraph_related_comparisons(
        ${idsParam(slice)}, ${depth}::int, ${first}::int,
        ${after?.score ?? null}::float8, ${after?.slug ?? null}::text) AS r
      ORDER BY r.comparison_id, r.score DESC, r.slug COLLATE "C"
    `,
    ),
  );
  for (const row of rows) result.get(row.comparison_id)?.push(relatedOf(row));
  return result;
}

/** The first page of a comparison's related comparisons, and how many are related in all. */
export interface CountedRelatedComparisons {
  /** The first `first`, in relatedComparisons' order. */
  page: RelatedComparison[];
  /** Every comparison relatedComparisons would list. */
  total: number;
}

/**
 * relatedComparisons' first page of `first` (1 or more) for each comparison, and the count of all
 * of them, in one statement. A count needs every comparison within reach scored anyway (the search cannot
 * stop early), but only the page has to leave the database: from a hub, depth 2 reaches the whole
 * 10,000-page corpus, and parsing those rows into JavaScript to count them was a sixth of the
 * explorer's comparison page on PGlite.
 */
export async function relatedComparisonsCounted(
  db: Db,
  comparisonIds: readonly number[],
  options: { depth?: number; first: number },
): Promise<Map<number, CountedRelatedComparisons>> {
  const { ids, depth } = relatedArguments(comparisonIds, { depth: options.depth });
  // At least 1: each origin's count travels on its page's rows.
  const first = checkInteger("first", options.first, 1, MAX_RELATED_FIRST);
  const result = new Map<number, CountedRelatedComparisons>();
  for (const id of ids) result.set(id, { page: [], total: 0 });
  if (ids.length === 0) return result;
  const rows = await inSlices(db, ids, embeddedBatch("relatedComparisons", { depth }), (slice) =>
    selectRows<RelatedRow & { total: number }>(
      db,
      sql`
      SELECT x.comparison_id, x.related_id, x.slug, x.distance, x.score, x.total::int AS total
      FROM (
        SELECT r.comparison_id, r.related_id, r.slug, r.distance, r.score,
               count(*) OVER (PARTITION BY r.comparison_id) AS total,
               row_number() OVER (
                 PARTITION BY r.comparison_id ORDER BY r.score DESC, r.slug COLLATE "C") AS place
        FROM pickgraph_related_comparisons(${idsParam(slice)}, ${depth}::int) AS r
      ) AS x
      WHERE x.place <= ${first}::int
      ORDER BY x.comparison_id, x.place
    `,
    ),
  );
  for (const row of rows) {
    const counted = result.get(row.comparison_id);
    if (!counted) continue;
    counted.total = row.total;
    counted.page.push(relatedOf(row));
  }
  return result;
}

interface RelatedRow {
  comparison_id: number;
  related_id: number;
  slug: string;
  distance: number;
  score: number;
}

function relatedOf(row: RelatedRow): RelatedComparison {
  return {
    comparisonId: row.related_id,
    slug: row.slug,
    distance: row.distance,
    score: Number(row.score),
  };
}

/** relatedComparisons' arguments, checked. */
function relatedArguments(comparisonIds: readonly number[], options: RelatedComparisonOptions) {
  const ids = checkIds("comparisonIds", comparisonIds);
  const depth = checkInteger("depth", options.depth ?? DEFAULT_RELATED_DEPTH, 0, MAX_RELATED_DEPTH);
  const first =
    options.first === undefined ? null : checkInteger("first", options.first, 0, MAX_RELATED_FIRST);
  const after = options.after;
  if (after) {
    if (typeof after.score !== "number" || !Number.isFinite(after.score) || after.score < 0) {
      throw new TraversalArgumentError("after.score", "must be a finite number of 0 or more");
    }
    if (typeof after.slug !== "string") {
      throw new TraversalArgumentError("after.slug", "must be a string");
    }
  }
  return { ids, depth, first, after };
}

function idsParam(ids: readonly number[]): SQL {
  return sql`${sql.param(ids)}::int[]`;
}

// Text first: PGlite types array parameters as text, which the enum refuses.
function kindsParam(kinds: readonly RelationKind[]): SQL {
  return sql`${sql.param(kinds)}::text[]::relation_kind[]`;
}

function checkInteger(argument: string, value: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TraversalArgumentError(argument, `must be an integer (got ${String(value)})`);
  }
  if (value < min || value > max) {
    throw new TraversalArgumentError(argument, `must be between ${min} and ${max} (got ${value})`);
  }
  return value;
}

function checkIds(argument: string, ids: readonly number[]): number[] {
  if (!Array.isArray(ids)) throw new TraversalArgumentError(argument, "must be a list of ids");
  const unique = [...new Set(ids)];
  if (unique.length > MAX_BATCH) {
    throw new TraversalArgumentError(
      argument,
      `holds ${unique.length} distinct ids; at most ${MAX_BATCH} per call`,
    );
  }
  for (const id of unique) checkInteger(argument, id, -MAX_ID, MAX_ID);
  return unique;
}

function checkKinds(kinds: readonly RelationKind[] | undefined): RelationKind[] {
  if (kinds === undefined) return [...RELATION_KINDS];
  if (!Array.isArray(kinds)) throw new TraversalArgumentError("kinds", "must be a list");
  for (const kind of kinds) {
    if (!RELATION_KINDS.includes(kind)) {
      throw new TraversalArgumentError(
        "kinds",
        `must hold only ${RELATION_KINDS.join(" or ")} (got ${String(kind)})`,
      );
    }
  }
  return RELATION_KINDS.filter((kind) => kinds.includes(kind));
}

function checkDirection(direction: Direction | undefined): Direction {
  if (direction === undefined) return "BOTH";
  if (!DIRECTIONS.includes(direction)) {
    throw new TraversalArgumentError(
      "direction",
      `must be ${DIRECTIONS.join(", ")} (got ${String(direction)})`,
    );
  }
  return direction;
}
