import { type GraphQLResolveInfo, Kind, type SelectionNode } from "graphql";
import {
  DEFAULT_RELATED_DEPTH,
  MAX_BATCH,
  MAX_RELATED_DEPTH,
  type RelatedComparison,
  type RelatedComparisonOptions,
  relatedComparisons,
} from "../../graph/traversal.ts";
import {
  badUserInput,
  builder,
  CONNECTION_DEFAULT_SIZE,
  maxPageSize,
  pageSize,
} from "../builder.ts";
import type { Context } from "../context.ts";
import { batchLoad } from "../loaders.ts";
import { Comparison } from "./comparison.ts";
import { clientErrors } from "./subgraph.ts";

// The cursor is (score, slug): the order itself. JSON keeps a double exactly, and scores are
// rounded in the database, so a cursor names its place exactly.
function encodeCursor(item: RelatedComparison): string {
  return Buffer.from(JSON.stringify([item.score, item.slug])).toString("base64url");
}

function decodeCursor(cursor: string, argument: string): { score: number; slug: string } {
  try {
    const [score, slug] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      typeof score === "number" &&
      Number.isFinite(score) &&
      score >= 0 &&
      typeof slug === "string"
    )
      return { score, slug };
  } catch {}
  throw badUserInput(`"${cursor.slice(0, 100)}" is not a cursor of relatedComparisons`, {
    argument,
  });
}

/**
 * The search behind one parent's related comparisons, in cost units (about 0.1 ms of server work
 * each). It scores every comparison within `depth` hops, and on a small-world graph that is
 * nearly all of them from one hop on: on 10,000 generated pages depth 1 reached 1,700, depth 2
 * and more all 10,000; one search took 0.15-0.6 s at depth 1, 0.25-1.2 s at depth 2 and
 * 0.9-1.8 s at depth 4 (psql and bench/limits.ts, on a loaded machine).
 */
const RELATED_SEARCH_COSTS = [100, 2000, 4000, 5000, 9000] as const;
export function relatedSearchCost(depth: number): number {
  const clamped = Math.max(0, Math.min(Math.trunc(depth), MAX_RELATED_DEPTH));
  return RELATED_SEARCH_COSTS[clamped] ?? 9000;
}

/** Whether the page's `totalCount` is selected (fragments followed). */
function selectsTotalCount(info: GraphQLResolveInfo): boolean {
  const visit = (selections: readonly SelectionNode[]): boolean =>
    selections.some((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value === "totalCount";
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet.selections);
      const fragment = info.fragments[selection.name.value];
      return fragment ? visit(fragment.selectionSet.selections) : false;
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet?.selections ?? []));
}

/** Parents past MAX_BATCH (nested lists) are searched in several statements of MAX_BATCH each. */
async function inBatches<Value>(
  ids: readonly number[],
  load: (ids: readonly number[]) => Promise<Map<number, Value>>,
): Promise<Map<number, Value>> {
  const result = new Map<number, Value>();
  for (let start = 0; start < ids.length; start += MAX_BATCH) {
    for (const [id, value] of await load(ids.slice(start, start + MAX_BATCH)))
      result.set(id, value);
  }
  return result;
}

/** Orders like the traversal does: score descending, then slug in byte order. */
function compare(a: { score: number; slug: string }, b: { score: number; slug: string }) {
  if (a.score !== b.score) return b.score - a.score;
  return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0;
}

builder.drizzleObjectField("comparisonsTable", "relatedComparisons", (t) =>
  t.connection(
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
      resolve: async (comparison, args, ctx: Context, info) => {
        maxPageSize(args);
        const depth = args.depth ?? DEFAULT_RELATED_DEPTH;
        const load = (name: string, options: RelatedComparisonOptions) =>
          clientErrors(() =>
            batchLoad(ctx, `related:${depth}:${name}`, comparison.id, (ids) =>
              inBatches(ids, (batch) => relatedComparisons(ctx.db, batch, { depth, ...options })),
            ),
          );
        // Counted only when asked for: the count needs every comparison within reach.
        const totalCount = async () => (await load("all", {})).length;
        const toEdge = (item: RelatedComparison) => ({
          cursor: encodeCursor(item),
          node: { id: item.comparisonId } as never,
          distance: item.distance,
          score: item.score,
        });
        const backward =
          (args.last !== null && args.last !== undefined) ||
          (args.before !== null && args.before !== undefined);
        // With totalCount asked for, every comparison in reach is loaded anyway: the page is
        // cut from that one search rather than scored again (it halved the explorer's page).
        if (!backward && !selectsTotalCount(info)) {
          // One more than asked says whether more follow.
          const first = args.first ?? CONNECTION_DEFAULT_SIZE;
          const after = args.after ? decodeCursor(args.after, "after") : undefined;
          const rows = await load(`first:${first}:${args.after ?? ""}`, {
            first: first + 1,
            ...(after ? { after } : {}),
          });
          const edges = rows.slice(0, first).map(toEdge);
          return {
            edges,
            totalCount,
            pageInfo: {
              startCursor: edges[0]?.cursor ?? null,
              endCursor: edges[edges.length - 1]?.cursor ?? null,
              hasPreviousPage: after !== undefined,
              hasNextPage: rows.length > first,
            },
          };
        }
        const all = await load("all", {});
        let end = all.length;
        if (args.before) {
          const before = decodeCursor(args.before, "before");
          const index = all.findIndex((item) => compare(item, before) >= 0);
          end = index === -1 ? all.length : index;
        }
        let start = 0;
        if (args.after) {
          const after = decodeCursor(args.after, "after");
          start = all.findIndex((item) => compare(item, after) > 0);
          if (start === -1) start = all.length;
        }
        let window = all.slice(start, Math.max(start, end));
        if (!backward) window = window.slice(0, args.first ?? CONNECTION_DEFAULT_SIZE);
        else if (args.first !== null && args.first !== undefined) {
          window = window.slice(0, args.first);
        }
        const last = backward ? (args.last ?? CONNECTION_DEFAULT_SIZE) : window.length;
        const firstIndex = Math.max(0, window.length - last);
        window = window.slice(firstIndex);
        const edges = window.map(toEdge);
        const lastItem = window[window.length - 1];
        return {
          edges,
          totalCount,
          pageInfo: {
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges[edges.length - 1]?.cursor ?? null,
            hasPreviousPage: start + firstIndex > 0,
            hasNextPage: lastItem !== undefined && all.indexOf(lastItem) < all.length - 1,
          },
        };
      },
    },
    {
      name: "RelatedComparisonsConnection",
      description: "A page of comparisons near another one.",
      fields: (c) => ({
        totalCount: c.int({
          description: "How many comparisons are within `depth` hops, across all pages.",
          resolve: (page) =>
            (page as unknown as { totalCount: () => Promise<number> }).totalCount(),
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
          resolve: (edge) => (edge as unknown as { distance: number }).distance,
        }),
        score: e.float({
          description:
            "How strongly the two comparisons are tied; higher is closer, always above 0. Every topic of this comparison (an option counts 1, a tag 0.5) within `depth` hops of the first one's options adds 0.5^hops / ln(1 + the number of comparisons that topic takes part in): shared topics count most, nearby ones more than far ones, and hubs less than rare topics. Rounded to 6 decimals.",
          resolve: (edge) => (edge as unknown as { score: number }).score,
        }),
      }),
    },
  ),
);
