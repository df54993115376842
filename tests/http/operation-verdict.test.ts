import { type GraphQLError, parse, type ValidationRule, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { DEEP_WALK, NEIGHBORHOOD, TOPIC_PAGE } from "../../bench/walk-queries.ts";
import { EXAMPLE, httpSettings } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { schema } from "../../src/graphql/schema.ts";
import { operationLimitsPlugin } from "../../src/http/operation-limits.ts";
import * as explorer from "../../web/src/api.ts";

/**
 * The operation limits' compiled verdict (src/http/operation-limits.ts) decides per document,
 * once, what it can, and accepts a request without running the limit rules only when they
 * would report nothing. Here every case is validated both ways: whenever the compiled verdict
 * accepts, the rules themselves report nothing; and for documents graphql finds valid, the
 * verdict accepts exactly the requests the rules accept (so the fast path is really taken).
 */

const limits = httpSettings(loadConfig()).limits;
const compiledPlugin = operationLimitsPlugin(limits);
const rulesPlugin = operationLimitsPlugin(limits, { compiledVerdict: false });

interface Case {
  name: string;
  query: string;
  variables?: unknown;
  operationName?: string;
}

function rulesAdded(
  plugin: ReturnType<typeof operationLimitsPlugin>,
  document: ReturnType<typeof parse>,
  request: Case,
): ValidationRule[] {
  const rules: ValidationRule[] = [];
  plugin.onValidate?.({
    addValidationRule: (rule: ValidationRule) => rules.push(rule),
    context: { params: { variables: request.variables, operationName: request.operationName } },
    params: { schema, documentAST: document },
  } as never);
  return rules;
}

const shape = (errors: readonly GraphQLError[]) =>
  errors.map((error) => ({ message: error.message, extensions: error.extensions }));

function check(request: Case, exact = true) {
  const document = parse(request.query);
  const graphqlValid = validate(schema, document).length === 0;
  // Twice: the first request compiles the verdict, the second uses what was compiled.
  for (let i = 0; i < 2; i++) {
    const compiled = rulesAdded(compiledPlugin, document, request);
    const rules = rulesAdded(rulesPlugin, document, request);
    expect(rules.length, request.name).toBeGreaterThan(0);
    const refusals = shape(validate(schema, document, rules));
    if (compiled.length === 0) {
      expect(refusals, `${request.name}: accepted by the verdict`).toEqual([]);
    } else {
      expect(shape(validate(schema, document, compiled)), request.name).toEqual(refusals);
      if (exact && graphqlValid) {
        expect(refusals.length, `${request.name}: refused by the verdict only`).toBeGreaterThan(0);
      }
    }
  }
  return rulesAdded(compiledPlugin, document, request).length === 0;
}

const SLUG = "scrum-vs-kanban";
const doubling = (levels: number) =>
  `query ($n: Int) { ...F0 } ${Array.from(
    { length: levels },
    (_, i) =>
      `fragment F${i} on Query { topics(first: $n) { totalCount } ...F${i + 1} ...F${i + 1} }`,
  ).join(" ")} fragment F${levels} on Query { __typename }`;
const PRICED = `query ($n: Int!, $limit: Int = 1000) {
  topics(first: $n) { nodes { ...around } } }
  fragment around on Topic { neighborhood(depth: 6, limit: $limit) { nodes { topic { slug } } } }`;
const TWO_OPERATIONS = `query A($s: String!) { topic(slug: $s) { slug } }
  query B { topics(first: 101) { totalCount } }`;
let deep = "slug";
for (let i = 0; i < 9; i++) deep = `related(first: 1) { nodes { ${deep} } }`;

const accepted: Case[] = [
  { name: "deep walk", query: DEEP_WALK, variables: { slug: SLUG } },
  { name: "deep walk, longest slug", query: DEEP_WALK, variables: { slug: "a".repeat(10_000) } },
  {
    name: "deep walk, named",
    query: DEEP_WALK,
    variables: { slug: SLUG },
    operationName: "DeepWalk",
  },
  { name: "topic page", query: TOPIC_PAGE, variables: { slug: "scrum" } },
  { name: "neighborhood", query: NEIGHBORHOOD, variables: { slug: "scrum" } },
  { name: "GraphiQL's example", query: EXAMPLE.query, variables: EXAMPLE.variables },
  { name: "explorer home", query: explorer.HOME },
  { name: "explorer topic", query: explorer.TOPIC, variables: { slug: "scrum" } },
  { name: "explorer comparison", query: explorer.COMPARISON, variables: { slug: SLUG } },
  { name: "explorer expand", query: explorer.EXPAND, variables: { slug: "scrum" } },
  { name: "explorer path", query: explorer.PATH, variables: { from: "scrum", to: "kanban" } },
  {
    name: "page size 100",
    query: `query ($n: Int) { topics(first: $n) { totalCount } }`,
    variables: { n: 100 },
  },
  {
    name: "page size null",
    query: `query ($n: Int) { topics(first: $n) { totalCount } }`,
    variables: { n: null },
  },
  { name: "page size absent", query: `query ($n: Int) { topics(first: $n) { totalCount } }` },
  { name: "priced, small", query: PRICED, variables: { n: 2, limit: 5 } },
  { name: "doubling, 4 levels", query: doubling(4), variables: { n: 1 } },
  {
    name: "two operations, A",
    query: `query A($s: String!) { topic(slug: $s) { slug } } query B { topics(first: 100) { totalCount } }`,
    variables: { s: "x" },
    operationName: "A",
  },
  {
    name: "30 aliases",
    query: `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: __typename`).join(" ")} }`,
  },
  {
    name: "directives with variables",
    query: `query ($x: Boolean!) { topic(slug: "scrum") @include(if: $x) { slug } }`,
    variables: { x: true },
  },
  {
    name: "related depth",
    query: `query ($d: Int!) { comparison(slug: "x") { relatedComparisons(depth: $d, first: 5) { nodes { slug } } } }`,
    variables: { d: 1 },
  },
  {
    name: "neighborhood variables",
    query: `query ($d: Int!, $l: Int!) { topic(slug: "scrum") { neighborhood(depth: $d, limit: $l) { nodes { depth } } } }`,
    variables: { d: 2, l: 50 },
  },
  {
    name: "node by id",
    query: `query ($id: ID!) { node(id: $id) { id ... on Topic { slug } } }`,
    variables: { id: "VG9waWM6MQ==" },
  },
  {
    name: "nodes by ids",
    query: `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
    variables: { ids: ["VG9waWM6MQ==", "VG9waWM6Mg=="] },
  },
  {
    name: "search types",
    query: `query ($t: [SearchType!]) { search(query: "scrum", types: $t) { totalCount } }`,
    variables: { t: ["TOPIC"] },
  },
  {
    name: "inline fragment",
    query: `query ($n: Int) { topics(first: $n) { nodes { ... on Topic { slug } ... on Node { id } } } }`,
    variables: { n: 3 },
  },
];

const refused: Case[] = [
  { name: "deep walk, NUL", query: DEEP_WALK, variables: { slug: "a\u0000b" } },
  { name: "deep walk, lone surrogate", query: DEEP_WALK, variables: { slug: "a\uD800b" } },
  { name: "deep walk, slug too long", query: DEEP_WALK, variables: { slug: "a".repeat(10_001) } },
  { name: "deep walk, no slug", query: DEEP_WALK, variables: {} },
  { name: "deep walk, number slug", query: DEEP_WALK, variables: { slug: 5 } },
  { name: "deep walk, variables a list", query: DEEP_WALK, variables: [SLUG] },
  {
    name: "page size 101",
    query: `query ($n: Int) { topics(first: $n) { totalCount } }`,
    variables: { n: 101 },
  },
  {
    name: "page size -5",
    query: `query ($n: Int) { topics(first: $n) { totalCount } }`,
    variables: { n: -5 },
  },
  {
    name: "page size text",
    query: `query ($n: Int) { topics(first: $n) { totalCount } }`,
    variables: { n: "5" },
  },
  { name: "literal page size 101", query: `{ topics(first: 101) { totalCount } }` },
  { name: "priced, large", query: PRICED, variables: { n: 100 } },
  { name: "priced, default limit", query: PRICED, variables: { n: 20 } },
  { name: "doubling, 200 levels", query: doubling(200), variables: { n: 1 } },
  { name: "doubling, 12 levels", query: doubling(12), variables: { n: 100 } },
  {
    name: "two operations, B's argument",
    query: TWO_OPERATIONS,
    variables: { s: "x" },
    operationName: "A",
  },
  {
    name: "31 aliases",
    query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(" ")} }`,
  },
  {
    name: "31 directives",
    query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i % 30}: __typename @include(if: true)`).join(" ")} }`,
  },
  { name: "too deep", query: `{ topic(slug: "scrum") { ${deep} } }` },
  {
    name: "related depth 9",
    query: `query ($d: Int!) { comparison(slug: "x") { relatedComparisons(depth: $d, first: 5) { nodes { slug } } } }`,
    variables: { d: 9 },
  },
  {
    name: "neighborhood limit 0",
    query: `query ($d: Int!, $l: Int!) { topic(slug: "scrum") { neighborhood(depth: $d, limit: $l) { nodes { depth } } } }`,
    variables: { d: 2, l: 0 },
  },
  {
    name: "neighborhood costly",
    query: `query ($d: Int!, $l: Int!) { topics(first: 100) { nodes { neighborhood(depth: $d, limit: $l) { nodes { depth } } } } }`,
    variables: { d: 6, l: 1000 },
  },
  {
    name: "nodes, too many ids",
    query: `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
    variables: { ids: Array.from({ length: 1001 }, () => "VG9waWM6MQ==") },
  },
  {
    name: "input object, unknown keys",
    query: `mutation ($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { __typename } }`,
    variables: { i: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i])) },
  },
  { name: "subscription", query: `subscription { __typename }` },
];

const unclear: Case[] = [
  // Nothing of the limits' to report, but the verdict leaves these to the rules.
  { name: "unknown operation name", query: `query A { __typename }`, operationName: "B" },
  { name: "two unnamed operations", query: `query A { __typename } query B { __typename }` },
  {
    name: "unknown field",
    query: `query ($n: Int) { topics(first: $n) { nope } }`,
    variables: { n: 1 },
  },
  {
    name: "fragment cycle",
    query: `query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }`,
  },
];

describe("the operation limits' compiled verdict", () => {
  it("accepts, without the rules, the requests the rules accept", () => {
    for (const request of accepted) expect(check(request), request.name).toBe(true);
  });

  it("leaves every request the rules refuse to the rules, which answer as before", () => {
    for (const request of refused) expect(check(request), request.name).toBe(false);
  });

  it("leaves what it cannot decide to the rules", () => {
    for (const request of unclear) expect(check(request, false), request.name).toBe(false);
  });
});
