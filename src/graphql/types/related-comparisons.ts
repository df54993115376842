import {
  DEFAULT_RELATED_DEPTH,
  MAX_RELATED_DEPTH,
  type RelatedComparison,
  relatedComparisons,
  TraversalArgumentError,
} from "../../graph/traversal.ts";
import { badUserInput, builder, CONNECTION_DEFAULT_SIZE, maxPageSize } from "../builder.ts";
import type { Context } from "../context.ts";
import { batchLoad } from "../loaders.ts";
import { Comparison } from "./comparison.ts";

function encodeCursor(item: RelatedComparison): string {
  return Buffer.from(JSON.stringify([item.distance, item.slug])).toString("base64url");
}

function decodeCursor(cursor: string, argument: string): { distance: number; slug: string } {
  try {
    const [distance, slug] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Number.isInteger(distance) && typeof slug === "string") return { distance, slug };
  } catch {}
  throw badUserInput(`"${cursor.slice(0, 100)}" is not a cursor of relatedComparisons`, {
    argument,
  });
}

/** Orders like the traversal does: distance, then slug in byte order. */
function compare(a: { distance: number; slug: string }, b: { distance: number; slug: string }) {
  if (a.distance !== b.distance) return a.distance - b.distance;
  return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0;
}

builder.drizzleObjectField("comparisonsTable", "relatedComparisons", (t) =>
  t.connection(
    {
      type: Comparison,
      description:
        "Other comparisons whose option topics lie within `depth` hops of this one's (RELATED_TO and COMPARED_WITH, both ways), nearest first, then by slug. Batched across parents.",
      args: {
        depth: t.arg.int({
          defaultValue: DEFAULT_RELATED_DEPTH,
          description: `Hops between option topics, 0 to ${MAX_RELATED_DEPTH} (default ${DEFAULT_RELATED_DEPTH}).`,
        }),
      },
      select: { columns: { id: true } },
      resolve: async (comparison, args, ctx: Context) => {
        maxPageSize(args);
        const depth = args.depth ?? DEFAULT_RELATED_DEPTH;
        let all: RelatedComparison[];
        try {
          all = await batchLoad(ctx, `related:${depth}`, comparison.id, (ids) =>
            relatedComparisons(ctx.db, ids, { depth }),
          );
        } catch (error) {
          if (error instanceof TraversalArgumentError) {
            throw badUserInput(error.message, { argument: error.argument });
          }
          throw error;
        }
        let start = 0;
        let end = all.length;
        if (args.after) {
          const after = decodeCursor(args.after, "after");
          start = all.findIndex((item) => compare(item, after) > 0);
          if (start === -1) start = all.length;
        }
        if (args.before) {
          const before = decodeCursor(args.before, "before");
          const index = all.findIndex((item) => compare(item, before) >= 0);
          end = index === -1 ? all.length : index;
        }
        let window = all.slice(start, Math.max(start, end));
        if (args.first !== null && args.first !== undefined) window = window.slice(0, args.first);
        else if (args.last === null || args.last === undefined) {
          window = window.slice(0, CONNECTION_DEFAULT_SIZE);
        }
        if (args.last !== null && args.last !== undefined) {
          window = window.slice(Math.max(0, window.length - args.last));
        }
        const edges = window.map((item) => ({
          cursor: encodeCursor(item),
          node: { id: item.comparisonId } as never,
          distance: item.distance,
        }));
        const firstIndex = window.length ? all.indexOf(window[0] as RelatedComparison) : start;
        const lastIndex = window.length
          ? all.indexOf(window[window.length - 1] as RelatedComparison)
          : start - 1;
        return {
          edges,
          totalCount: all.length,
          pageInfo: {
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges[edges.length - 1]?.cursor ?? null,
            hasPreviousPage: firstIndex > 0,
            hasNextPage: lastIndex < all.length - 1,
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
          resolve: (page) => (page as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
    {
      name: "RelatedComparisonEdge",
      description: "A nearby comparison and how near it is.",
      fields: (e) => ({
        distance: e.int({
          description:
            "Fewest hops from an option topic of the first comparison to one of this one's.",
          resolve: (edge) => (edge as unknown as { distance: number }).distance,
        }),
      }),
    },
  ),
);
