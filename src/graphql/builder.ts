import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import DrizzlePlugin from "@pothos/plugin-drizzle";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { type Column, getViewSelectedFields, inArray, isTable } from "drizzle-orm";
import { getTableConfig, type PgTable, type PgView } from "drizzle-orm/pg-core";
import { GraphQLError, type GraphQLField, getNamedType, isListType, isNonNullType } from "graphql";
import type { Db } from "../db/client.ts";
import { type Relations, relations } from "../db/relations.ts";
import { comparisonsTable, optionsTable, topicsTable } from "../db/tables.ts";
import type { Context } from "./context.ts";

export type { Context } from "./context.ts";

/** A client mistake: reported with code BAD_USER_INPUT, never masked. */
export function badUserInput(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", ...details } });
}

/** UNAUTHENTICATED without valid credentials, FORBIDDEN when the token lacks the scope. */
function authorizationError(ctx: Context, field: string): GraphQLError {
  const state = ctx.authState ?? { kind: "anonymous" };
  if (state.kind === "anonymous") {
    return new GraphQLError(`${field} needs an editor token: send Authorization: Bearer <token>`, {
      extensions: { code: "UNAUTHENTICATED" },
    });
  }
  if (state.kind === "invalid") {
    return new GraphQLError(`${field} refused: ${state.reason}`, {
      extensions: { code: "UNAUTHENTICATED" },
    });
  }
  return new GraphQLError(
    `${field} is not allowed for token "${state.viewer.tokenName}" (scopes: ${state.viewer.scopes.join(", ")})`,
    { extensions: { code: "FORBIDDEN" } },
  );
}

/** Page sizes of every connection: the default, and the most a client may ask for. */
export const CONNECTION_DEFAULT_SIZE = 20;
export const CONNECTION_MAX_SIZE = 100;

// Views have no keys; the plugin only needs their columns to plan selections and cursors.
function tableOrViewConfig(table: PgTable | PgView) {
  if (isTable(table)) return getTableConfig(table as PgTable);
  const columns = Object.values(getViewSelectedFields(table as PgView)) as Column[];
  return { columns, primaryKeys: [], uniqueConstraints: [] };
}

/**
 * Every connection's `maxSize`: the plugin would silently cut a larger page down, which hides a
 * client's mistake, so asking for more is refused instead.
 */
export function maxPageSize(args: { first?: number | null; last?: number | null }): number {
  for (const name of ["first", "last"] as const) {
    const value = args[name];
    if (value !== null && value !== undefined && (value < 0 || value > CONNECTION_MAX_SIZE)) {
      throw badUserInput(`${name} must be between 0 and ${CONNECTION_MAX_SIZE} (got ${value})`, {
        argument: name,
      });
    }
  }
  return CONNECTION_MAX_SIZE;
}

/** An empty `kinds` list would follow nothing; leaving the argument out is how to ask for all. */
export function checkKinds<Kind>(
  kinds: readonly Kind[] | null | undefined,
): readonly Kind[] | undefined {
  if (kinds === null || kinds === undefined) return undefined;
  if (kinds.length === 0) {
    throw badUserInput("kinds must name at least one kind; leave it out to follow every kind", {
      argument: "kinds",
    });
  }
  return kinds;
}

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

/** `first`, else `last`, else the default size: what a page may hold. */
export function pageSize(args: { first?: unknown; last?: unknown }): number {
  for (const value of [args.first, args.last]) {
    if (typeof value === "number" && Number.isFinite(value)) return Math.max(0, value);
  }
  return CONNECTION_DEFAULT_SIZE;
}

/**
 * The cost of a field (plugin-complexity's `fieldComplexity`), counted in items the server
 * produces: 1 for the field itself, and the selection below it multiplied by how many items it
 * may hold. A page multiplies by `first`/`last` (or the default size) whatever their source
 * (literal, variable, default), so `first: $n` costs what $n says; a page's own `edges` and
 * `nodes` then count once per item. Traversal fields set their own costs where they are defined.
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

export const builder = new SchemaBuilder<{
  Context: Context;
  DrizzleRelations: Relations;
  AuthScopes: { editor: boolean; admin: boolean };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, DrizzlePlugin, ComplexityPlugin],
  // Costs only: the limit is checked in validation (src/http/), where the request's variables
  // are known and a refusal can carry its own code before anything runs.
  complexity: {
    fieldComplexity: (args, _ctx, field) =>
      defaultFieldCost(args, field as GraphQLField<unknown, unknown>),
  },
  scopeAuth: {
    // Resolved once per request (the plugin caches it): one token lookup, however many fields.
    authScopes: async (ctx) => {
      const state = await ctx.auth();
      const scopes: string[] = state.kind === "viewer" ? state.viewer.scopes : [];
      return {
        editor: scopes.includes("editor") || scopes.includes("admin"),
        admin: scopes.includes("admin"),
      };
    },
    unauthorizedError: (_parent, ctx, info) => authorizationError(ctx, info.fieldName),
  },
  drizzle: {
    client: (ctx) => ctx.db,
    getTableConfig: tableOrViewConfig,
    relations,
    defaultConnectionSize: CONNECTION_DEFAULT_SIZE,
    maxConnectionSize: CONNECTION_MAX_SIZE,
  },
  relay: {
    cursorType: "String",
    clientMutationId: "omit",
    nodesOnConnection: { description: "The nodes of this page, in order (the edges' nodes)." },
    idFieldOptions: {
      description: "Opaque global id; pass it to `node(id:)` to fetch this object again.",
    },
    nodeTypeOptions: { description: "An object with a global id that `node(id:)` can fetch." },
    nodeQueryOptions: {
      args: { id: { description: "A global id." } },
      resolve: (_root, args, _ctx, _info, resolveNode) =>
        Promise.resolve(resolveNode(args.id)).catch(nullWhenMissing),
      description: "The object with this global id; null when it no longer exists.",
    },
    nodesQueryOptions: {
      description: `The objects with these global ids (at most ${CONNECTION_MAX_SIZE}), in order; null for ids that no longer exist.`,
      args: { ids: { description: `Global ids, at most ${CONNECTION_MAX_SIZE}.` } },
      resolve: async (_root, args, ctx, _info, resolveNodes) => {
        if (args.ids.length > CONNECTION_MAX_SIZE) {
          throw badUserInput(
            `nodes takes at most ${CONNECTION_MAX_SIZE} ids (got ${args.ids.length})`,
            { argument: "ids" },
          );
        }
        // The plugin loads each type's ids as one batch that fails whole when one row is gone,
        // so gone rows are blanked first (one cheap query per type asked for).
        const missing = await findMissingNodes(ctx.db, args.ids);
        const ids = args.ids as ({ typename: string; id: string } | null)[];
        ids.forEach((id, index) => {
          if (id !== null && missing.has(`${id.typename}:${id.id}`)) ids[index] = null;
        });
        return resolveNodes(args.ids);
      },
    },
    pageInfoTypeOptions: {
      description: "Where a page sits in its list, and the cursors to move on.",
    },
    hasNextPageFieldOptions: { description: "True when more items follow this page." },
    hasPreviousPageFieldOptions: { description: "True when items come before this page." },
    startCursorFieldOptions: {
      description: "Cursor of the first item of this page; pass it as `before`.",
    },
    endCursorFieldOptions: {
      description: "Cursor of the last item of this page; pass it as `after`.",
    },
    pageInfoFieldOptions: { description: "Cursors and whether more pages exist." },
    edgesFieldOptions: { description: "The items of this page with their cursors." },
    cursorFieldOptions: {
      description: "Opaque position of this item; pass it as `after` or `before`.",
    },
    nodeFieldOptions: { description: "The item." },
    firstArgOptions: {
      description: `How many items to return from the start (default ${CONNECTION_DEFAULT_SIZE}, at most ${CONNECTION_MAX_SIZE}).`,
    },
    lastArgOptions: {
      description: `How many items to return from the end (at most ${CONNECTION_MAX_SIZE}).`,
    },
    afterArgOptions: { description: "Return items after this cursor." },
    beforeArgOptions: { description: "Return items before this cursor." },
    defaultConnectionTypeOptions: { description: "A page of a list, with cursors to fetch more." },
    defaultEdgeTypeOptions: { description: "One item of a page, with its cursor." },
    decodeGlobalID: (globalID) => decodeGlobalId(globalID),
  },
  errors: { defaultTypes: [] },
});

/** A well-formed id of a row that is gone is not an error: `node` answers null, as Relay expects. */
function nullWhenMissing(error: unknown): null {
  if (error instanceof Error && /^Model \w+\(.*\) not found$/.test(error.message)) return null;
  throw error;
}

const nodeTables = {
  Topic: topicsTable,
  Comparison: comparisonsTable,
  Option: optionsTable,
} as const;

async function findMissingNodes(
  db: Db,
  ids: readonly { typename: string; id: string }[],
): Promise<Set<string>> {
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

const GLOBAL_ID = /^(Topic|Comparison|Option):([1-9][0-9]{0,9})$/;

/** Global ids are base64 of `Type:id`; anything else is the client's mistake, said plainly. */
export function decodeGlobalId(globalID: string): { typename: string; id: string } {
  const decoded = Buffer.from(globalID, "base64").toString("utf8");
  const match = GLOBAL_ID.exec(decoded);
  if (
    match === null ||
    Buffer.from(decoded, "utf8").toString("base64") !== globalID ||
    Number(match[2]) > 2_147_483_647
  ) {
    throw badUserInput(`"${globalID.slice(0, 100)}" is not a pickgraph id`, { argument: "id" });
  }
  return { typename: match[1] as string, id: match[2] as string };
}

builder.queryType({ description: "Reads of the comparison graph. Every read is public." });
