import DataLoader from "dataloader";
import type { Context } from "./context.ts";

const loadersByContext = new WeakMap<Context, Map<string, DataLoader<number, unknown>>>();

/**
 * A request-scoped batch loader: every parent in a list asks for its own key, and the loader
 * answers them all with one call of `load`, so nested lists cost one statement, not one per item.
 * Loaders are keyed by `name`, which must include every argument that changes the answer.
 */
export function batchLoad<Value>(
  ctx: Context,
  name: string,
  key: number,
  load: (keys: readonly number[]) => Promise<Map<number, Value>>,
): Promise<Value> {
  let loaders = loadersByContext.get(ctx);
  if (!loaders) {
    loaders = new Map();
    loadersByContext.set(ctx, loaders);
  }
  let loader = loaders.get(name) as DataLoader<number, Value> | undefined;
  if (!loader) {
    loader = new DataLoader<number, Value>(async (keys) => {
      const values = await load(keys);
      return keys.map((k) => {
        const value = values.get(k);
        return value === undefined ? new Error(`nothing loaded for ${name} ${k}`) : value;
      });
    });
    loaders.set(name, loader as DataLoader<number, unknown>);
  }
  return loader.load(key);
}
