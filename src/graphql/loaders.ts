import DataLoader from "dataloader";
import {
  type CountedRelatedComparisons,
  MAX_BATCH,
  type NeighborhoodOptions,
  neighborhoods,
  type RelatedComparison,
  type RelatedComparisonOptions,
  relatedComparisons,
  relatedComparisonsCounted,
  type Subgraph,
} from "../graph/traversal.ts";
import { clientErrors } from "./client-errors.ts";
import type { Context } from "./context.ts";

/**
 * Every request-scoped loader, declared here and nowhere else. A loader collects the parents of a
 * list (each asks for its own key) and answers them all with one call, so nested lists cost one
 * statement per distinct argument set, not one per item. Parents past MAX_BATCH (nested lists)
 * are split into batches of MAX_BATCH, the most one traversal statement takes.
 */
export interface RequestLoaders {
  /** The neighbourhood of each topic id, for one set of arguments. */
  neighborhood(options: NeighborhoodOptions): DataLoader<number, Subgraph>;
  /** The comparisons related to each comparison id, for one set of arguments. */
  relatedComparisons(options: RelatedComparisonOptions): DataLoader<number, RelatedComparison[]>;
  /** The first page of each comparison's related comparisons, and how many there are in all. */
  relatedComparisonsCounted(options: {
    depth: number;
    first: number;
  }): DataLoader<number, CountedRelatedComparisons>;
  /**
   * A topic known only by id, for plugin-drizzle to load the selected fields of. Its batch is
   * keyed by object, so there is one object per id and request: a topic in many neighbourhoods is
   * then one id in one query, not one bind parameter per appearance (100 neighbourhoods of 1000
   * topics passed Postgres' 65,535-parameter limit).
   */
  topicRef(id: number): { id: number };
}

const loadersByContext = new WeakMap<Context, RequestLoaders>();

/** The loaders of this request, made on first use. */
export function loadersOf(ctx: Context): RequestLoaders {
  let loaders = loadersByContext.get(ctx);
  if (!loaders) {
    loaders = createLoaders(ctx);
    loadersByContext.set(ctx, loaders);
  }
  return loaders;
}

function createLoaders(ctx: Context): RequestLoaders {
  const byArguments = new Map<string, DataLoader<number, unknown>>();
  const topics = new Map<number, { id: number }>();

  /** One loader per name and argument set; `load` answers a batch of keys as a Map. */
  function loader<Value>(
    name: string,
    options: object,
    load: (keys: readonly number[]) => Promise<Map<number, Value>>,
  ): DataLoader<number, Value> {
    const key = `${name}:${JSON.stringify(options)}`;
    let found = byArguments.get(key) as DataLoader<number, Value> | undefined;
    if (!found) {
      found = new DataLoader<number, Value>(
        async (keys) => {
          // Argument mistakes the traversal finds are the client's, for every key of the batch.
          const values = await clientErrors(() => load(keys));
          return keys.map((k) => values.get(k) ?? new Error(`nothing loaded for ${name} ${k}`));
        },
        { maxBatchSize: MAX_BATCH },
      );
      byArguments.set(key, found as DataLoader<number, unknown>);
    }
    return found;
  }

  return {
    neighborhood: (options) =>
      loader("neighborhood", options, (ids) => neighborhoods(ctx.db, ids, options)),
    relatedComparisons: (options) =>
      loader("relatedComparisons", options, (ids) => relatedComparisons(ctx.db, ids, options)),
    relatedComparisonsCounted: (options) =>
      loader("relatedComparisonsCounted", options, (ids) =>
        relatedComparisonsCounted(ctx.db, ids, options),
      ),
    topicRef(id) {
      let ref = topics.get(id);
      if (!ref) {
        ref = { id };
        topics.set(id, ref);
      }
      return ref;
    },
  };
}
