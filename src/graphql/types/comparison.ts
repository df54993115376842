import { count, sql } from "drizzle-orm";
import { comparisonsTable } from "../../db/tables.ts";
import { TEXT_LIMITS } from "../../domain/rules.ts";
import { DEFAULT_RELATED_DEPTH, MAX_RELATED_DEPTH } from "../../graph/traversal.ts";
import { builder } from "../builder.ts";
import { badUserInput } from "../client-errors.ts";
import type { Context } from "../context.ts";
import { relatedSearchCost } from "../costs.ts";
import { maxPageSize, pageSize } from "../paging.ts";
import { relatedComparisonsPage } from "../related-comparisons.ts";
import { sameCategory } from "./category.ts";
import { FeedbackSummary } from "./feedback.ts";
import { Topic } from "./topic.ts";
import { Verdict } from "./verdict.ts";

/**
 * The Comparison type, every field of it, and the Query fields that return comparisons. Types of
 * its fields (Verdict, FeedbackSummary, Category) have their own files; paging related
 * comparisons is `../related-comparisons.ts`.
 */

export const Comparison = builder.drizzleNode("comparisonsTable", {
  name: "Comparison",
  description: "A comparison page: two or more options weighed against each other, and a verdict.",
  id: { column: (comparison) => comparison.id },
  fields: (t) => ({
    slug: t.exposeString("slug", {
      description: "Stable key: the option slugs joined by `-vs-`.",
    }),
    title: t.exposeString("title", { description: "The option names joined by ` vs `." }),
    category: t.exposeString("category", {
      description: "The page's category line, e.g. `Dynamic`.",
    }),
    intro: t.exposeString("intro", { description: "The introduction before the verdict." }),
    feedbackContact: t.exposeString("feedbackContact", {
      nullable: true,
      description: "Where readers who disagree with the pick can write.",
    }),
    version: t.exposeInt("version", {
      description: "Bumped on every content change; send it back as `expectedVersion` to update.",
    }),
    createdAt: t.exposeString("createdAt", {
      description: "When the comparison was first written (ISO 8601).",
    }),
    updatedAt: t.exposeString("updatedAt", {
      description: "When its content last changed (ISO 8601).",
    }),
    options: t.relation("options", {
      description: "The options, in title order.",
      query: { orderBy: { position: "asc" } },
    }),
    verdict: t.field({
      type: Verdict,
      description: "The pick, the bottom line and the `Use … if` conditions.",
      select: (_args, _ctx, nestedSelection) => ({
        columns: { pickSummary: true, bottomLine: true },
        with: {
          pick: nestedSelection({}, ["pick"]),
          options: nestedSelection({ orderBy: { position: "asc" } }, ["conditions", "option"]),
        },
      }),
      resolve: (comparison) => ({
        pick: comparison.pick,
        pickSummary: comparison.pickSummary,
        bottomLine: comparison.bottomLine,
        conditions: comparison.options
          .filter((option) => option.useIf !== null)
          .map((option) => ({ option, useIf: option.useIf as string })),
      }),
    }),
    topics: t.field({
      type: [Topic],
      description:
        "The adjacent topics: every option's `Related to` topics, each once, in page order.",
      select: (_args, _ctx, nestedSelection) => ({
        with: {
          options: {
            orderBy: { position: "asc" },
            with: { tags: { orderBy: { position: "asc" }, with: { topic: nestedSelection() } } },
          },
        },
      }),
      resolve: (comparison) => {
        const seen = new Map<
          number,
          (typeof comparison.options)[number]["tags"][number]["topic"]
        >();
        for (const option of comparison.options) {
          for (const tag of option.tags)
            if (!seen.has(tag.topic.id)) seen.set(tag.topic.id, tag.topic);
        }
        return [...seen.values()];
      },
    }),
  }),
});

builder.drizzleObjectFields("comparisonsTable", (t) => ({
  relatedComparisons: t.connection(
    {
      type: Comparison,
      description:
        "Other comparisons whose option topics lie within `depth` hops of this one's (RELATED_TO and COMPARED_WITH, both ways), most relevant first (by `score`, descending), then by slug. Batched across parents.",
      args: {
        depth: t.arg.int({
          defaultValue: DEFAULT_RELATED_DEPTH,
          description: `Hops between option topics, 0 to ${MAX_RELATED_DEPTH} (default ${DEFAULT_RELATED_DEPTH}).`,
        }),
      },
      // Ranking needs every comparison within reach scored, so every page is priced as the
      // full search.
      complexity: (args) => ({
        field: relatedSearchCost(args.depth ?? DEFAULT_RELATED_DEPTH),
        multiplier: pageSize(args),
      }),
      select: { columns: { id: true } },
      resolve: (comparison, args, ctx: Context, info) =>
        relatedComparisonsPage(comparison.id, args, ctx, info),
    },
    {
      name: "RelatedComparisonsConnection",
      description: "A page of comparisons near another one.",
      fields: (c) => ({
        totalCount: c.int({
          description: "How many comparisons are within `depth` hops, across all pages.",
          resolve: (page) => page.totalCount(),
        }),
      }),
    },
    {
      name: "RelatedComparisonEdge",
      description: "A nearby comparison, how near it is and how strongly the two are tied.",
      fields: (e) => ({
        distance: e.int({
          description:
            "Fewest hops from an option topic of the first comparison to one of this one's.",
          resolve: (edge) => edge.distance,
        }),
        score: e.float({
          description:
            "How strongly the two comparisons are tied; higher is closer, always above 0. Every topic of this comparison (an option counts 1, a tag 0.5) within `depth` hops of the first one's options adds 0.5^hops / ln(1 + the number of comparisons that topic takes part in): shared topics count most, nearby ones more than far ones, and hubs less than rare topics. Rounded to 6 decimals.",
          resolve: (edge) => edge.score,
        }),
      }),
    },
  ),
  feedback: t.field({
    type: FeedbackSummary,
    description: 'A summary of the public "disagree with our pick" feedback.',
    select: (_args, _ctx, nestedSelection) => ({
      columns: { pickOptionId: true },
      extras: {
        feedbackCounts: (comparison) =>
          sql<
            Record<string, number>
          >`(SELECT coalesce(json_object_agg(s.option_id, s.n), '{}'::json)
            FROM (SELECT preferred_option_id AS option_id, count(*)::int AS n FROM feedback f
                  WHERE f.comparison_id = ${comparison.id} GROUP BY 1) s)`,
      },
      with: { options: nestedSelection({ orderBy: { position: "asc" } }, ["byOption", "option"]) },
    }),
    resolve: (comparison) => {
      const counts = comparison.feedbackCounts ?? {};
      const byOption = comparison.options.map((option) => ({
        option,
        count: counts[String(option.id)] ?? 0,
      }));
      return {
        total: byOption.reduce((sum, row) => sum + row.count, 0),
        agree:
          comparison.pickOptionId === null ? 0 : (counts[String(comparison.pickOptionId)] ?? 0),
        byOption,
      };
    },
  }),
  history: t.relatedConnection("changes", {
    description: "Who changed this comparison and how, newest first.",
    query: { orderBy: { id: "desc" } },
    totalCount: true,
    maxSize: maxPageSize,
  }),
}));

builder.queryFields((t) => ({
  comparison: t.drizzleField({
    type: "comparisonsTable",
    nullable: true,
    description: "The comparison with this slug; null when there is none.",
    args: { slug: t.arg.string({ required: true, description: "The comparison's slug." }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.query.comparisonsTable.findFirst(query({ where: { slug: args.slug } })),
  }),
  comparisons: t.drizzleConnection({
    type: "comparisonsTable",
    description: "All comparisons, ordered by slug.",
    maxSize: maxPageSize,
    args: {
      category: t.arg.string({
        required: false,
        description: "Only comparisons of this category, compared case-insensitively.",
      }),
    },
    totalCount: async (_parent, args, ctx) => {
      const [row] = await ctx.db
        .select({ n: count() })
        .from(comparisonsTable)
        .where(args.category ? sameCategory(comparisonsTable.category, args.category) : undefined);
      return Number(row?.n ?? 0);
    },
    resolve: (query, _parent, args, ctx) => {
      if (
        args.category !== null &&
        args.category !== undefined &&
        args.category.length > TEXT_LIMITS.category
      ) {
        throw badUserInput(`category must be at most ${TEXT_LIMITS.category} characters`, {
          argument: "category",
        });
      }
      return ctx.db.query.comparisonsTable.findMany(
        query({
          where: args.category
            ? { RAW: (comparisons) => sameCategory(comparisons.category, args.category as string) }
            : {},
          orderBy: { slug: "asc" },
        }),
      );
    },
  }),
}));
