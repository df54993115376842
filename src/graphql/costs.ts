import { type GraphQLField, getNamedType, isListType, isNonNullType } from "graphql";
import { MAX_RELATED_DEPTH } from "../graph/traversal.ts";
import { pageSize } from "./paging.ts";

/**
 * What fields cost (plugin-complexity's `fieldComplexity`), counted in items the server produces;
 * one unit is about 0.1 ms of server work. builder.ts makes `defaultFieldCost` every field's cost;
 * fields whose work is not their items' (traversals) set their own where they are defined.
 */

/**
 * How many items a list without a page-size argument may hold, by `field:ItemType`, for pricing
 * what is selected under it: the bounds the writers enforce (8 options, 10 tags an option, so at
 * most 80 topics a comparison) or, where nothing bounds it, a generous guess (DEFAULT_LIST_SIZE).
 */
const LIST_SIZES: Record<string, number> = {
  "options:Option": 8,
  "topics:Topic": 80,
  "relatedTopics:Topic": 10,
  "conditions:VerdictCondition": 8,
  "byOption:OptionFeedback": 8,
};
const DEFAULT_LIST_SIZE = 10;

/**
 * Pages whose own query does more than fetch its items, by `field:ConnectionType`: the field's
 * cost before its items are counted. Measured on 10,000 generated pages (bench/limits.ts, one
 * unit about 0.1 ms of server work): a topic's comparisons and related topics are sorted and
 * counted over all of its rows, which a hub has by the thousand (100 pages of 20 related topics
 * took 0.75 s); a search scores every candidate of its words (7 searches took 2 s).
 */
const PAGE_FIELD_COSTS: Record<string, number> = {
  "comparisons:TopicComparisonsConnection": 50,
  "related:TopicRelatedConnection": 100,
  "search:SearchConnection": 2000,
};

function isList(field: GraphQLField<unknown, unknown>): boolean {
  return isListType(isNonNullType(field.type) ? field.type.ofType : field.type);
}

/**
 * The cost of a field: 1 for the field itself, and the selection below it multiplied by how many
 * items it may hold. A page multiplies by `first`/`last` (or the default size) whatever their
 * source (literal, variable, default), so `first: $n` costs what $n says; a page's own `edges`
 * and `nodes` then count once per item.
 */
export function defaultFieldCost(
  args: Record<string, unknown>,
  field: GraphQLField<unknown, unknown>,
): { field: number; multiplier: number } {
  const argNames = new Set(field.args.map((arg) => arg.name));
  if (argNames.has("first") || argNames.has("last")) {
    const own = PAGE_FIELD_COSTS[`${field.name}:${getNamedType(field.type).name}`] ?? 1;
    return { field: own, multiplier: pageSize(args) };
  }
  if (argNames.has("ids") && Array.isArray(args.ids)) {
    return { field: 1, multiplier: args.ids.length };
  }
  if (!isList(field)) return { field: 1, multiplier: 1 };
  const item = getNamedType(field.type).name;
  const known = LIST_SIZES[`${field.name}:${item}`];
  if (known !== undefined) return { field: 1, multiplier: known };
  // The edges and nodes of a page: the page's multiplier already counted them.
  if (field.name === "edges" || field.name === "nodes") return { field: 1, multiplier: 1 };
  return { field: 1, multiplier: DEFAULT_LIST_SIZE };
}

/**
 * The search behind one parent's related comparisons. It scores every comparison within `depth`
 * hops, and on a small-world graph that is nearly all of them from one hop on: on 10,000
 * generated pages depth 1 reached 1,700, depth 2 and more all 10,000; one search took 0.15-0.6 s
 * at depth 1, 0.25-1.2 s at depth 2 and 0.9-1.8 s at depth 4 (psql and bench/limits.ts, on a
 * loaded machine).
 */
const RELATED_SEARCH_COSTS = [100, 2000, 4000, 5000, 9000] as const;
export function relatedSearchCost(depth: number): number {
  const clamped = Math.max(0, Math.min(Math.trunc(depth), MAX_RELATED_DEPTH));
  return RELATED_SEARCH_COSTS[clamped] ?? 9000;
}

/**
 * Traversal costs. The generated 10,000-page graph has about 3 edges per topic; a path search may
 * visit a large part of the graph from both ends, so each hop it may take is priced like a page
 * of topics. A neighbourhood keeps at most `limit` topics: its statement costs about two units a
 * topic (types/topic.ts), and what is selected below it is built in memory from the one row a
 * start gets, about a quarter of a unit per topic (30 neighbourhoods of 330 topics took 0.7 s, a hub's 290 topics with
 * every edge 0.2 s).
 */
export const EDGES_PER_NODE = 4;
export const NODE_SELECTION_SHARE = 4;
export const PATH_SEARCH_COST = 100;
