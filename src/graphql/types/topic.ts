import { drizzleConnectionHelpers } from "@pothos/plugin-drizzle";
import { type AnyColumn, count, sql } from "drizzle-orm";
import { topicComparisonTotal, topicsTable } from "../../db/tables.ts";
import {
  DEFAULT_DEPTH,
  DEFAULT_LIMIT,
  type Direction as DirectionValue,
  type RelationKind as Kind,
  MAX_DEPTH,
  MAX_LIMIT,
} from "../../graph/traversal.ts";
import { checkKinds } from "../argument-checks.ts";
import { builder } from "../builder.ts";
import { badUserInput } from "../client-errors.ts";
import type { Context } from "../context.ts";
import { NODE_SELECTION_SHARE } from "../costs.ts";
import { loadersOf } from "../loaders.ts";
import { maxPageSize } from "../paging.ts";
import { Comparison } from "./comparison.ts";
import { Direction, RelationKind } from "./relation-kind.ts";
import { Subgraph } from "./subgraph.ts";

/**
 * The Topic type, every field of it, and the Query fields that return topics. The shapes of its
 * traversal fields are in subgraph.ts.
 */

export const Topic = builder.drizzleNode("topicsTable", {
  name: "Topic",
  description:
    "A node of the graph: a technology, practice, role or concept that comparisons weigh or mention.",
  id: { column: (topic) => topic.id },
  fields: (t) => ({
    slug: t.exposeString("slug", {
      description: "Stable, unique kebab-case key, e.g. `technical-leadership`.",
    }),
    name: t.exposeString("name", { description: "Display name, e.g. `Technical Leadership`." }),
    summary: t.exposeString("summary", {
      nullable: true,
      description:
        "The topic's own description, from a topic description file (docs/topic-descriptions.md) or an editor; null when it has none. Never an option's text: that is `Option.summary`.",
    }),
    provisional: t.exposeBoolean("provisional", {
      description:
        "True while the topic is known only from a `Related to` tag: its name is derived from the slug until a page or an editor names it.",
    }),
    createdAt: t.exposeString("createdAt", {
      description: "When the topic was first written (ISO 8601).",
    }),
    updatedAt: t.exposeString("updatedAt", {
      description: "When the topic last changed (ISO 8601).",
    }),
  }),
});

export const TopicComparisonOrder = builder.enumType("TopicComparisonOrder", {
  description: "How `Topic.comparisons` orders its comparisons.",
  values: {
    RELEVANCE: {
      description:
        "Most central to the topic first: comparisons where the topic is an option before those where it is only a tag, then by how many of the comparison's options tag the topic; ties by slug.",
    },
    SLUG: { description: "By comparison slug, ascending (the default)." },
    UPDATED: {
      description: "Most recently changed comparison first (its `updatedAt`); ties by slug.",
    },
  } as const,
});

const comparisonOrderArgs = builder.args((t) => ({
  orderBy: t.field({
    type: TopicComparisonOrder,
    required: false,
    defaultValue: "SLUG",
    description: "The order of the comparisons (default SLUG; null means SLUG too).",
  }),
}));

/**
 * `Topic.comparisons` pages `topic_comparison_entries`, whose indexes hold every order's sort key
 * with the slug as tie-break, so a page costs an index range however many comparisons the topic
 * has. RELEVANCE and UPDATED page the entries themselves: plugin-drizzle's cursor holds the sort
 * key, the slug and the entry's key. SLUG pages the `comparisons` relation (which goes through the
 * same entries) ordered by the unique slug, so its cursors stay `DC:S:<slug>`, byte for byte what
 * they were and what the compiled path writes.
 */
const comparisonsBySlug = drizzleConnectionHelpers(builder, "comparisonsTable", {
  args: () => comparisonOrderArgs,
  maxSize: maxPageSize,
  query: () => ({ orderBy: { slug: "asc" as const } }),
});

const comparisonEntries = drizzleConnectionHelpers(builder, "topicComparisonEntriesTable", {
  args: () => comparisonOrderArgs,
  maxSize: maxPageSize,
  query: (args) => ({
    orderBy:
      args.orderBy === "RELEVANCE"
        ? { relevance: "desc" as const, comparisonSlug: "asc" as const }
        : { updatedAt: "desc" as const, comparisonSlug: "asc" as const },
  }),
  select: (nestedSelection) => ({
    with: { comparison: nestedSelection() },
  }),
  resolveNode: (entry) => entry.comparison,
});

function bySlug(args: { orderBy?: string | null }): boolean {
  return (args.orderBy ?? "SLUG") === "SLUG";
}

const relatedArgs = builder.args((t) => ({
  kinds: t.field({
    type: [RelationKind],
    required: false,
    description: "Only edges of these kinds (default: all kinds).",
  }),
  direction: t.field({
    type: Direction,
    required: false,
    defaultValue: "BOTH",
    description: "Which edges to follow, seen from this topic (default BOTH).",
  }),
}));

const relatedLinks = drizzleConnectionHelpers(builder, "topicLinksView", {
  args: () => relatedArgs,
  maxSize: maxPageSize,
  query: (args) => ({
    where: {
      ...(checkKinds(args.kinds) ? { kind: { in: args.kinds as Kind[] } } : {}),
      ...(args.direction === "OUT"
        ? { OR: [{ outgoing: true }, { kind: "COMPARED_WITH" as const }] }
        : args.direction === "IN"
          ? { OR: [{ outgoing: false }, { kind: "COMPARED_WITH" as const }] }
          : {}),
    },
    orderBy: { weight: "desc", neighborSlug: "asc", kind: "asc", outgoing: "desc" },
  }),
  select: (nestedSelection) => ({
    columns: { kind: true, weight: true, outgoing: true },
    with: { neighbor: nestedSelection() },
  }),
  resolveNode: (link) => link.neighbor,
});

builder.drizzleObjectFields("topicsTable", (t) => ({
  comparisons: t.connection(
    {
      type: Comparison,
      description:
        "Comparisons in which this topic is an option, or a related topic of an option, in the order `orderBy` asks for (by slug unless told otherwise).",
      args: comparisonEntries.getArgs(),
      select: (args, ctx, nestedSelection) => ({
        with: bySlug(args)
          ? { comparisons: comparisonsBySlug.getQuery(args, ctx, nestedSelection) }
          : { comparisonEntries: comparisonEntries.getQuery(args, ctx, nestedSelection) },
        extras: {
          comparisonTotal: (topic) => topicComparisonTotal(topic.id),
        },
      }),
      resolve: (topic, args, ctx) => ({
        ...(bySlug(args)
          ? comparisonsBySlug.resolve(topic.comparisons ?? [], args, ctx)
          : comparisonEntries.resolve(
              // The select above loaded each entry with its comparison for this order.
              (topic.comparisonEntries ?? []) as Parameters<typeof comparisonEntries.resolve>[0],
              args,
              ctx,
            )),
        totalCount: topic.comparisonTotal,
      }),
    },
    {
      name: "TopicComparisonsConnection",
      description: "A page of a list, with cursors to fetch more.",
      fields: (connection) => ({
        totalCount: connection.int({
          description: "How many items the whole list holds, across all pages.",
          resolve: (page) => page.totalCount,
        }),
      }),
    },
    {
      name: "TopicComparisonsConnectionEdge",
      description: "One item of a page, with its cursor.",
    },
  ),
  related: t.connection(
    {
      type: Topic,
      description:
        "Topics joined to this one by an edge, strongest first (by weight, then slug). A topic joined by two kinds of edge appears once per edge.",
      args: relatedLinks.getArgs(),
      select: (args, ctx, nestedSelection) => ({
        with: { links: relatedLinks.getQuery(args, ctx, nestedSelection) },
        extras: {
          relatedTotal: (topic) =>
            sql<number>`(SELECT count(*)::int FROM topic_links l WHERE l.topic_id = ${topic.id} AND ${linkFilter(args)})`,
        },
      }),
      resolve: (topic, args, ctx) => ({
        ...relatedLinks.resolve(topic.links, args, ctx),
        totalCount: topic.relatedTotal,
      }),
    },
    {
      description: "A page of topics related to a topic.",
      fields: (connection) => ({
        totalCount: connection.int({
          description: "How many edges match, across all pages.",
          resolve: (page) => page.totalCount,
        }),
      }),
    },
    {
      description: "One edge from a topic to a related topic.",
      fields: (edge) => ({
        kind: edge.field({
          type: RelationKind,
          description: "The kind of the edge.",
          resolve: (link) => link.kind,
        }),
        weight: edge.float({
          description: "How strong the edge is; for page edges, how many pages assert it.",
          resolve: (link) => link.weight,
        }),
        direction: edge.field({
          type: Direction,
          description:
            "OUT when the edge leaves this topic, IN when it arrives; BOTH for symmetric kinds (COMPARED_WITH).",
          resolve: (link) =>
            link.kind === "COMPARED_WITH" ? "BOTH" : link.outgoing ? "OUT" : "IN",
        }),
      }),
    },
  ),
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
        type: Direction,
        defaultValue: "BOTH",
        description: "Which way to follow edges (default BOTH).",
      }),
      limit: t.arg.int({
        required: false,
        description: `Most topics to return, the start included, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT}).`,
      }),
    },
    // The search keeps at most `limit` topics: its statement costs about two units a topic (on
    // PGlite, 7 neighbourhoods of 1,000 topics at depth 6 took 1.07 s of CPU: 0.15 ms a topic;
    // priced at one unit they were admitted at the very edge of the 1 s bound). What is selected
    // below is built in memory from the one row a start gets (topics by one batched load), about
    // a quarter of a unit per topic: measured on 10,000 pages (bench/limits.ts), 30
    // neighbourhoods of 330 topics took 0.7 s, a hub's 290 topics with every edge 0.2 s.
    complexity: (args) => {
      const limit = typeof args.limit === "number" ? Math.max(1, args.limit) : DEFAULT_LIMIT;
      return { field: 2 * limit, multiplier: Math.ceil(limit / NODE_SELECTION_SHARE) };
    },
    select: { columns: { id: true } },
    resolve: (topic, args, ctx: Context) => {
      const options = {
        depth: args.depth ?? DEFAULT_DEPTH,
        kinds: checkKinds(args.kinds as Kind[] | null | undefined),
        direction: (args.direction ?? "BOTH") as DirectionValue,
        limit: args.limit ?? DEFAULT_LIMIT,
      };
      return loadersOf(ctx).neighborhood(options).load(topic.id);
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
  history: t.relatedConnection("changes", {
    description:
      "Who changed this topic (created, renamed, merged into, linked) and how, newest first.",
    query: { orderBy: { id: "desc" } },
    totalCount: true,
    maxSize: maxPageSize,
  }),
}));

builder.queryFields((t) => ({
  topic: t.drizzleField({
    type: "topicsTable",
    nullable: true,
    description:
      "The topic with this slug (or a former slug of a merged topic); null when there is none.",
    args: { slug: t.arg.string({ required: true, description: "The topic's slug." }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.query.topicsTable.findFirst(
        query({ where: { OR: [{ slug: args.slug }, { aliases: { slug: args.slug } }] } }),
      ),
  }),
  topics: t.drizzleConnection({
    type: "topicsTable",
    description: "All topics, ordered by slug.",
    maxSize: maxPageSize,
    args: {
      search: t.arg.string({
        required: false,
        description: "Only topics whose name or slug contains this text (case-insensitive).",
      }),
    },
    totalCount: async (_parent, args, ctx) => {
      const [row] = await ctx.db
        .select({ n: count() })
        .from(topicsTable)
        .where(args.search ? searchTopics(topicsTable, args.search) : undefined);
      return Number(row?.n ?? 0);
    },
    resolve: (query, _parent, args, ctx) =>
      ctx.db.query.topicsTable.findMany(
        query({
          where: args.search
            ? { RAW: (topics) => searchTopics(topics, args.search as string) }
            : {},
          orderBy: { slug: "asc" },
        }),
      ),
  }),
}));

/** The same filter as the `related` query, for its totalCount. */
function linkFilter(args: { kinds?: readonly string[] | null; direction?: string | null }) {
  const kinds = args.kinds?.length
    ? sql`l.kind = ANY(${sql.param([...args.kinds])}::text[])`
    : sql`true`;
  const direction =
    args.direction === "OUT"
      ? sql`(l.outgoing OR l.kind = 'COMPARED_WITH')`
      : args.direction === "IN"
        ? sql`(NOT l.outgoing OR l.kind = 'COMPARED_WITH')`
        : sql`true`;
  return sql`${kinds} AND ${direction}`;
}

/** Takes the table as the query names it: the relational builder aliases it. */
function searchTopics(topics: { name: AnyColumn; slug: AnyColumn }, text: string) {
  if (text.length > 200)
    throw badUserInput("search must be at most 200 characters", { argument: "search" });
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql`(${topics.name} ILIKE ${pattern} OR ${topics.slug} ILIKE ${pattern})`;
}
