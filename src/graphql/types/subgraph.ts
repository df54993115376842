import {
  DEFAULT_PATH_DEPTH,
  type Direction,
  type RelationKind as Kind,
  MAX_PATH_DEPTH,
  type Subgraph as SubgraphData,
  type SubgraphEdge as SubgraphEdgeData,
  shortestPath,
} from "../../graph/traversal.ts";
import { checkKinds } from "../argument-checks.ts";
import { builder } from "../builder.ts";
import { badUserInput, clientErrors } from "../client-errors.ts";
import { EDGES_PER_NODE, PATH_SEARCH_COST } from "../costs.ts";
import { loadersOf } from "../loaders.ts";
import { Direction as DirectionEnum, RelationKind } from "./relation-kind.ts";
import { Topic } from "./topic.ts";

/**
 * The shapes traversals answer with (`Topic.neighborhood`, in types/topic.ts, and `Query.path`,
 * here): topics in them are handed over by id, one object per id and request (loaders.ts).
 */

const SubgraphNode = builder.objectRef<SubgraphData["nodes"][number]>("SubgraphNode").implement({
  description: "A topic of a neighbourhood, with its distance from the start.",
  fields: (t) => ({
    depth: t.exposeInt("depth", {
      description: "Fewest hops from the start topic (0 for the start).",
    }),
    topic: t.field({
      type: Topic,
      description: "The topic.",
      resolve: (node, _args, ctx) => loadersOf(ctx).topicRef(node.topicId) as never,
    }),
  }),
});

export const SubgraphEdge = builder.objectRef<SubgraphEdgeData>("SubgraphEdge").implement({
  description: "An edge between two topics.",
  fields: (t) => ({
    from: t.field({
      type: Topic,
      description: "Where the edge starts.",
      resolve: (e, _args, ctx) => loadersOf(ctx).topicRef(e.fromId) as never,
    }),
    to: t.field({
      type: Topic,
      description: "Where the edge ends.",
      resolve: (e, _args, ctx) => loadersOf(ctx).topicRef(e.toId) as never,
    }),
    kind: t.field({ type: RelationKind, description: "The kind of edge.", resolve: (e) => e.kind }),
    weight: t.float({
      nullable: true,
      description: "How strong the edge is; for page edges, how many pages assert it.",
      resolve: (e) => e.weight,
    }),
  }),
});

export const Subgraph = builder.objectRef<SubgraphData>("Subgraph").implement({
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
        resolve: (p, _args, ctx) => p.topicIds.map((id) => loadersOf(ctx).topicRef(id)) as never,
      }),
      edges: t.field({
        type: [SubgraphEdge],
        complexity: { field: 1, multiplier: MAX_PATH_DEPTH },
        description: "The edge taken at each hop, in order.",
        resolve: (p) => p.edges,
      }),
    }),
  });

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
