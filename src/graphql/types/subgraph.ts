import { sql } from "drizzle-orm";
import {
  DEFAULT_DEPTH,
  DEFAULT_LIMIT,
  DEFAULT_PATH_DEPTH,
  type Direction,
  type RelationKind as Kind,
  MAX_DEPTH,
  MAX_LIMIT,
  MAX_PATH_DEPTH,
  neighborhoods,
  type Subgraph as SubgraphData,
  type SubgraphEdge as SubgraphEdgeData,
  shortestPath,
  TraversalArgumentError,
} from "../../graph/traversal.ts";
import { badUserInput, builder, checkKinds } from "../builder.ts";
import type { Context } from "../context.ts";
import { batchLoad } from "../loaders.ts";
import { Direction as DirectionEnum, RelationKind } from "./relation-kind.ts";
import { Topic } from "./topic.ts";

/** Argument mistakes found by the traversal functions are the client's: BAD_USER_INPUT. */
export async function clientErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TraversalArgumentError) {
      throw badUserInput(error.message, { argument: error.argument });
    }
    throw error;
  }
}

/**
 * Costs (src/graphql/builder.ts counts in items produced). The generated 10,000-page graph has
 * about 3 edges per topic; a path search may visit a large part of the graph from both ends,
 * so each hop it may take is priced like a page of topics.
 */
const EDGES_PER_NODE = 4;
const NODE_SELECTION_SHARE = 4;
const PATH_SEARCH_COST = 100;

const topicRefs = new WeakMap<Context, Map<number, { id: number }>>();

/**
 * A topic known only by id: the plugin loads the fields a client selects, batched per request.
 * Its batch is keyed by object, so one object per id and request: a topic that appears in many
 * neighbourhoods is then one id in one query, not one bind parameter per appearance (100
 * neighbourhoods of 1000 topics passed Postgres' 65,535-parameter limit).
 */
function topicRef(ctx: Context, id: number): never {
  let refs = topicRefs.get(ctx);
  if (!refs) {
    refs = new Map();
    topicRefs.set(ctx, refs);
  }
  let ref = refs.get(id);
  if (!ref) {
    ref = { id };
    refs.set(id, ref);
  }
  return ref as never;
}

const SubgraphNode = builder.objectRef<SubgraphData["nodes"][number]>("SubgraphNode").implement({
  description: "A topic of a neighbourhood, with its distance from the start.",
  fields: (t) => ({
    depth: t.exposeInt("depth", {
      description: "Fewest hops from the start topic (0 for the start).",
    }),
    topic: t.field({
      type: Topic,
      description: "The topic.",
      resolve: (node, _args, ctx) => topicRef(ctx, node.topicId),
    }),
  }),
});

const SubgraphEdge = builder.objectRef<SubgraphEdgeData>("SubgraphEdge").implement({
  description: "An edge between two topics.",
  fields: (t) => ({
    from: t.field({
      type: Topic,
      description: "Where the edge starts.",
      resolve: (e, _args, ctx) => topicRef(ctx, e.fromId),
    }),
    to: t.field({
      type: Topic,
      description: "Where the edge ends.",
      resolve: (e, _args, ctx) => topicRef(ctx, e.toId),
    }),
    kind: t.field({ type: RelationKind, description: "The kind of edge.", resolve: (e) => e.kind }),
    weight: t.float({
      nullable: true,
      description: "How strong the edge is; for page edges, how many pages assert it.",
      resolve: (e) => e.weight,
    }),
  }),
});

const Subgraph = builder.objectRef<SubgraphData>("Subgraph").implement({
  description: "The part of the graph around a topic, ready to draw.",
  fields: (t) => ({
    nodes: t.field({
      type: [SubgraphNode],
      // `neighborhood` multiplies what is selected here by its limit: one per node.
      complexity: { field: 1, multiplier: 1 },
      description:
        "The start topic first (depth 0), then every topic within reach, by depth, then id. When `limit` bites, the kept topics are the first reached breadth-first, each topic adding its neighbours in id order.",
      resolve: (g) => g.nodes,
    }),
    edges: t.field({
      type: [SubgraphEdge],
      // Edges are paid at twice a node's share: around a hub they outnumber the nodes, and
      // building them is most of a large neighbourhood's time (1,000 topics around the largest
      // hub: 2 s).
      complexity: { field: 1, multiplier: EDGES_PER_NODE * 2 },
      description:
        "Every edge of the allowed kinds between two nodes; a symmetric COMPARED_WITH pair appears once.",
      resolve: (g) => g.edges,
    }),
    truncated: t.exposeBoolean("truncated", {
      description: "True when `limit` left out topics that lie within `depth` hops.",
    }),
  }),
});

const TopicPath = builder
  .objectRef<{ length: number; topicIds: number[]; edges: SubgraphEdgeData[] }>("TopicPath")
  .implement({
    description: "One shortest path between two topics.",
    fields: (t) => ({
      length: t.exposeInt("length", { description: "Hops: the number of edges." }),
      topics: t.field({
        type: [Topic],
        complexity: { field: 1, multiplier: MAX_PATH_DEPTH + 1 },
        description: "The topics in order, from `from` to `to`.",
        resolve: (p, _args, ctx) => p.topicIds.map((id) => topicRef(ctx, id)),
      }),
      edges: t.field({
        type: [SubgraphEdge],
        complexity: { field: 1, multiplier: MAX_PATH_DEPTH },
        description: "The edge taken at each hop, in order.",
        resolve: (p) => p.edges,
      }),
    }),
  });

builder.drizzleObjectFields("topicsTable", (t) => ({
  neighborhood: t.field({
    type: Subgraph,
    description: `The topics within \`depth\` hops and the edges between them. Batched: a list of topics asking for neighbourhoods costs one statement.`,
    args: {
      depth: t.arg.int({
        defaultValue: DEFAULT_DEPTH,
        description: `Hops from this topic, 0 to ${MAX_DEPTH} (default ${DEFAULT_DEPTH}).`,
      }),
      kinds: t.arg({
        type: [RelationKind],
        required: false,
        description: "Edge kinds to follow (default: all).",
      }),
      direction: t.arg({
        type: DirectionEnum,
        defaultValue: "BOTH",
        description: "Which way to follow edges (default BOTH).",
      }),
      limit: t.arg.int({
        required: false,
        description: `Most topics to return, the start included, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`,
      }),
    },
    // The search keeps at most `limit` topics: its statement costs about one unit a topic. What
    // is selected below is built in memory from the one row a start gets (topics by one batched
    // load), about a quarter of that per topic: measured on 10,000 pages (bench/limits.ts), 30
    // neighbourhoods of 330 topics took 0.7 s, a hub's 290 topics with every edge 0.2 s.
    complexity: (args) => {
      const limit = typeof args.limit === "number" ? Math.max(1, args.limit) : DEFAULT_LIMIT;
      return { field: limit, multiplier: Math.ceil(limit / NODE_SELECTION_SHARE) };
    },
    select: { columns: { id: true } },
    resolve: (topic, args, ctx: Context) => {
      const options = {
        depth: args.depth ?? DEFAULT_DEPTH,
        kinds: checkKinds(args.kinds as Kind[] | null | undefined),
        direction: (args.direction ?? "BOTH") as Direction,
        limit: args.limit ?? DEFAULT_LIMIT,
      };
      const key = `neighborhood:${JSON.stringify(options)}`;
      return clientErrors(() =>
        batchLoad(ctx, key, topic.id, (ids) => neighborhoods(ctx.db, ids, options)),
      );
    },
  }),
  record: t.field({
    // Two correlated counts in the parent's statement.
    complexity: 2,
    type: builder.objectRef<{ comparisons: number; wins: number }>("TopicRecord").implement({
      description: "How a topic fares as an option.",
      fields: (r) => ({
        comparisons: r.exposeInt("comparisons", {
          description: "Comparisons that have it as an option.",
        }),
        wins: r.exposeInt("wins", { description: "Those of them that pick it." }),
      }),
    }),
    description: "In how many comparisons the topic is an option, and how many pick it.",
    select: {
      extras: {
        recordComparisons: (topic) =>
          sql<number>`(SELECT count(*)::int FROM options o WHERE o.topic_id = ${topic.id})`,
        recordWins: (topic) =>
          sql<number>`(SELECT count(*)::int FROM options o JOIN comparisons c ON c.pick_option_id = o.id
                       WHERE o.topic_id = ${topic.id})`,
      },
    },
    resolve: (topic) => ({ comparisons: topic.recordComparisons, wins: topic.recordWins }),
  }),
}));

builder.queryField("path", (t) =>
  t.field({
    type: TopicPath,
    nullable: true,
    complexity: (args) => ({
      field: PATH_SEARCH_COST * Math.max(1, args.maxDepth ?? DEFAULT_PATH_DEPTH),
      multiplier: 1,
    }),
    description: "One shortest path between two topics; null when none is within `maxDepth` hops.",
    args: {
      from: t.arg.string({ required: true, description: "Slug of the first topic." }),
      to: t.arg.string({ required: true, description: "Slug of the last topic." }),
      kinds: t.arg({
        type: [RelationKind],
        required: false,
        description: "Edge kinds to follow (default: all).",
      }),
      direction: t.arg({
        type: DirectionEnum,
        defaultValue: "BOTH",
        description: "Which way edges may be walked (default BOTH).",
      }),
      maxDepth: t.arg.int({
        defaultValue: DEFAULT_PATH_DEPTH,
        description: `Most hops, 0 to ${MAX_PATH_DEPTH} (default ${DEFAULT_PATH_DEPTH}).`,
      }),
    },
    resolve: async (_root, args, ctx) => {
      const topics = await ctx.db.query.topicsTable.findMany({
        columns: { id: true, slug: true },
        where: {
          OR: [
            { slug: { in: [args.from, args.to] } },
            { aliases: { slug: { in: [args.from, args.to] } } },
          ],
        },
        with: { aliases: { columns: { slug: true } } },
      });
      const idOf = (slug: string, argument: string) => {
        const topic = topics.find((x) => x.slug === slug || x.aliases.some((a) => a.slug === slug));
        if (!topic)
          throw badUserInput(`no topic has the slug "${slug.slice(0, 200)}"`, { argument });
        return topic.id;
      };
      const fromId = idOf(args.from, "from");
      const toId = idOf(args.to, "to");
      return clientErrors(() =>
        shortestPath(ctx.db, fromId, toId, {
          kinds: checkKinds(args.kinds as Kind[] | null | undefined),
          maxDepth: args.maxDepth ?? DEFAULT_PATH_DEPTH,
          direction: (args.direction ?? "BOTH") as Direction,
        }),
      );
    },
  }),
);
