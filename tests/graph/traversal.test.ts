import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../bench/random.ts";
import { createApp } from "../../src/app.ts";
import { RELATION_KINDS } from "../../src/domain/rules.ts";
import {
  type Direction,
  embeddedBatch,
  MAX_BATCH,
  MAX_DEPTH,
  MAX_LIMIT,
  MAX_PATH_DEPTH,
  MAX_RELATED_DEPTH,
  neighborhoods,
  type RelatedComparison,
  type RelationKind,
  relatedComparisons,
  relatedComparisonsCounted,
  type Subgraph,
  shortestPath,
  TraversalArgumentError,
} from "../../src/graph/traversal.ts";
import { type TestDatabase, testDriver, useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";

/*
 * Every engine function is checked against a plain breadth-first search over the same edges, kept
 * in memory here. The graphs are random (seeded) with hubs, cycles, separate components and both
 * kinds; COMPARED_WITH is stored both ways, as the pages store it.
 */

interface Edge {
  from: number;
  to: number;
  kind: RelationKind;
  weight: number;
}

interface Graph {
  topics: number;
  edges: Edge[];
}

interface Comparison {
  id: number;
  slug: string;
  optionTopics: number[];
  /** Index into optionTopics of the pick, if any. */
  pick: number | null;
  /** `Related to` topics of each option, by option index (none when absent). */
  tags?: number[][];
}

/**
 * Topics 1..n: a large component with hubs, a ring with chords, a COMPARED_WITH triangle, a
 * RELATED_TO chain and isolated topics at the end.
 */
function randomGraph(seed: number, n = 140): Graph {
  const random = mulberry32(seed);
  const pick = (from: number, to: number) => from + Math.floor(random() * (to - from + 1));
  const edges = new Map<string, Edge>();
  const add = (from: number, to: number, kind: RelationKind) => {
    if (from === to) return;
    const weight = 1 + Math.floor(random() * 9) / 2;
    if (kind === "COMPARED_WITH") {
      if (edges.has(`${from}:${to}:${kind}`)) return;
      edges.set(`${from}:${to}:${kind}`, { from, to, kind, weight });
      edges.set(`${to}:${from}:${kind}`, { from: to, to: from, kind, weight });
    } else if (!edges.has(`${from}:${to}:${kind}`)) {
      edges.set(`${from}:${to}:${kind}`, { from, to, kind, weight });
    }
  };
  const mainEnd = Math.floor(n * 0.7);
  const hubs = [pick(1, mainEnd), pick(1, mainEnd), pick(1, mainEnd)];
  for (let i = 0; i < mainEnd * 2; i++) {
    const from = pick(1, mainEnd);
    const to = random() < 0.35 ? (hubs[i % hubs.length] as number) : pick(1, mainEnd);
    add(from, to, "RELATED_TO");
    if (random() < 0.3) add(to, from, "RELATED_TO");
  }
  for (let i = 0; i < mainEnd / 2; i++) {
    const a = random() < 0.3 ? (hubs[0] as number) : pick(1, mainEnd);
    add(a, pick(1, mainEnd), "COMPARED_WITH");
  }
  const ringStart = mainEnd + 1;
  const ringEnd = mainEnd + Math.floor(n * 0.15);
  for (let id = ringStart; id <= ringEnd; id++) {
    add(id, id === ringEnd ? ringStart : id + 1, "RELATED_TO");
    if (random() < 0.2) add(id, pick(ringStart, ringEnd), "COMPARED_WITH");
  }
  const triangle = ringEnd + 1;
  add(triangle, triangle + 1, "COMPARED_WITH");
  add(triangle + 1, triangle + 2, "COMPARED_WITH");
  add(triangle + 2, triangle, "COMPARED_WITH");
  const chain = triangle + 3;
  for (let id = chain; id < chain + 5; id++) add(id, id + 1, "RELATED_TO");
  // The same pair joined by both kinds, to exercise duplicate neighbours.
  add(1, 2, "RELATED_TO");
  add(1, 2, "COMPARED_WITH");
  return { topics: n, edges: [...edges.values()] };
}

/** A graph where every choice of truncation is visible: a star of stars. */
function starGraph(): Graph {
  const edges: Edge[] = [];
  for (let leaf = 2; leaf <= 9; leaf++) {
    edges.push({ from: leaf, to: 1, kind: "RELATED_TO", weight: 1 });
    for (let k = 0; k < 3; k++) {
      edges.push({ from: leaf, to: 10 + (leaf - 2) * 3 + k, kind: "RELATED_TO", weight: 1 });
    }
  }
  return { topics: 40, edges };
}

async function loadGraph(database: TestDatabase, graph: Graph): Promise<void> {
  await database.truncate();
  await database.db.execute(sql`
    INSERT INTO topics (id, slug, name) OVERRIDING SYSTEM VALUE
    SELECT g, 'topic-' || g, 'Topic ' || g FROM generate_series(1, ${graph.topics}::int) AS g
  `);
  if (graph.edges.length > 0) {
    await database.db.execute(sql`
      INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)
      SELECT e.f, e.t, e.k::relation_kind, e.w, 'PAGE'
      FROM unnest(
        ${sql.param(graph.edges.map((e) => e.from))}::int[],
        ${sql.param(graph.edges.map((e) => e.to))}::int[],
        ${sql.param(graph.edges.map((e) => e.kind))}::text[],
        ${sql.param(graph.edges.map((e) => e.weight))}::float8[]
      ) AS e(f, t, k, w)
    `);
  }
}

async function loadComparisons(database: TestDatabase, comparisons: Comparison[]): Promise<void> {
  for (const comparison of comparisons) {
    await database.db.execute(sql`
      INSERT INTO comparisons (id, slug, title, category, intro, pick_summary, bottom_line)
      OVERRIDING SYSTEM VALUE
      VALUES (${comparison.id}, ${comparison.slug}, 'Title', 'Category', 'Intro', 'Pick', 'Bottom')
    `);
    for (const [position, topicId] of comparison.optionTopics.entries()) {
      await database.db.execute(sql`
        INSERT INTO options (comparison_id, topic_id, name, position, summary)
        VALUES (${comparison.id}, ${topicId}, ${`Option ${topicId}`}, ${position}, 'Summary')
      `);
    }
    for (const [position, tags] of (comparison.tags ?? []).entries()) {
      for (const [index, topicId] of tags.entries()) {
        await database.db.execute(sql`
          INSERT INTO option_tags (option_id, position, topic_id)
          SELECT o.id, ${index}, ${topicId} FROM options o
          WHERE o.comparison_id = ${comparison.id} AND o.position = ${position}
        `);
      }
    }
    if (comparison.pick !== null) {
      await database.db.execute(sql`
        UPDATE comparisons c SET pick_option_id = o.id
        FROM options o
        WHERE c.id = ${comparison.id} AND o.comparison_id = c.id AND o.position = ${comparison.pick}
      `);
    }
  }
  // The entries every page write keeps (src/graph/page-edges.ts; relatedComparisons scores from
  // them): 100 for an option, 1 per option tagging the topic. The edges stay the random graph's.
  await database.db.execute(sql`
    INSERT INTO topic_comparison_entries (topic_id, comparison_id, comparison_slug, relevance)
    SELECT x.topic_id, x.comparison_id, c.slug, sum(x.points)::int
    FROM (
      SELECT o.topic_id, o.comparison_id, 100 AS points FROM options o
      UNION ALL
      SELECT t.topic_id, o.comparison_id, 1 FROM option_tags t JOIN options o ON o.id = t.option_id
    ) x JOIN comparisons c ON c.id = x.comparison_id
    GROUP BY x.topic_id, x.comparison_id, c.slug`);
}

// --- The reference: breadth-first search written plainly. ---

function adjacency(graph: Graph, kinds: readonly RelationKind[], direction: Direction) {
  const lists = new Map<number, Set<number>>();
  const link = (a: number, b: number) => {
    const set = lists.get(a) ?? new Set<number>();
    lists.set(a, set);
    set.add(b);
  };
  for (const edge of graph.edges) {
    if (!kinds.includes(edge.kind)) continue;
    if (edge.kind === "COMPARED_WITH" || direction === "BOTH") {
      link(edge.from, edge.to);
      link(edge.to, edge.from);
    } else if (direction === "OUT") {
      link(edge.from, edge.to);
    } else {
      link(edge.to, edge.from);
    }
  }
  const sorted = new Map<number, number[]>();
  for (const [node, set] of lists)
    sorted.set(
      node,
      [...set].sort((a, b) => a - b),
    );
  return (node: number) => sorted.get(node) ?? [];
}

/** Every topic within `depth` hops in breadth-first order, neighbours taken in id order. */
function bfsOrder(neighbours: (node: number) => number[], start: number, depth: number) {
  const seen = new Map<number, number>([[start, 0]]);
  const order = [{ topicId: start, depth: 0 }];
  for (let i = 0; i < order.length; i++) {
    const current = order[i] as { topicId: number; depth: number };
    if (current.depth === depth) continue;
    for (const next of neighbours(current.topicId)) {
      if (seen.has(next)) continue;
      seen.set(next, current.depth + 1);
      order.push({ topicId: next, depth: current.depth + 1 });
    }
  }
  return order;
}

function byKind(a: RelationKind, b: RelationKind) {
  return RELATION_KINDS.indexOf(a) - RELATION_KINDS.indexOf(b);
}

function expectedSubgraph(
  graph: Graph,
  start: number,
  options: { depth: number; kinds: readonly RelationKind[]; direction: Direction; limit: number },
): Subgraph {
  if (start < 1 || start > graph.topics) return { nodes: [], edges: [], truncated: false };
  const order = bfsOrder(adjacency(graph, options.kinds, options.direction), start, options.depth);
  const nodes = order
    .slice(0, options.limit)
    .sort((a, b) => a.depth - b.depth || a.topicId - b.topicId);
  const ids = new Set(nodes.map((node) => node.topicId));
  const edges = graph.edges
    .filter(
      (e) =>
        options.kinds.includes(e.kind) &&
        ids.has(e.from) &&
        ids.has(e.to) &&
        (e.kind === "RELATED_TO" || e.from < e.to),
    )
    .map((e) => ({ fromId: e.from, toId: e.to, kind: e.kind, weight: e.weight }))
    .sort((a, b) => a.fromId - b.fromId || a.toId - b.toId || byKind(a.kind, b.kind));
  return { nodes, edges, truncated: order.length > options.limit };
}

function distance(neighbours: (node: number) => number[], from: number, to: number): number | null {
  const order = bfsOrder(neighbours, from, Number.POSITIVE_INFINITY);
  return order.find((entry) => entry.topicId === to)?.depth ?? null;
}

function multiSourceDistances(neighbours: (node: number) => number[], sources: number[]) {
  const seen = new Map<number, number>(sources.map((s) => [s, 0]));
  const queue = [...new Set(sources)];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] as number;
    for (const next of neighbours(node)) {
      if (seen.has(next)) continue;
      seen.set(next, (seen.get(node) as number) + 1);
      queue.push(next);
    }
  }
  return seen;
}

function expectedRelated(
  graph: Graph,
  comparisons: Comparison[],
  comparison: Comparison,
  depth: number,
): RelatedComparison[] {
  const distances = multiSourceDistances(
    adjacency(graph, RELATION_KINDS, "BOTH"),
    comparison.optionTopics,
  );
  // How many comparisons each topic takes part in, as an option or a tag.
  const spread = new Map<number, number>();
  for (const c of comparisons) {
    for (const t of new Set([...c.optionTopics, ...(c.tags ?? []).flat()])) {
      spread.set(t, (spread.get(t) ?? 0) + 1);
    }
  }
  const related: RelatedComparison[] = [];
  for (const other of comparisons) {
    if (other.id === comparison.id) continue;
    const hops = other.optionTopics
      .map((t) => distances.get(t))
      .filter((d): d is number => d !== undefined);
    if (hops.length === 0) continue;
    const nearest = Math.min(...hops);
    if (nearest > depth) continue;
    // The documented score: options weigh 1, tags 0.5, halved per hop, damped by spread.
    const membership = new Map<number, number>();
    for (const t of (other.tags ?? []).flat()) membership.set(t, 0.5);
    for (const t of other.optionTopics) membership.set(t, 1);
    let score = 0;
    for (const [t, weight] of membership) {
      const d = distances.get(t);
      if (d === undefined || d > depth) continue;
      score += (weight * 0.5 ** d) / Math.log(1 + (spread.get(t) as number));
    }
    related.push({
      comparisonId: other.id,
      slug: other.slug,
      distance: nearest,
      score: Math.round(score * 1e6) / 1e6,
    });
  }
  return related.sort(byRelevance);
}

function byRelevance(a: RelatedComparison, b: RelatedComparison): number {
  return b.score - a.score || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
}

/** Same comparisons, distances and (to rounding) scores, in the engine's own documented order. */
function expectSameRelated(
  got: RelatedComparison[] | undefined,
  expected: RelatedComparison[],
  label: string,
) {
  expect(got, label).toBeDefined();
  const list = got as RelatedComparison[];
  expect([...list].sort(byRelevance), `${label}: ordered by score, then slug`).toEqual(list);
  const byId = (items: RelatedComparison[]) =>
    [...items].sort((a, b) => a.comparisonId - b.comparisonId);
  const want = byId(expected);
  const have = byId(list);
  expect(
    have.map((r) => [r.comparisonId, r.slug, r.distance]),
    label,
  ).toEqual(want.map((r) => [r.comparisonId, r.slug, r.distance]));
  have.forEach((r, i) => {
    expect(r.score, `${label}: score of ${r.slug}`).toBeCloseTo(want[i]?.score as number, 5);
    expect(r.score).toBeGreaterThan(0);
  });
}

function addTags(seed: number, graph: Graph, comparisons: Comparison[]): Comparison[] {
  const random = mulberry32(seed);
  return comparisons.map((c) => ({
    ...c,
    tags: c.optionTopics.map((own) => {
      const tags = new Set<number>();
      const count = Math.floor(random() * 3);
      for (let i = 0; i < count; i++) {
        const t = 1 + Math.floor(random() * graph.topics);
        if (t !== own) tags.add(t);
      }
      return [...tags];
    }),
  }));
}

function randomComparisons(seed: number, graph: Graph, count: number): Comparison[] {
  const random = mulberry32(seed);
  const words = ["a", "ab", "a-b", "b", "b2", "b-2", "c", "z9", "z-9", "m"];
  const comparisons: Comparison[] = [];
  for (let id = 1; id <= count; id++) {
    const size = 2 + Math.floor(random() * 2);
    const topics = new Set<number>();
    while (topics.size < size) topics.add(1 + Math.floor(random() * graph.topics));
    const word = words[Math.floor(random() * words.length)] as string;
    comparisons.push({
      id,
      slug: `${word}-vs-${id}`,
      optionTopics: [...topics],
      pick: random() < 0.6 ? Math.floor(random() * size) : null,
    });
  }
  return comparisons;
}

// --- The tests. ---

const getDatabase = useTestDatabase();
const directions: Direction[] = ["BOTH", "OUT", "IN"];
const kindChoices: RelationKind[][] = [
  ["RELATED_TO", "COMPARED_WITH"],
  ["RELATED_TO"],
  ["COMPARED_WITH"],
];

describe.each([11, 2024, 777])("random graph (seed %i)", (seed) => {
  const graph = randomGraph(seed);
  const allIds = Array.from({ length: graph.topics }, (_, i) => i + 1);

  beforeAll(async () => {
    await loadGraph(getDatabase(), graph);
  });

  it.each(
    directions.flatMap((direction) =>
      kindChoices.map((kinds) => ({ direction, kinds, depth: 2 + (kinds.length % 2), limit: 25 })),
    ),
  )("neighborhoods match the reference for every start: %j", async (options) => {
    const result = await neighborhoods(getDatabase().db, [...allIds, 0, 9999], options);
    for (const start of [...allIds, 0, 9999]) {
      expect(result.get(start), `start ${start}`).toEqual(expectedSubgraph(graph, start, options));
    }
  });

  it("neighborhoods match the reference without a binding limit, at every depth", async () => {
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const options = {
        depth,
        kinds: RELATION_KINDS,
        direction: "BOTH" as const,
        limit: MAX_LIMIT,
      };
      const result = await neighborhoods(getDatabase().db, allIds, options);
      for (const start of allIds) {
        expect(result.get(start), `start ${start} depth ${depth}`).toEqual(
          expectedSubgraph(graph, start, options),
        );
      }
    }
  });

  it("neighborhoods cut by a limit keep the first topics in breadth-first order", async () => {
    for (const limit of [1, 2, 7, 40]) {
      const options = { depth: 4, kinds: RELATION_KINDS, direction: "BOTH" as const, limit };
      const result = await neighborhoods(getDatabase().db, allIds, options);
      for (const start of allIds) {
        const expected = expectedSubgraph(graph, start, options);
        expect(result.get(start), `start ${start} limit ${limit}`).toEqual(expected);
        expect(result.get(start)?.nodes.length).toBeLessThanOrEqual(limit);
      }
    }
  });

  it("shortest paths are valid, as short as the reference finds, and stable", async () => {
    const random = mulberry32(seed + 1);
    for (const direction of directions) {
      for (const kinds of kindChoices) {
        const neighbours = adjacency(graph, kinds, direction);
        for (let i = 0; i < 25; i++) {
          const from = 1 + Math.floor(random() * graph.topics);
          const to = 1 + Math.floor(random() * graph.topics);
          const maxDepth = 1 + Math.floor(random() * MAX_PATH_DEPTH);
          const label = `${from} -> ${to} ${direction} ${kinds} maxDepth ${maxDepth}`;
          const hops = distance(neighbours, from, to);
          const path = await shortestPath(getDatabase().db, from, to, {
            kinds,
            direction,
            maxDepth,
          });
          if (hops === null || hops > maxDepth) {
            expect(path, label).toBeNull();
            continue;
          }
          expect(path, label).not.toBeNull();
          if (!path) continue;
          expect(path.length, label).toBe(hops);
          expect(path.topicIds.length, label).toBe(hops + 1);
          expect(path.topicIds[0], label).toBe(from);
          expect(path.topicIds.at(-1), label).toBe(to);
          expect(new Set(path.topicIds).size, label).toBe(path.topicIds.length);
          expect(path.edges.length, label).toBe(hops);
          for (let hop = 0; hop < hops; hop++) {
            const a = path.topicIds[hop] as number;
            const b = path.topicIds[hop + 1] as number;
            expect(neighbours(a), label).toContain(b);
            expect(path.edges[hop], label).toEqual(expectedHopEdge(graph, a, b, kinds, direction));
          }
          const again = await shortestPath(getDatabase().db, from, to, {
            kinds,
            direction,
            maxDepth,
          });
          expect(again, label).toEqual(path);
        }
      }
    }
  });

  it("related comparisons match the reference, and pages join up", async () => {
    const database = getDatabase();
    const comparisons = addTags(seed + 5, graph, randomComparisons(seed + 2, graph, 18));
    await database.db.execute(sql`TRUNCATE comparisons, options, option_tags CASCADE`);
    await loadComparisons(database, comparisons);
    const ids = comparisons.map((c) => c.id);
    for (let depth = 0; depth <= MAX_RELATED_DEPTH; depth++) {
      const result = await relatedComparisons(database.db, [...ids, 999], { depth });
      for (const comparison of comparisons) {
        expectSameRelated(
          result.get(comparison.id),
          expectedRelated(graph, comparisons, comparison, depth),
          `comparison ${comparison.id} depth ${depth}`,
        );
      }
      expect(result.get(999)).toEqual([]);
    }
    for (const comparison of comparisons) {
      const expected = (await relatedComparisons(database.db, [comparison.id], { depth: 3 })).get(
        comparison.id,
      );
      const paged: RelatedComparison[] = [];
      let after: { score: number; slug: string } | undefined;
      for (let page = 0; page < 20; page++) {
        const result = await relatedComparisons(database.db, [comparison.id], {
          depth: 3,
          first: 2,
          after,
        });
        const items = result.get(comparison.id) ?? [];
        expect(items.length).toBeLessThanOrEqual(2);
        paged.push(...items);
        const last = items.at(-1);
        if (items.length < 2 || !last) break;
        after = { score: last.score, slug: last.slug };
      }
      expect(paged, `comparison ${comparison.id}`).toEqual(expected);
    }
  });

  it("a counted first page is the list's first page, with the list's length", async () => {
    const database = getDatabase();
    const comparisons = addTags(seed + 7, graph, randomComparisons(seed + 3, graph, 18));
    await database.db.execute(sql`TRUNCATE comparisons, options, option_tags CASCADE`);
    await loadComparisons(database, comparisons);
    const ids = [...comparisons.map((c) => c.id), 999];
    for (let depth = 0; depth <= MAX_RELATED_DEPTH; depth++) {
      const lists = await relatedComparisons(database.db, ids, { depth });
      for (const first of [1, 3, 50]) {
        const counted = await relatedComparisonsCounted(database.db, ids, { depth, first });
        for (const id of ids) {
          const list = lists.get(id) ?? [];
          expect(counted.get(id), `comparison ${id} depth ${depth} first ${first}`).toEqual({
            page: list.slice(0, first),
            total: list.length,
          });
        }
      }
    }
  });

  it("topic records count options and picks", async () => {
    const database = getDatabase();
    const comparisons = randomComparisons(seed + 3, graph, 15);
    await database.db.execute(sql`TRUNCATE comparisons, options, option_tags CASCADE`);
    await loadComparisons(database, comparisons);
    // Topic.record is planned into the parent's statement, so it is checked through the API.
    const app = createApp({ database });
    const records = new Map<number, unknown>();
    // nodes takes at most 100 ids.
    for (let start = 0; start < allIds.length; start += 100) {
      const chunk = allIds.slice(start, start + 100);
      const ids = chunk.map((id) => Buffer.from(`Topic:${id}`).toString("base64"));
      const { data, errors } = await graphql<{ nodes: { record: unknown }[] }>(
        app,
        "query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Topic { record { comparisons wins } } } }",
        { ids },
      );
      expect(errors).toBeUndefined();
      for (const [i, id] of chunk.entries()) records.set(id, data?.nodes[i]?.record);
    }
    for (const topicId of allIds) {
      const taking = comparisons.filter((c) => c.optionTopics.includes(topicId));
      const wins = taking.filter(
        (c) => c.pick !== null && c.optionTopics[c.pick] === topicId,
      ).length;
      expect(records.get(topicId), `topic ${topicId}`).toEqual({
        comparisons: taking.length,
        wins,
      });
    }
  });
});

describe("hubs", () => {
  // Topic 1 is linked from 300 leaves; leaves point on to 99 topics that compare among themselves.
  const random = mulberry32(5);
  const edges: Edge[] = [];
  const compared = new Set<string>();
  for (let leaf = 2; leaf <= 301; leaf++) {
    edges.push({ from: leaf, to: 1, kind: "RELATED_TO", weight: 1 });
    edges.push({ from: leaf, to: 302 + (leaf % 99), kind: "RELATED_TO", weight: 2 });
  }
  for (let i = 0; i < 150; i++) {
    const a = 302 + Math.floor(random() * 99);
    const b = 302 + Math.floor(random() * 99);
    if (a === b || compared.has(`${a}:${b}`)) continue;
    compared.add(`${a}:${b}`).add(`${b}:${a}`);
    edges.push({ from: a, to: b, kind: "COMPARED_WITH", weight: 3 });
    edges.push({ from: b, to: a, kind: "COMPARED_WITH", weight: 3 });
  }
  const graph: Graph = { topics: 420, edges };

  beforeAll(async () => {
    await loadGraph(getDatabase(), graph);
  });

  it("neighborhoods through a hub match the reference at every limit", async () => {
    const starts = [1, 2, 150, 301, 302, 350, 400, 410];
    for (const direction of directions) {
      for (const limit of [3, 17, 64, 250, 700]) {
        for (const depth of [1, 2, 3]) {
          const options = { depth, kinds: RELATION_KINDS, direction, limit };
          const result = await neighborhoods(getDatabase().db, starts, options);
          for (const start of starts) {
            expect(result.get(start), `${start} ${JSON.stringify(options)}`).toEqual(
              expectedSubgraph(graph, start, options),
            );
          }
        }
      }
    }
  });

  it("paths across the hub are as short as the reference finds", async () => {
    const pairs = [
      [2, 301],
      [5, 350],
      [302, 400],
      [1, 399],
      [150, 151],
      [2, 410],
    ] as const;
    for (const direction of directions) {
      const neighbours = adjacency(graph, RELATION_KINDS, direction);
      for (const [from, to] of pairs) {
        const hops = distance(neighbours, from, to);
        const path = await shortestPath(getDatabase().db, from, to, { direction });
        expect(path?.length ?? null, `${from} -> ${to} ${direction}`).toBe(hops);
        for (let hop = 0; hop < (path?.length ?? 0); hop++) {
          expect(neighbours(path?.topicIds[hop] as number)).toContain(path?.topicIds[hop + 1]);
        }
      }
    }
  });
});

function expectedHopEdge(
  graph: Graph,
  a: number,
  b: number,
  kinds: readonly RelationKind[],
  direction: Direction,
) {
  const candidates = graph.edges.filter(
    (e) =>
      kinds.includes(e.kind) &&
      ((direction !== "IN" && e.from === a && e.to === b) ||
        (direction !== "OUT" && e.from === b && e.to === a)),
  );
  const kindRank = (kind: RelationKind) => RELATION_KINDS.indexOf(kind);
  candidates.sort(
    (x, y) => Number(y.from === a) - Number(x.from === a) || kindRank(x.kind) - kindRank(y.kind),
  );
  const edge = candidates[0];
  return edge && { fromId: edge.from, toId: edge.to, kind: edge.kind, weight: edge.weight };
}

describe("edge cases", () => {
  const star = starGraph();

  beforeAll(async () => {
    await loadGraph(getDatabase(), star);
  });

  it("depth 0 is the start alone, not truncated", async () => {
    const result = await neighborhoods(getDatabase().db, [1], { depth: 0 });
    expect(result.get(1)).toEqual({
      nodes: [{ topicId: 1, depth: 0 }],
      edges: [],
      truncated: false,
    });
  });

  it("an unknown topic has an empty subgraph and an isolated one only itself", async () => {
    const result = await neighborhoods(getDatabase().db, [404, 40, -1]);
    expect(result.get(404)).toEqual({ nodes: [], edges: [], truncated: false });
    expect(result.get(-1)).toEqual({ nodes: [], edges: [], truncated: false });
    expect(result.get(40)).toEqual({
      nodes: [{ topicId: 40, depth: 0 }],
      edges: [],
      truncated: false,
    });
  });

  it("an empty list of starts sends no statement", async () => {
    const database = getDatabase();
    database.resetStatements();
    expect((await neighborhoods(database.db, [])).size).toBe(0);
    expect(database.statements).toEqual([]);
  });

  it("a limit keeps the neighbours of the first-reached topics, the same every time", async () => {
    const options = { depth: 2, limit: 12 };
    const first = await neighborhoods(getDatabase().db, [1], options);
    const second = await neighborhoods(getDatabase().db, [1], options);
    expect(first).toEqual(second);
    const subgraph = first.get(1) as Subgraph;
    expect(subgraph.truncated).toBe(true);
    // 1, its 8 leaves (2..9), then the leaves of 2 (10..12): breadth-first, neighbours by id.
    expect(subgraph.nodes.map((n) => n.topicId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const exact = await neighborhoods(getDatabase().db, [1], { depth: 2, limit: 33 });
    expect(exact.get(1)?.truncated).toBe(false);
    expect(exact.get(1)?.nodes.length).toBe(33);
    const oneShort = await neighborhoods(getDatabase().db, [1], { depth: 2, limit: 32 });
    expect(oneShort.get(1)?.truncated).toBe(true);
    const exactLevel = await neighborhoods(getDatabase().db, [1], { depth: 2, limit: 9 });
    expect(exactLevel.get(1)?.truncated).toBe(true);
    expect(exactLevel.get(1)?.nodes.map((n) => n.depth)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1]);
    const shallow = await neighborhoods(getDatabase().db, [1], { depth: 1, limit: 9 });
    expect(shallow.get(1)?.truncated).toBe(false);
  });

  it("direction decides which way RELATED_TO is followed", async () => {
    const out = await neighborhoods(getDatabase().db, [2], { depth: 2, direction: "OUT" });
    expect(out.get(2)?.nodes.map((n) => n.topicId)).toEqual([2, 1, 10, 11, 12]);
    const into = await neighborhoods(getDatabase().db, [1], { depth: 2, direction: "IN" });
    expect(into.get(1)?.nodes.map((n) => n.topicId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const both = await neighborhoods(getDatabase().db, [10], { depth: 2, direction: "BOTH" });
    expect(both.get(10)?.nodes.map((n) => n.topicId)).toEqual([10, 2, 1, 11, 12]);
    // Edges between the nodes are reported whatever the direction walked.
    expect(into.get(1)?.edges.map((e) => [e.fromId, e.toId])).toEqual(
      [2, 3, 4, 5, 6, 7, 8, 9].map((leaf) => [leaf, 1]),
    );
  });

  it("paths: to itself has length 0, unknown topics and separate ones give null", async () => {
    const db = getDatabase().db;
    expect(await shortestPath(db, 5, 5)).toEqual({ length: 0, topicIds: [5], edges: [] });
    expect(await shortestPath(db, 404, 404)).toBeNull();
    expect(await shortestPath(db, 1, 404)).toBeNull();
    expect(await shortestPath(db, 1, 40)).toBeNull();
    expect(await shortestPath(db, 10, 13, { direction: "OUT" })).toBeNull();
    expect(await shortestPath(db, 10, 13)).toEqual({
      length: 4,
      topicIds: [10, 2, 1, 3, 13],
      edges: [
        { fromId: 2, toId: 10, kind: "RELATED_TO", weight: 1 },
        { fromId: 2, toId: 1, kind: "RELATED_TO", weight: 1 },
        { fromId: 3, toId: 1, kind: "RELATED_TO", weight: 1 },
        { fromId: 3, toId: 13, kind: "RELATED_TO", weight: 1 },
      ],
    });
  });

  it("maxDepth bounds the path", async () => {
    const db = getDatabase().db;
    expect(await shortestPath(db, 10, 13, { maxDepth: 3 })).toBeNull();
    expect((await shortestPath(db, 10, 13, { maxDepth: 4 }))?.length).toBe(4);
    expect(await shortestPath(db, 10, 2, { maxDepth: 0 })).toBeNull();
    expect((await shortestPath(db, 10, 10, { maxDepth: 0 }))?.length).toBe(0);
  });

  it("a cycle never loops", async () => {
    const database = getDatabase();
    const ring: Graph = {
      topics: 6,
      edges: [1, 2, 3, 4, 5, 6].map((id) => ({
        from: id,
        to: (id % 6) + 1,
        kind: "RELATED_TO" as const,
        weight: 1,
      })),
    };
    await loadGraph(database, ring);
    const result = await neighborhoods(database.db, [1], { depth: MAX_DEPTH, direction: "OUT" });
    expect(result.get(1)?.nodes).toEqual([
      { topicId: 1, depth: 0 },
      { topicId: 2, depth: 1 },
      { topicId: 3, depth: 2 },
      { topicId: 4, depth: 3 },
      { topicId: 5, depth: 4 },
      { topicId: 6, depth: 5 },
    ]);
    expect(result.get(1)?.edges.length).toBe(6);
    expect((await shortestPath(database.db, 1, 6, { direction: "OUT" }))?.length).toBe(5);
    expect((await shortestPath(database.db, 1, 6))?.topicIds).toEqual([1, 6]);
    await loadGraph(database, star);
  });

  it("takes many ids in as many statements as one", async () => {
    const database = getDatabase();
    const many = Array.from({ length: 40 }, (_, i) => i + 1);
    const count = async (run: () => Promise<unknown>) => {
      database.resetStatements();
      await run();
      return database.statements.length;
    };
    // PGlite splits costly batches into statements of about equal work (see embeddedBatch).
    const statementsFor = (perStatement: number) =>
      testDriver === "pglite" ? Math.ceil(many.length / perStatement) : 1;
    expect(await count(() => neighborhoods(database.db, [1]))).toBe(1);
    expect(await count(() => neighborhoods(database.db, many, { depth: 3 }))).toBe(
      statementsFor(embeddedBatch("neighborhood", {})),
    );
    expect(await count(() => neighborhoods(database.db, many, { limit: 1000 }))).toBe(
      statementsFor(embeddedBatch("neighborhood", { limit: 1000 })),
    );
    expect(await count(() => relatedComparisons(database.db, [1]))).toBe(1);
    expect(await count(() => relatedComparisons(database.db, many))).toBe(
      statementsFor(embeddedBatch("relatedComparisons", {})),
    );
    expect(await count(() => shortestPath(database.db, 10, 13))).toBe(1);
  });

  it("rejects arguments out of range, naming them", async () => {
    const db = getDatabase().db;
    const rejects = async (run: () => Promise<unknown>, argument: string) => {
      const error = await run().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, argument).toBeInstanceOf(TraversalArgumentError);
      expect((error as TraversalArgumentError).argument).toBe(argument);
      expect((error as Error).message).toContain(`"${argument}"`);
    };
    await rejects(() => neighborhoods(db, [1], { depth: MAX_DEPTH + 1 }), "depth");
    await rejects(() => neighborhoods(db, [1], { depth: -1 }), "depth");
    await rejects(() => neighborhoods(db, [1], { depth: 1.5 }), "depth");
    await rejects(() => neighborhoods(db, [1], { limit: 0 }), "limit");
    await rejects(() => neighborhoods(db, [1], { limit: MAX_LIMIT + 1 }), "limit");
    await rejects(() => neighborhoods(db, [1], { kinds: ["LIKES" as RelationKind] }), "kinds");
    await rejects(() => neighborhoods(db, [1], { direction: "UP" as Direction }), "direction");
    await rejects(
      () =>
        neighborhoods(
          db,
          Array.from({ length: MAX_BATCH + 1 }, (_, i) => i + 1),
        ),
      "startIds",
    );
    await rejects(() => neighborhoods(db, [2 ** 31]), "startIds");
    await rejects(() => shortestPath(db, 1, 2, { maxDepth: MAX_PATH_DEPTH + 1 }), "maxDepth");
    await rejects(() => shortestPath(db, 1.5, 2), "from");
    await rejects(() => relatedComparisons(db, [1], { depth: MAX_RELATED_DEPTH + 1 }), "depth");
    await rejects(() => relatedComparisons(db, [1], { first: -1 }), "first");
    await rejects(() => relatedComparisonsCounted(db, [1], { first: 0 }), "first");
    await rejects(() => relatedComparisonsCounted(db, [1], { depth: -1, first: 1 }), "depth");
  });

  it("an empty kinds list follows nothing", async () => {
    const result = await neighborhoods(getDatabase().db, [1], { kinds: [] });
    expect(result.get(1)).toEqual({
      nodes: [{ topicId: 1, depth: 0 }],
      edges: [],
      truncated: false,
    });
    expect(await shortestPath(getDatabase().db, 1, 2, { kinds: [] })).toBeNull();
  });
});
