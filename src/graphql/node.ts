import { inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { comparisonsTable, optionsTable, topicsTable } from "../db/tables.ts";
import type { NodeType } from "../domain/rules.ts";
import { badUserInput } from "./client-errors.ts";
import type { Context } from "./context.ts";
import { CONNECTION_MAX_SIZE } from "./paging.ts";

/**
 * `Query.node` and `Query.nodes`: the relay plugin builds both fields (builder.ts hands it these
 * options); what is ours is how gone rows and oversized lists are answered.
 */

type GlobalId = { typename: string; id: string };

const nodeTables = {
  Topic: topicsTable,
  Comparison: comparisonsTable,
  Option: optionsTable,
} as const satisfies Record<NodeType, unknown>;

/** A well-formed id of a row that is gone is not an error: `node` answers null, as Relay expects. */
function nullWhenMissing(error: unknown): null {
  if (error instanceof Error && /^Model \w+\(.*\) not found$/.test(error.message)) return null;
  throw error;
}

async function findMissingNodes(db: Db, ids: readonly GlobalId[]): Promise<Set<string>> {
  const missing = new Set<string>();
  for (const [typename, table] of Object.entries(nodeTables)) {
    const wanted = ids.filter((id) => id.typename === typename).map((id) => Number(id.id));
    if (wanted.length === 0) continue;
    const found = await db.select({ id: table.id }).from(table).where(inArray(table.id, wanted));
    const present = new Set(found.map((row) => row.id));
    for (const id of wanted) if (!present.has(id)) missing.add(`${typename}:${id}`);
  }
  return missing;
}

export const nodeQueryOptions = {
  args: { id: { description: "A global id." } },
  description: "The object with this global id; null when it no longer exists.",
  resolve: (
    _root: unknown,
    args: { id: GlobalId },
    _ctx: Context,
    _info: unknown,
    resolveNode: (id: GlobalId) => unknown,
  ) => Promise.resolve(resolveNode(args.id)).catch(nullWhenMissing),
};

export const nodesQueryOptions = {
  description: `The objects with these global ids (at most ${CONNECTION_MAX_SIZE}), in order; null for ids that no longer exist.`,
  args: { ids: { description: `Global ids, at most ${CONNECTION_MAX_SIZE}.` } },
  resolve: async (
    _root: unknown,
    args: { ids: GlobalId[] },
    ctx: Context,
    _info: unknown,
    resolveNodes: (ids: GlobalId[]) => Promise<unknown[]>,
  ) => {
    if (args.ids.length > CONNECTION_MAX_SIZE) {
      throw badUserInput(
        `nodes takes at most ${CONNECTION_MAX_SIZE} ids (got ${args.ids.length})`,
        { argument: "ids" },
      );
    }
    // The plugin loads each type's ids as one batch that fails whole when one row is gone,
    // so gone rows are blanked first (one cheap query per type asked for).
    const missing = await findMissingNodes(ctx.db, args.ids);
    const ids = args.ids as (GlobalId | null)[];
    ids.forEach((id, index) => {
      if (id !== null && missing.has(`${id.typename}:${id.id}`)) ids[index] = null;
    });
    // The plugin answers null for a null id; its types do not say so.
    return resolveNodes(ids as GlobalId[]);
  },
};
