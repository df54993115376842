import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import {
  type GraphQLInputType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { selectRows } from "../../src/db/client.ts";
import { createComparison } from "../../src/editing/comparisons.ts";
import { createToken } from "../../src/editing/tokens.ts";
import { linkTopics, upsertTopic } from "../../src/editing/topics.ts";
import { PUBLIC_MUTATIONS } from "../../src/graphql/mutation.ts";
import { schema } from "../../src/graphql/schema.ts";
import { renderPage } from "../../src/ingest/render-page.ts";
import { snapshotTables, useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";

// One database for the file. The refusals come first and must leave it as it was; the tests
// that write come last.
const database = useTestDatabase();
let app: App;
const tokens: Record<"editor" | "admin" | "revoked", string> = {
  editor: "",
  admin: "",
  revoked: "",
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** Global ids of the fixture comparisons alpha-vs-beta, gamma-vs-delta, lambda-vs-mu; options. */
const ids = {
  first: "",
  firstOptions: [] as string[],
  second: "",
  third: "",
  thirdOptions: [] as string[],
};

function comparisonInput(names: [string, string]) {
  return {
    category: "Auth",
    intro: `${names.join(" or ")}?`,
    options: names.map((name, i) => ({
      name,
      summary: `${name} in short.`,
      relatedTo: i === 0 ? ["shared-concept"] : [],
    })),
    pick: names[0],
    bottomLine: `${names[0]} wins.`,
  };
}

beforeAll(async () => {
  const db = database().db;
  app = createApp({ database: database(), logErrors: false });
  tokens.editor = (await createToken(db, { name: "editor", scopes: ["editor"] })).token;
  // Admin alone: the admin scope includes everything an editor may do.
  tokens.admin = (await createToken(db, { name: "admin", scopes: ["admin"] })).token;
  tokens.revoked = (await createToken(db, { name: "revoked", scopes: ["editor", "admin"] })).token;
  await createToken(db, { name: "spare", scopes: ["editor"] });
  await createComparison(db, "cli", comparisonInput(["Alpha", "Beta"]));
  await createComparison(db, "cli", comparisonInput(["Gamma", "Delta"]));
  await createComparison(db, "cli", comparisonInput(["Lambda", "Mu"]));
  await upsertTopic(db, "cli", { slug: "epsilon", name: "Epsilon" });
  await linkTopics(db, "cli", { from: "alpha", to: "gamma", weight: 2 });
  const revoked = await graphql(
    app,
    `mutation { revokeToken(input: { name: "revoked" }) { __typename } }`,
    {},
    bearer(tokens.admin),
  );
  expect(revoked.data?.revokeToken.__typename).toBe("RevokeTokenPayload");
  const { data } = await graphql(
    app,
    `{ a: comparison(slug: "alpha-vs-beta") { id options { id } }
       b: comparison(slug: "gamma-vs-delta") { id }
       c: comparison(slug: "lambda-vs-mu") { id options { id } } }`,
  );
  ids.first = data?.a.id;
  ids.firstOptions = data?.a.options.map((o: any) => o.id);
  ids.second = data?.b.id;
  ids.third = data?.c.id;
  ids.thirdOptions = data?.c.options.map((o: any) => o.id);
});

/** Equal snapshots mean not a byte was written. */
const snapshot = () => snapshotTables(database().db);

/** Statements that looked a bearer token up (by its hash). */
const tokenLookups = () =>
  database().statements.filter((s) => /api_tokens/.test(s) && /token_hash/.test(s)).length;

/** One operation per editor mutation, each of which would succeed with an editor token. */
function editorOperations(): [string, string, () => Record<string, unknown>][] {
  const page = renderPage({
    category: "Auth",
    title: "Zeta vs Eta",
    intro: "Imported.",
    pick: { name: "Zeta", summary: "Zeta." },
    options: ["Zeta", "Eta"].map((name) => ({
      name,
      summary: `${name}.`,
      pros: [],
      cons: [],
      relatedTo: [],
      useIf: null,
    })),
    bottomLine: "Zeta wins.",
    feedbackContact: null,
  });
  return [
    [
      "importPages",
      `mutation ($pages: [String!]!) { importPages(input: { pages: $pages }) { __typename } }`,
      () => ({ pages: [page] }),
    ],
    [
      "createComparison",
      `mutation ($input: CreateComparisonInput!) { createComparison(input: $input) { __typename } }`,
      () => ({ input: comparisonInput(["Theta", "Iota"]) }),
    ],
    [
      "updateComparison",
      `mutation ($id: ID!) { updateComparison(input: { id: $id, expectedVersion: 1, intro: "Changed." }) { __typename } }`,
      () => ({ id: ids.first }),
    ],
    [
      "deleteComparison",
      `mutation ($id: ID!) { deleteComparison(input: { id: $id }) { __typename } }`,
      () => ({ id: ids.second }),
    ],
    [
      "setPick",
      `mutation ($id: ID!, $option: ID!) {
        setPick(input: { comparisonId: $id, optionId: $option, expectedVersion: 1 }) { __typename } }`,
      () => ({ id: ids.third, option: ids.thirdOptions[1] }),
    ],
    [
      "upsertTopic",
      `mutation { upsertTopic(input: { slug: "kappa", name: "Kappa" }) { __typename } }`,
      () => ({}),
    ],
    [
      "mergeTopics",
      `mutation { mergeTopics(input: { from: "epsilon", into: "shared-concept" }) { __typename } }`,
      () => ({}),
    ],
    [
      "linkTopics",
      `mutation { linkTopics(input: { from: "beta", to: "delta", weight: 3 }) { __typename } }`,
      () => ({}),
    ],
    [
      "unlinkTopics",
      `mutation { unlinkTopics(input: { from: "alpha", to: "gamma" }) { __typename } }`,
      () => ({}),
    ],
  ];
}

const adminOperations: [string, string][] = [
  [
    "createToken",
    `mutation { createToken(input: { name: "newcomer", scopes: ["editor"] }) { __typename } }`,
  ],
  ["revokeToken", `mutation { revokeToken(input: { name: "spare" }) { __typename } }`],
  ["tokens", `{ tokens { name } }`],
];

const refusals: [string, () => Record<string, string>, RegExp][] = [
  ["no Authorization header", () => ({}), /needs an editor token/],
  ["an empty Authorization header", () => ({ authorization: "" }), /needs an editor token/],
  [
    "a Basic Authorization header",
    () => ({ authorization: "Basic ZWRpdG9yOnNlY3JldA==" }),
    /must be `Bearer <token>`/,
  ],
  ["Bearer without a token", () => ({ authorization: "Bearer" }), /must be `Bearer <token>`/],
  [
    "a token with a space in it",
    () => ({ authorization: `Bearer ${tokens.editor} extra` }),
    /must be `Bearer <token>`/,
  ],
  ["an unknown token", () => bearer("pgk_no-such-token"), /unknown or revoked/],
  [
    "the hash of a token instead of the token",
    () => bearer(createHash("sha256").update(tokens.editor).digest("hex")),
    /unknown or revoked/,
  ],
  ["a revoked token", () => bearer(tokens.revoked), /unknown or revoked/],
];

async function expectRefused(
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
  code: "UNAUTHENTICATED" | "FORBIDDEN",
  message: RegExp,
) {
  const before = await snapshot();
  const response = await graphql(app, query, variables, headers);
  expect(response.data ?? null).toBeNull();
  expect(response.errors).toHaveLength(1);
  expect(response.errors?.[0]?.extensions?.code).toBe(code);
  expect(response.errors?.[0]?.message).toMatch(message);
  expect(await snapshot()).toEqual(before);
}

describe("refusals write nothing", () => {
  const cases = editorOperations().flatMap(([field, query, variables]) =>
    refusals.map(
      ([label, headers, message]) => [field, label, query, variables, headers, message] as const,
    ),
  );
  it.each(cases)(
    "%s with %s: UNAUTHENTICATED",
    async (_f, _l, query, variables, headers, message) => {
      await expectRefused(query, variables(), headers(), "UNAUTHENTICATED", message);
    },
  );

  const adminCases = adminOperations.flatMap(([field, query]) =>
    refusals.map(([label, headers, message]) => [field, label, query, headers, message] as const),
  );
  it.each(adminCases)("%s with %s: UNAUTHENTICATED", async (_f, _l, query, headers, message) => {
    await expectRefused(query, {}, headers(), "UNAUTHENTICATED", message);
  });

  it.each(adminOperations)("%s with an editor token: FORBIDDEN", async (field, query) => {
    await expectRefused(
      query,
      {},
      bearer(tokens.editor),
      "FORBIDDEN",
      new RegExp(`^${field} is not allowed for token "editor" \\(scopes: editor\\)`),
    );
  });

  /**
   * Every mutation in the schema, called without a token with made-up arguments of the right
   * types, is refused before it runs unless mutation.ts lists it as public: a new mutation is
   * covered without anyone remembering to add it here.
   */
  const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});
  const sample = (type: GraphQLInputType, name: string): unknown => {
    const inner = getNullableType(type);
    if (isListType(inner)) return [sample(inner.ofType, name)];
    if (isInputObjectType(inner)) {
      return Object.fromEntries(
        Object.values(inner.getFields())
          .filter((field) => isNonNullType(field.type))
          .map((field) => [field.name, sample(field.type, field.name)]),
      );
    }
    if (isEnumType(inner)) return inner.getValues()[0]?.name;
    // Ids of the type the argument is for (by its name), or the relay plugin refuses them first.
    if (isScalarType(inner) && inner.name === "ID") {
      return /option/i.test(name) ? ids.firstOptions[0] : ids.first;
    }
    if (isScalarType(inner) && (inner.name === "Int" || inner.name === "Float")) return 1;
    if (isScalarType(inner) && inner.name === "Boolean") return true;
    return "sample";
  };
  it.each(mutations.map((field) => [field.name, field] as const))(
    "%s without a token: refused unless listed as public",
    async (name, field) => {
      const required = field.args.filter((arg) => isNonNullType(arg.type));
      const declared = required.map((arg) => `$${arg.name}: ${arg.type}`).join(", ");
      const passed = required.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
      const query = `mutation${declared ? `(${declared})` : ""} { ${name}${passed ? `(${passed})` : ""} { __typename } }`;
      const variables = Object.fromEntries(
        required.map((arg) => [arg.name, sample(arg.type, arg.name)]),
      );
      const before = await snapshot();
      const response = await graphql(app, query, variables);
      if ((PUBLIC_MUTATIONS as readonly string[]).includes(name)) {
        // Public: whatever it answers to made-up ids, it is not an authorization refusal.
        const codes = (response.errors ?? []).map((e) => e.extensions?.code);
        expect(codes).not.toContain("UNAUTHENTICATED");
        expect(codes).not.toContain("FORBIDDEN");
        return;
      }
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
      expect(await snapshot()).toEqual(before);
    },
  );

  it("refuses every field of a batch, stopping at the first", async () => {
    const before = await snapshot();
    const response = await graphql(
      app,
      `mutation {
        a: upsertTopic(input: { slug: "batch-one", name: "One" }) { __typename }
        b: upsertTopic(input: { slug: "batch-two", name: "Two" }) { __typename } }`,
      {},
      bearer("pgk_unknown"),
    );
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.map((e) => e.extensions?.code)).toEqual(["UNAUTHENTICATED"]);
    expect(await snapshot()).toEqual(before);
  });
});

describe("reads stay public", () => {
  const READ = `{
    comparison(slug: "alpha-vs-beta") { title version verdict { pick { name } } history(first: 5) { totalCount } }
    topic(slug: "alpha") { related(first: 10) { totalCount } }
    comparisons(first: 5) { totalCount } }`;

  it.each(refusals)("reads with %s", async (_label, headers) => {
    database().resetStatements();
    const response = await graphql(app, READ, {}, headers());
    expect(response.errors).toBeUndefined();
    expect(response.data?.comparison).toMatchObject({
      title: "Alpha vs Beta",
      verdict: { pick: { name: "Alpha" } },
    });
    expect(response.data?.comparisons.totalCount).toBe(3);
    // A read never looks at the token at all.
    expect(tokenLookups()).toBe(0);
  });

  it("takes public feedback with any header, never looking the token up", async () => {
    const feedbackCount = async () =>
      (
        await selectRows<{ n: number }>(database().db, sql`SELECT count(*)::int AS n FROM feedback`)
      )[0]?.n ?? 0;
    const before = await feedbackCount();
    for (const [index, [, headers]] of refusals.entries()) {
      database().resetStatements();
      // Each comment differs: the same feedback sent again is answered but not counted twice.
      const response = await graphql(
        app,
        `mutation ($id: ID!, $option: ID!, $comment: String) {
          submitFeedback(input: { comparisonId: $id, preferredOptionId: $option, comment: $comment }) {
            __typename } }`,
        { id: ids.first, option: ids.firstOptions[1], comment: `Nice, ${index}.` },
        headers(),
      );
      expect(response.errors).toBeUndefined();
      expect(response.data?.submitFeedback.__typename).toBe("SubmitFeedbackPayload");
      expect(tokenLookups()).toBe(0);
    }
    expect(await feedbackCount()).toBe(before + refusals.length);
  });
});

describe("token checks", () => {
  it("look the token up once per request, however many fields need it", async () => {
    database().resetStatements();
    const response = await graphql(
      app,
      `mutation ($id: ID!, $option: ID!) {
        a: upsertTopic(input: { slug: "lookup-one", name: "One" }) {
          ... on UpsertTopicPayload { topic { slug comparisons(first: 3) { nodes { slug } } } } }
        b: upsertTopic(input: { slug: "lookup-two", name: "Two" }) { __typename }
        c: linkTopics(input: { from: "lookup-one", to: "lookup-two", weight: 2 }) {
          ... on LinkTopicsPayload { from { related(first: 5) { nodes { slug } } } } }
        d: submitFeedback(input: { comparisonId: $id, preferredOptionId: $option }) {
          ... on SubmitFeedbackPayload { comparison { feedback { total } history(first: 3) { totalCount } } } }
        e: unlinkTopics(input: { from: "lookup-one", to: "lookup-two" }) { __typename } }`,
      { id: ids.first, option: ids.firstOptions[0] },
      bearer(tokens.editor),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.e.__typename).toBe("UnlinkTopicsPayload");
    expect(tokenLookups()).toBe(1);

    database().resetStatements();
    const admin = await graphql(
      app,
      `{ tokens { name } comparisons(first: 2) { nodes { slug } } again: tokens { scopes } }`,
      {},
      bearer(tokens.admin),
    );
    expect(admin.errors).toBeUndefined();
    expect(tokenLookups()).toBe(1);
  });

  it("accept the scheme in any case", async () => {
    const response = await graphql(
      app,
      `mutation { upsertTopic(input: { slug: "lower-case-bearer", name: "Lower" }) { __typename } }`,
      {},
      { authorization: `bearer   ${tokens.editor}` },
    );
    expect(response.data?.upsertTopic.__typename).toBe("UpsertTopicPayload");
  });

  it("store only a SHA-256 hash of each token and never show the secret again", async () => {
    const rows = await selectRows<{ name: string; token_hash: string; row: string }>(
      database().db,
      sql`SELECT name, token_hash, row_to_json(t)::text AS row FROM api_tokens t`,
    );
    const stored = rows.map((r) => r.row).join("\n");
    for (const [name, token] of Object.entries(tokens)) {
      expect(token).toMatch(/^pgk_[A-Za-z0-9_-]{43}$/);
      expect(stored).not.toContain(token);
      expect(stored).not.toContain(token.slice(4));
      expect(rows.find((r) => r.name === name)?.token_hash).toBe(
        createHash("sha256").update(token).digest("hex"),
      );
    }
    const listed = await graphql(
      app,
      `{ tokens { name scopes createdAt revokedAt } }`,
      {},
      bearer(tokens.admin),
    );
    expect(listed.errors).toBeUndefined();
    const text = JSON.stringify(listed.data);
    for (const row of rows) expect(text).not.toContain(row.token_hash);
    for (const token of Object.values(tokens)) expect(text).not.toContain(token);
    const revoked = listed.data?.tokens.find((t: any) => t.name === "revoked");
    expect(revoked.revokedAt).toBeTruthy();
    const { data } = await graphql(app, `{ __type(name: "ApiToken") { fields { name } } }`);
    expect(data?.__type.fields.map((f: any) => f.name).sort()).toEqual([
      "createdAt",
      "name",
      "revokedAt",
      "scopes",
    ]);
  });
});

describe("managing tokens over GraphQL", () => {
  const CREATE = `mutation ($name: String!, $scopes: [String!]!) {
    createToken(input: { name: $name, scopes: $scopes }) {
      __typename ... on CreateTokenPayload { name token scopes }
      ... on Error { message } ... on ValidationError { issues { path message } } } }`;
  const REVOKE = `mutation ($name: String!) {
    revokeToken(input: { name: $name }) { __typename ... on RevokeTokenPayload { name } ... on Error { message } } }`;
  const WRITE = `mutation ($slug: String!) { upsertTopic(input: { slug: $slug, name: "Written" }) { __typename } }`;
  const admin = () => bearer(tokens.admin);

  it("creates a token that works at once, and revokes it so that it stops at once", async () => {
    const created = await graphql(app, CREATE, { name: "carol", scopes: ["editor"] }, admin());
    expect(created.data?.createToken).toMatchObject({
      __typename: "CreateTokenPayload",
      name: "carol",
      scopes: ["editor"],
    });
    const token: string = created.data?.createToken.token;
    const written = await graphql(app, WRITE, { slug: "by-carol" }, bearer(token));
    expect(written.data?.upsertTopic.__typename).toBe("UpsertTopicPayload");
    const [change] = await selectRows<{ actor: string }>(
      database().db,
      sql`SELECT actor FROM changes WHERE subject = 'by-carol'`,
    );
    expect(change?.actor).toBe("carol");

    expect((await graphql(app, REVOKE, { name: "carol" }, admin())).data?.revokeToken).toEqual({
      __typename: "RevokeTokenPayload",
      name: "carol",
    });
    await expectRefused(
      WRITE,
      { slug: "by-carol-again" },
      bearer(token),
      "UNAUTHENTICATED",
      /unknown or revoked/,
    );
    expect((await graphql(app, REVOKE, { name: "carol" }, admin())).data?.revokeToken).toEqual({
      __typename: "NotFoundError",
      message: 'No active token named "carol"',
    });
    // Revoked is revoked: the name cannot be taken again either.
    const again = await graphql(app, CREATE, { name: "carol", scopes: ["editor"] }, admin());
    expect(again.data?.createToken).toMatchObject({
      __typename: "ConflictError",
      message: 'a token named "carol" already exists',
    });
  });

  it.each([
    ["a name with a space", { name: "bad name", scopes: ["editor"] }, ["name"]],
    ["a 65-character name", { name: "n".repeat(65), scopes: ["editor"] }, ["name"]],
    ["no scopes", { name: "noscope", scopes: [] }, ["scopes"]],
    ["an unknown scope", { name: "superuser", scopes: ["root"] }, ["scopes"]],
  ])("refuses %s with a ValidationError", async (_label, variables, paths) => {
    const before = await snapshot();
    const result = await graphql(app, CREATE, variables, admin());
    expect(result.data?.createToken.__typename).toBe("ValidationError");
    expect(result.data?.createToken.issues.map((i: any) => i.path)).toEqual([paths]);
    expect(await snapshot()).toEqual(before);
  });

  it("lets an admin-only token do everything an editor can", async () => {
    for (const [field, query, variables] of editorOperations()) {
      const response = await graphql(app, query, variables(), admin());
      expect(response.errors, field).toBeUndefined();
      expect(response.data?.[field].__typename, field).toMatch(/Payload$/);
    }
    const { data } = await graphql(
      app,
      `{ comparison(slug: "alpha-vs-beta") { version history(first: 3) { nodes { actor action } } } }`,
    );
    expect(data?.comparison).toEqual({
      version: 2,
      history: {
        nodes: [
          { actor: "admin", action: "comparison.update" },
          { actor: "cli", action: "comparison.create" },
        ],
      },
    });
  });
});
