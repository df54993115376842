import { builder } from "./builder.ts";
import type { Context } from "./context.ts";

/**
 * The Mutation root. Every mutation is denied without the editor scope (a type-level scope, so a
 * new mutation is protected by default); a field may ask for more (`authScopes: { admin: true }`),
 * and a public one must say so with `skipTypeScopes: true` (only `submitFeedback`, which the HTTP
 * layer rate-limits). tests/graphql/auth.test.ts runs every mutation without a token and fails
 * on one that is not refused. Each mutation sets `errors: {}`: builder.ts turns the editing
 * errors into members of its `<Name>Result` union.
 */
/** Mutations a client may call without a token; each sets `skipTypeScopes`. */
export const PUBLIC_MUTATIONS = ["submitFeedback"] as const;

builder.mutationType({
  description: `Writes. Each runs in one transaction: it happens whole or not at all. All but ${PUBLIC_MUTATIONS.map((name) => `\`${name}\``).join(", ")} need \`Authorization: Bearer <token>\` with the editor scope.`,
  authScopes: { editor: true },
});

/** The writer's name for the change log; the mutation's scopes have already checked the token. */
export async function actorOf(ctx: Context): Promise<string> {
  const state = await ctx.auth();
  if (state.kind !== "viewer") throw new Error("a write ran without an authenticated viewer");
  return state.viewer.tokenName;
}
