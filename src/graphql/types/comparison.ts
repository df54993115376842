import { type AnyColumn, count, sql } from "drizzle-orm";
import { selectRows } from "../../db/client.ts";
import { comparisonsTable } from "../../db/tables.ts";
import { badUserInput, builder, maxPageSize } from "../builder.ts";
import { Option } from "./option.ts";
import { Topic } from "./topic.ts";

interface VerdictShape {
  pick: { id: number } | null;
  pickSummary: string;
  bottomLine: string;
  conditions: { option: { id: number; useIf: string | null }; useIf: string }[];
}

export const VerdictCondition = builder
  .objectRef<VerdictShape["conditions"][number]>("VerdictCondition")
  .implement({
    description: "One `Use <option> if:` line of a verdict.",
    fields: (t) => ({
      option: t.field({
        type: Option,
        description: "The option the condition recommends.",
        resolve: (condition) => condition.option as never,
      }),
      useIf: t.exposeString("useIf", { description: "When to choose that option." }),
    }),
  });

export const Verdict = builder.objectRef<VerdictShape>("Verdict").implement({
  description:
    "What a comparison concludes: its pick, the bottom line and when to use each option.",
  fields: (t) => ({
    pick: t.field({
      type: Option,
      nullable: true,
      description: "The winning option; null only while an editor has not picked one.",
      resolve: (verdict) => verdict.pick as never,
    }),
    pickSummary: t.exposeString("pickSummary", {
      description: "The summary the page gives under its pick marker.",
    }),
    bottomLine: t.exposeString("bottomLine", { description: "The closing judgement." }),
    conditions: t.field({
      type: [VerdictCondition],
      description: "One condition per option that has one, in option order.",
      resolve: (verdict) => verdict.conditions,
    }),
  }),
});

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

/** Categories compare case-insensitively; `lower(category)` is indexed (comparisons_category_lower). */
function sameCategory(column: AnyColumn, category: string) {
  return sql`lower(${column}) = lower(${category})`;
}

interface CategoryShape {
  name: string;
  count: number;
}

export const Category = builder.objectRef<CategoryShape>("Category").implement({
  description:
    "A category of comparisons. Categories that differ only in case are one category, named by the spelling most of its pages use.",
  fields: (t) => ({
    name: t.exposeString("name", {
      description:
        "The category as pages write it; of several spellings, the most used (then the first in byte order).",
    }),
    count: t.exposeInt("count", { description: "How many comparisons have this category." }),
  }),
});

builder.queryFields((t) => ({
  categories: t.field({
    type: [Category],
    description:
      "Every category with how many comparisons it has, ordered by name case-insensitively (then byte order). One statement; there are far fewer categories than comparisons, so the list is not paged.",
    resolve: (_root, _args, ctx) =>
      selectRows<CategoryShape>(
        ctx.db,
        sql`
          SELECT g.name, g.count FROM (
            SELECT (array_agg(s.category ORDER BY s.n DESC, s.category COLLATE "C"))[1] AS name,
                   sum(s.n)::int AS count
            FROM (SELECT category, count(*) AS n FROM comparisons GROUP BY category) AS s
            GROUP BY lower(s.category)
          ) AS g
          ORDER BY lower(g.name) COLLATE "C", g.name COLLATE "C"
        `,
      ),
  }),
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
      if (args.category !== null && args.category !== undefined && args.category.length > 100) {
        throw badUserInput("category must be at most 100 characters", { argument: "category" });
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
