import SchemaBuilder from "@pothos/core";
import ComplexityPlugin from "@pothos/plugin-complexity";
import DrizzlePlugin from "@pothos/plugin-drizzle";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { type Column, getViewSelectedFields, isTable } from "drizzle-orm";
import { getTableConfig, type PgTable, type PgView } from "drizzle-orm/pg-core";
import type { GraphQLField } from "graphql";
import { type Relations, relations } from "../db/relations.ts";
import { ConflictError, NotFoundError, ValidationError } from "../editing/errors.ts";
import { authorizationError } from "./client-errors.ts";
import type { Context } from "./context.ts";
import { defaultFieldCost } from "./costs.ts";
import { decodeGlobalId } from "./global-id.ts";
import { nodeQueryOptions, nodesQueryOptions } from "./node.ts";
import { CONNECTION_DEFAULT_SIZE, CONNECTION_MAX_SIZE } from "./paging.ts";

/**
 * The Pothos builder and its plugins' settings, and nothing else: types live in `types/`, the
 * root types in `query.ts` and `mutation.ts`, and what the settings call in their own modules.
 */

export type { Context } from "./context.ts";

// Views have no keys; the plugin only needs their columns to plan selections and cursors.
function tableOrViewConfig(table: PgTable | PgView) {
  if (isTable(table)) return getTableConfig(table as PgTable);
  const columns = Object.values(getViewSelectedFields(table as PgView)) as Column[];
  return { columns, primaryKeys: [], uniqueConstraints: [] };
}

const capitalized = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

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
    nodeQueryOptions,
    nodesQueryOptions,
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
  // Every field that sets `errors: {}` (the mutations) returns the union `<Field>Result` of its
  // payload and the expected failures of src/editing/; anything else is thrown and masked.
  errors: {
    defaultTypes: [ValidationError, NotFoundError, ConflictError],
    directResult: true,
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalized(fieldName)}Result` },
  },
});
