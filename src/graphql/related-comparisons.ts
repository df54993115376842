import { resolveCursorConnection } from "@pothos/plugin-relay";
import { type GraphQLResolveInfo, Kind, type SelectionNode } from "graphql";
import type { comparisonsTable } from "../db/tables.ts";
import {
  type CountedRelatedComparisons,
  DEFAULT_RELATED_DEPTH,
  type RelatedComparison,
} from "../graph/traversal.ts";
import { badUserInput } from "./client-errors.ts";
import type { Context } from "./context.ts";
import { loadersOf } from "./loaders.ts";
import { CONNECTION_DEFAULT_SIZE, maxPageSize } from "./paging.ts";

/**
 * Paging of `Comparison.relatedComparisons` (the field is in types/comparison.ts): the relay
 * plugin's `resolveCursorConnection` does the arithmetic of first/last/after/before; what is ours
 * is the cursor, and which search answers a page.
 */

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

/** Orders like the traversal does: score descending, then slug in byte order. */
function compare(a: { score: number; slug: string }, b: { score: number; slug: string }) {
  if (a.score !== b.score) return b.score - a.score;
  return a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0;
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

export interface RelatedComparisonsArgs {
  depth?: number | null;
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/**
 * The node is the Comparison's row by type, but only its `id` is set: the drizzle plugin finds
 * the columns the operation selects missing and loads them by id, batched over the page.
 */
type ComparisonNode = typeof comparisonsTable.$inferSelect;

interface RelatedComparisonEdgeShape {
  cursor: string;
  node: ComparisonNode;
  distance: number;
  score: number;
}

interface RelatedComparisonsPage {
  edges: RelatedComparisonEdgeShape[];
  pageInfo: {
    startCursor: string | null;
    endCursor: string | null;
    hasPreviousPage: boolean;
    hasNextPage: boolean;
  };
  /** Counted only when asked for: the count needs every comparison within reach. */
  totalCount: () => Promise<number>;
}

/** One page of the comparisons related to `comparisonId`, batched across parents. */
export async function relatedComparisonsPage(
  comparisonId: number,
  args: RelatedComparisonsArgs,
  ctx: Context,
  info: GraphQLResolveInfo,
): Promise<RelatedComparisonsPage> {
  maxPageSize(args);
  const depth = args.depth ?? DEFAULT_RELATED_DEPTH;
  const loaders = loadersOf(ctx);
  const all = () => loaders.relatedComparisons({ depth }).load(comparisonId);
  // With totalCount asked for, every comparison in reach is scored anyway: a first page comes
  // with the count from one statement; a page elsewhere is cut from the whole list.
  const wholeList = selectsTotalCount(info);
  let counted: Promise<CountedRelatedComparisons> | undefined;
  const page = await resolveCursorConnection<Promise<RelatedComparison[]>>(
    { args, toCursor: encodeCursor, defaultSize: CONNECTION_DEFAULT_SIZE },
    async ({ after, before, limit, inverted }): Promise<RelatedComparison[]> => {
      const afterKey = after === undefined ? undefined : decodeCursor(after, "after");
      const beforeKey = before === undefined ? undefined : decodeCursor(before, "before");
      if (!inverted && beforeKey === undefined) {
        if (!wholeList) {
          // Forward from a cursor: the statement itself keeps `limit` (one more than the page).
          return loaders
            .relatedComparisons({ depth, first: limit, ...(afterKey ? { after: afterKey } : {}) })
            .load(comparisonId);
        }
        if (afterKey === undefined) {
          // The load itself is kept (and awaited here at once), not a promise derived from it:
          // a derived one would reject unobserved when the page fails and totalCount never runs.
          counted = loaders.relatedComparisonsCounted({ depth, first: limit }).load(comparisonId);
          return (await counted).page;
        }
      }
      const within = (await all()).filter(
        (item) =>
          (afterKey === undefined || compare(item, afterKey) > 0) &&
          (beforeKey === undefined || compare(item, beforeKey) < 0),
      );
      return inverted ? within.slice(-limit).reverse() : within.slice(0, limit);
    },
  );
  const { edges: found, pageInfo } = page;
  const edges = found.map(
    ({ cursor, node }): RelatedComparisonEdgeShape => ({
      cursor,
      node: { id: node.comparisonId } as ComparisonNode,
      distance: node.distance,
      score: node.score,
    }),
  );
  return {
    edges,
    // An empty page has no cursors (the helper would repeat the argument's).
    pageInfo: {
      ...pageInfo,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: async () => (counted ? (await counted).total : (await all()).length),
  };
}
