import { GraphQLError } from "graphql";
import { TraversalArgumentError } from "../graph/traversal.ts";
import type { Context } from "./context.ts";

/** A client mistake: reported with code BAD_USER_INPUT, never masked. */
export function badUserInput(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", ...details } });
}

/** UNAUTHENTICATED without valid credentials, FORBIDDEN when the token lacks the scope. */
export function authorizationError(ctx: Context, field: string): GraphQLError {
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

/** Argument mistakes found by the traversal functions are the client's: BAD_USER_INPUT. */
export async function clientErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TraversalArgumentError) {
      throw badUserInput(error.message, { argument: error.argument });
    }
    throw error;
  }
}
