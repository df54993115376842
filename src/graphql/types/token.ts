import { createToken, listTokens, revokeToken } from "../../editing/tokens.ts";
import { builder } from "../builder.ts";

const ApiToken = builder
  .objectRef<{ name: string; scopes: string[]; createdAt: string; revokedAt: string | null }>(
    "ApiToken",
  )
  .implement({
    description: "A writer's token (never the secret itself).",
    fields: (t) => ({
      name: t.exposeString("name", { description: "Who the token is for." }),
      scopes: t.exposeStringList("scopes", { description: "What it may do: editor, admin." }),
      createdAt: t.exposeString("createdAt", { description: "When it was created (ISO 8601)." }),
      revokedAt: t.exposeString("revokedAt", {
        nullable: true,
        description: "When it was revoked; null while it works.",
      }),
    }),
  });

const CreateTokenPayload = builder
  .objectRef<{ name: string; token: string; scopes: string[] }>("CreateTokenPayload")
  .implement({
    description: "A new token. The secret is shown here once and never again.",
    fields: (t) => ({
      name: t.exposeString("name", { description: "Who the token is for." }),
      token: t.exposeString("token", {
        description: "The secret: send it as `Authorization: Bearer <token>`.",
      }),
      scopes: t.exposeStringList("scopes", { description: "What it may do." }),
    }),
  });

const RevokeTokenPayload = builder.objectRef<{ name: string }>("RevokeTokenPayload").implement({
  description: "The revoked token.",
  fields: (t) => ({ name: t.exposeString("name", { description: "Who the token was for." }) }),
});

builder.queryField("tokens", (t) =>
  t.field({
    type: [ApiToken],
    description: "Every writer token, by name. Needs an admin token.",
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => listTokens(ctx.db),
  }),
);

builder.mutationFields((t) => ({
  createToken: t.field({
    type: CreateTokenPayload,
    description: "Creates a writer token. Needs an admin token.",
    authScopes: { admin: true },
    errors: {},
    args: {
      input: t.arg({
        required: true,
        description: "The token to create.",
        type: builder.inputType("CreateTokenInput", {
          description: "Who a token is for and what it may do.",
          fields: (f) => ({
            name: f.string({
              required: true,
              description: "Unique name, e.g. the editor's handle.",
            }),
            scopes: f.stringList({ required: true, description: "editor and/or admin." }),
          }),
        }),
      }),
    },
    resolve: (_root, { input }, ctx) => createToken(ctx.db, input),
  }),
  revokeToken: t.field({
    type: RevokeTokenPayload,
    description: "Revokes a token at once. Needs an admin token.",
    authScopes: { admin: true },
    errors: {},
    args: {
      input: t.arg({
        required: true,
        description: "The token to revoke.",
        type: builder.inputType("RevokeTokenInput", {
          description: "Which token to revoke.",
          fields: (f) => ({ name: f.string({ required: true, description: "The token's name." }) }),
        }),
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      await revokeToken(ctx.db, input.name);
      return { name: input.name };
    },
  }),
}));
