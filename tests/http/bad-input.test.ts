import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serverAudits } from "graphql-http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, EXAMPLE } from "../../src/app.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import * as explorer from "../../web/src/api.ts";
import { snapshotTables, useTestDatabase } from "../helpers/database.ts";

/**
 * Bad input of every kind through a real listening server (port 0), on PGlite and Postgres:
 * each answer has the documented status and error shape, nothing is written, and a normal
 * query works right after.
 */

const database = useTestDatabase();
let server: Server;
let url: string;
let before: Awaited<ReturnType<typeof snapshotTables>>;

const JSON_HEADERS = {
  "content-type": "application/json",
  accept: "application/graphql-response+json",
};

beforeAll(async () => {
  await seedDatabase(database().db);
  const app = createApp({
    database: database(),
    settings: {
      maxBodyBytes: 100_000,
      publicWrites: { perMinute: 3, dedupeSeconds: 600 },
      corsOrigins: ["https://trusted.example"],
    },
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  before = await snapshotTables(database().db);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

async function post(body: unknown, headers: Record<string, string> = JSON_HEADERS) {
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: (typeof body === "string" || body instanceof Uint8Array
      ? body
      : JSON.stringify(body)) as unknown as BodyInit,
  });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, json, text };
}

async function expectWorking() {
  const { status, json } = await post({ query: `{ topic(slug: "scrum") { slug } }` });
  expect(status).toBe(200);
  expect(json.data.topic.slug).toBe("scrum");
}

function codeOf(json: any): unknown {
  return json?.errors?.[0]?.extensions?.code;
}

describe("limits refuse before anything runs", () => {
  it("refuses a deep query with QUERY_TOO_DEEP and a 400", async () => {
    let query = "slug";
    for (let i = 0; i < 9; i++) query = `related(first: 1) { nodes { ${query} } }`;
    const { status, json } = await post({ query: `{ topic(slug: "scrum") { ${query} } }` });
    expect(status).toBe(400);
    expect(codeOf(json)).toBe("QUERY_TOO_DEEP");
    expect(json.errors[0].message).toMatch(/depth is \d+ levels; at most 16/);
  });

  it("refuses too many aliases with QUERY_TOO_MANY_ALIASES", async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(" ");
    const { status, json } = await post({ query: `{ ${aliases} }` });
    expect(status).toBe(400);
    expect(codeOf(json)).toBe("QUERY_TOO_MANY_ALIASES");
  });

  it("prices page sizes given as variables, defaults and fragments", async () => {
    const query = `query ($n: Int!, $limit: Int = 1000) {
      topics(first: $n) { nodes { ...around } } }
      fragment around on Topic { neighborhood(depth: 6, limit: $limit) { nodes { topic { slug } } } }`;
    const { status, json } = await post({ query, variables: { n: 100 } });
    expect(status).toBe(400);
    expect(codeOf(json)).toBe("QUERY_TOO_COMPLEX");
    expect(json.errors[0].message).toMatch(/costs \d+; at most 10000/);
    const small = await post({ query, variables: { n: 2, limit: 5 } });
    expect(small.status).toBe(200);
    expect(small.json.errors).toBeUndefined();
  });

  it("admits GraphiQL's example and the explorer's queries under the default cost limit", async () => {
    const topic = { slug: "scrum" };
    const documented: [string, Record<string, unknown>][] = [
      [EXAMPLE.query, EXAMPLE.variables],
      [explorer.HOME, {}],
      [explorer.TOPIC, topic],
      [explorer.COMPARISON, { slug: "scrum-vs-kanban" }],
      [explorer.EXPAND, topic],
      [explorer.PATH_ENDS, { from: "scrum", to: "kanban" }],
      [explorer.PATH, { from: "scrum", to: "kanban" }],
    ];
    for (const [query, variables] of documented) {
      const { status, json } = await post({ query, variables });
      expect(json.errors, query.slice(0, 60)).toBeUndefined();
      expect(status).toBe(200);
    }
  });

  it("refuses nested relatedComparisons and default-size nesting by cost", async () => {
    const nested = await post({
      query: `{ comparisons(first: 100) { nodes { relatedComparisons(depth: 4, first: 100) {
        nodes { relatedComparisons(depth: 4) { nodes { slug } } } } } } }`,
    });
    expect(codeOf(nested.json)).toBe("QUERY_TOO_COMPLEX");
    let deep = "slug";
    for (let i = 0; i < 6; i++) deep = `related { nodes { ${deep} } }`;
    const six = await post({ query: `{ topic(slug: "scrum") { ${deep} } }` });
    expect(codeOf(six.json)).toBe("QUERY_TOO_COMPLEX");
  });

  it("checks page sizes whether or not nodes is selected", async () => {
    for (const first of [101, -5]) {
      const { status, json } = await post({
        query: `query ($n: Int) { topics(first: $n) { totalCount } }`,
        variables: { n: first },
      });
      expect(status).toBe(400);
      expect(codeOf(json)).toBe("BAD_USER_INPUT");
      expect(json.errors[0].extensions.argument).toBe("first");
    }
  });

  it("refuses a huge list argument cleanly", async () => {
    const kinds = Array.from({ length: 5000 }, () => "RELATED_TO");
    const { status, json } = await post({
      query: `query ($k: [RelationKind!]) { topic(slug: "scrum") { related(kinds: $k) { totalCount } } }`,
      variables: { k: kinds },
    });
    expect(status).toBe(400);
    expect(codeOf(json)).toBe("BAD_USER_INPUT");
    expect(json.errors[0].message).toMatch(/\$k holds 5000 items; at most 1000/);
    const huge = await post({
      query: `query ($k: [RelationKind!]) { topic(slug: "scrum") { related(kinds: $k) { totalCount } } }`,
      variables: { k: Array.from({ length: 100_000 }, () => "RELATED_TO") },
    });
    expect(huge.status).toBe(413);
  });

  it("refuses a document padded with comments by its length", async () => {
    const query = `${"# padding\n".repeat(3000)}{ __typename }`;
    const { status, json } = await post({ query });
    expect(status).toBe(400);
    expect(codeOf(json)).toBe("QUERY_TOO_LONG");
    const fiveMegabytes = await post({ query: `${"#".repeat(5_000_000)}\n{ __typename }` });
    expect(fiveMegabytes.status).toBe(413);
    expect(codeOf(fiveMegabytes.json)).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("only JSON executes", () => {
  const mutation = `mutation { submitFeedback(input: { comparisonId: "x", preferredOptionId: "y" }) { __typename } }`;

  it("refuses form, multipart and text bodies with 415", async () => {
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", `query=${encodeURIComponent(mutation)}`],
      [
        "multipart/form-data; boundary=x",
        `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${mutation}\r\n--x--`,
      ],
      ["text/plain", JSON.stringify({ query: mutation })],
      ["application/graphql", mutation],
    ] as const) {
      const { status, json } = await post(body, { "content-type": type });
      expect(status, type).toBe(415);
      expect(codeOf(json)).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
  });

  it("refuses mutations over GET with 405", async () => {
    const response = await fetch(`${url}?query=${encodeURIComponent(mutation)}`, {
      headers: { accept: "application/graphql-response+json" },
    });
    expect(response.status).toBe(405);
  });

  it("answers malformed JSON, a batch and invalid UTF-8 with 400", async () => {
    expect((await post("{ not json")).status).toBe(400);
    expect((await post([{ query: "{ __typename }" }, { query: "{ __typename }" }])).status).toBe(
      400,
    );
    const invalid = new Uint8Array([
      ...new TextEncoder().encode('{"query":"{ topic(slug: \\"'),
      0xff,
      0xfe,
      ...new TextEncoder().encode('\\") { slug } }"}'),
    ]);
    const { status, json } = await post(invalid);
    expect(status).toBe(400);
    expect(json.errors[0].message).toMatch(/not valid UTF-8/);
  });
});

describe("string arguments", () => {
  const fields = [
    ["slug", `query ($v: String!) { topic(slug: $v) { slug } }`],
    ["slug", `query ($v: String!) { comparison(slug: $v) { slug } }`],
    ["search", `query ($v: String) { topics(search: $v) { totalCount } }`],
    ["category", `query ($v: String) { comparisons(category: $v) { totalCount } }`],
    ["from", `query ($v: String!) { path(from: $v, to: "scrum") { length } }`],
    ["id", `query ($v: ID!) { node(id: $v) { id } }`],
  ] as const;

  it("refuses NUL characters and lone surrogates naming the argument", async () => {
    for (const [argument, query] of fields) {
      for (const value of ["a\u0000b", "a\ud800b", "\udc00"]) {
        const { status, json } = await post({ query, variables: { v: value } });
        expect(status, `${argument} ${JSON.stringify(value)}`).toBe(400);
        expect(codeOf(json)).toBe("BAD_USER_INPUT");
        expect(json.errors[0].extensions.argument).toBe(argument);
      }
    }
  });

  it("treats injection-shaped text as text", async () => {
    for (const [argument, query] of fields) {
      for (const value of [
        `'; DROP TABLE topics; --`,
        `%' OR '1'='1`,
        `\\x00`,
        "$1",
        "../../etc/passwd",
      ]) {
        const { status, json } = await post({ query, variables: { v: value } });
        expect([200, 400], `${argument} ${value}`).toContain(status);
        for (const error of json.errors ?? []) {
          expect(error.extensions.code, `${argument} ${value}`).toBe("BAD_USER_INPUT");
        }
      }
    }
  });

  it("answers malformed and unknown ids", async () => {
    const malformed = await post({ query: `{ node(id: "bm9wZQ==") { id } }` });
    expect(codeOf(malformed.json)).toBe("BAD_USER_INPUT");
    const unknown = await post({
      query: `query ($id: ID!) { node(id: $id) { id } }`,
      variables: { id: Buffer.from("Topic:999999").toString("base64") },
    });
    expect(unknown.status).toBe(200);
    expect(unknown.json.data.node).toBeNull();
  });
});

describe("CORS", () => {
  it("gives no credentials to a foreign origin, and credentials to a listed one", async () => {
    const foreign = await fetch(url, {
      method: "OPTIONS",
      headers: {
        origin: "https://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    // Uncredentialed reads are public; what must never happen is credentials for this origin.
    expect(foreign.headers.get("access-control-allow-credentials")).not.toBe("true");
    const trusted = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: "https://trusted.example", "access-control-request-method": "POST" },
    });
    expect(trusted.headers.get("access-control-allow-origin")).toBe("https://trusted.example");
    expect(trusted.headers.get("access-control-allow-credentials")).toBe("true");
  });
});

describe("beyond the listed inputs", () => {
  /** Answered with `status` and `code` well within a second of server work. */
  async function refused(body: unknown, status: number, code: string) {
    const started = performance.now();
    const answer = await post(body);
    const ms = performance.now() - started;
    expect(answer.status, answer.text.slice(0, 300)).toBe(status);
    expect(codeOf(answer.json), answer.text.slice(0, 300)).toBe(code);
    // Generous for a loaded machine; each of these took seconds to minutes before.
    expect(ms).toBeLessThan(2000);
    return answer;
  }

  it("refuses an input object with thousands of unknown keys at once, with a short message", async () => {
    // graphql printed the whole object into one error per key (quadratic: minutes at 100,000
    // keys); the body limit of this server allows 7,500.
    const input = Object.fromEntries(Array.from({ length: 7500 }, (_, i) => [`k${i}`, i]));
    const { json } = await refused(
      {
        query: `mutation ($i: SubmitFeedbackInput!) { submitFeedback(input: $i) { __typename } }`,
        variables: { i: input },
      },
      400,
      "BAD_USER_INPUT",
    );
    expect(json.errors).toHaveLength(1);
    expect(json.errors[0].message).toMatch(/\$i has 7500 fields; SubmitFeedbackInput has \d+/);
  });

  it("answers variables of the wrong type with BAD_USER_INPUT, the value's print cut", async () => {
    const { json } = await refused(
      {
        query: `query ($x: [String]) { topics(first: 1, search: $x) { totalCount } }`,
        variables: { x: [Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))] },
      },
      400,
      "BAD_USER_INPUT",
    );
    expect(json.errors[0].message.length).toBeLessThan(400);
    await refused(
      {
        query: `query ($n: Int) { topics(first: $n) { totalCount } }`,
        variables: { n: "5" },
      },
      400,
      "BAD_USER_INPUT",
    );
    // Deeply nested lists where a list of enums is expected.
    const nested = JSON.parse(`${"[".repeat(2000)}"TOPIC"${"]".repeat(2000)}`);
    await refused(
      {
        query: `query ($t: [SearchType!]) { search(query: "scrum", types: $t) { totalCount } }`,
        variables: { t: nested },
      },
      400,
      "BAD_USER_INPUT",
    );
  });

  it("refuses more tokens than allowed with QUERY_TOO_LONG", async () => {
    const { json } = await refused({ query: `{ ${"a ".repeat(4100)}}` }, 400, "QUERY_TOO_LONG");
    expect(json.errors[0].message).toMatch(/more than 4000 tokens/);
  });

  it("refuses fragment cycles and exponential fragment spreads before running them", async () => {
    await refused(
      { query: `query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }` },
      400,
      "GRAPHQL_VALIDATION_FAILED",
    );
    const doubling = Array.from(
      { length: 200 },
      (_, i) =>
        `fragment F${i} on Query { topics(first: 1) { totalCount } ...F${i + 1} ...F${i + 1} }`,
    ).join(" ");
    await refused(
      { query: `query { ...F0 } ${doubling} fragment F200 on Query { __typename }` },
      400,
      "QUERY_TOO_COMPLEX",
    );
  });

  it("refuses deep introspection, subscriptions and unknown operation names with a code", async () => {
    await refused(
      {
        query: `{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }`,
      },
      400,
      "GRAPHQL_VALIDATION_FAILED",
    );
    await refused({ query: `subscription { __typename }` }, 400, "BAD_REQUEST");
    await refused(
      { query: `query A { __typename }`, operationName: "B" },
      400,
      "OPERATION_RESOLUTION_FAILURE",
    );
    const many = Array.from({ length: 500 }, (_, i) => `query Q${i} { __typename }`).join(" ");
    await refused({ query: many }, 400, "OPERATION_RESOLUTION_FAILURE");
    const named = await post({ query: many, operationName: "Q499" });
    expect(named.json.data).toEqual({ __typename: "Query" });
  });

  it("refuses read arguments longer than any slug, search or id", async () => {
    const { json } = await refused(
      {
        query: `query ($s: String!) { topic(slug: $s) { id } }`,
        variables: { s: "a".repeat(50_000) },
      },
      400,
      "BAD_USER_INPUT",
    );
    expect(json.errors[0].extensions.argument).toBe("slug");
    expect(json.errors[0].message).toMatch(/at most 10000 characters/);
  });

  it("answers ids in any script as malformed, not as errors", async () => {
    for (const id of [
      "💩\u200b\ufeff",
      Buffer.from("Topic:１２３").toString("base64"),
      Buffer.from("Topic:1e309").toString("base64"),
      Buffer.from("__proto__:1").toString("base64"),
    ]) {
      const { status, json } = await post({
        query: `query ($i: ID!) { node(id: $i) { id } }`,
        variables: { i: id },
      });
      expect(status).toBe(200);
      expect(codeOf(json), id).toBe("BAD_USER_INPUT");
    }
  });
});

describe("afterwards", () => {
  it("wrote nothing and still answers", async () => {
    expect(await snapshotTables(database().db)).toEqual(before);
    await expectWorking();
  });
});

describe("public writes", () => {
  it("rate-limits submitFeedback per client with RATE_LIMITED and Retry-After, counting a repeat once", async () => {
    const ids = await post({
      query: `{ comparison(slug: "scrum-vs-kanban") { id options { id } } }`,
    });
    const comparison = ids.json.data.comparison;
    const send = (comment: string) =>
      post({
        query: `mutation ($c: ID!, $o: ID!, $t: String) { submitFeedback(input: { comparisonId: $c, preferredOptionId: $o, comment: $t }) { __typename } }`,
        variables: { c: comparison.id, o: comparison.options[0].id, t: comment },
      });
    const first = await send("Same words.");
    const repeat = await send("Same words.");
    expect(first.json.data.submitFeedback.__typename).toBe("SubmitFeedbackPayload");
    expect(repeat.json.data.submitFeedback.__typename).toBe("SubmitFeedbackPayload");
    const counted = await post({
      query: `{ comparison(slug: "scrum-vs-kanban") { feedback { total } } }`,
    });
    expect(counted.json.data.comparison.feedback.total).toBe(1);
    await send("Other words.");
    const limited = await send("Yet other words.");
    expect(limited.status).toBe(429);
    expect(codeOf(limited.json)).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("operations", () => {
  it("returns the request id it was given and compresses what the client accepts", async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { ...JSON_HEADERS, "x-request-id": "abc-123", "accept-encoding": "br" },
      body: JSON.stringify({ query: `{ topics(first: 50) { nodes { slug name summary } } }` }),
    });
    expect(response.headers.get("x-request-id")).toBe("abc-123");
    expect(response.headers.get("content-encoding")).toBe("br");
    expect((await response.json()).data.topics.nodes.length).toBe(50);
  });

  it("passes every MUST of the graphql-http audit", async () => {
    const results = await Promise.all(
      serverAudits({ url, fetchFn: fetch }).map(async (audit) => ({
        name: audit.name,
        result: await audit.fn(),
      })),
    );
    const failedMusts = results
      .filter(({ name, result }) => name.startsWith("MUST") && result.status !== "ok")
      .map(({ name, result }) => `${name}: ${"reason" in result ? result.reason : ""}`);
    expect(failedMusts).toEqual([]);
    expect(results.filter(({ name }) => name.startsWith("MUST")).length).toBeGreaterThan(10);
  });
});
