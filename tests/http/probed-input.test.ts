import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { encodeBase64 } from "@pothos/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, nodeHandlerOf } from "../../src/app.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { loadDocumentManifest } from "../../src/graphql/persisted-documents.ts";
import { generationOfDatabase } from "../../src/graphql/scale-out.ts";
import { describeError } from "../../src/http/request-log.ts";
import { snapshotTables, useTestDatabase } from "../helpers/database.ts";
import { capturedLogger } from "../helpers/log-lines.ts";

/**
 * Inputs found by probing a running server as an attacker would, beyond the bad-input suite: a
 * server as `main.ts` builds it (the response cache and its front, persisted documents, a proxy
 * in front), on both databases. Each is answered with a 4xx and a code naming the mistake, never
 * an unexpected error, a stack or an error-level log line; nothing is written.
 */
const database = useTestDatabase();
let server: Server;
let url: string;
const { logger, lines } = capturedLogger("info");
let before: Awaited<ReturnType<typeof snapshotTables>>;
const PER_MINUTE = 3;

beforeAll(async () => {
  await seedDatabase(database().db);
  const app = createApp({
    database: database(),
    logger,
    settings: { trustProxy: true, publicWrites: { perMinute: PER_MINUTE, dedupeSeconds: 0 } },
    scaleOut: {
      responseCache: { generation: generationOfDatabase(database().db), ttlMs: 60_000 },
      httpMaxAgeSeconds: 5,
      persistedDocuments: { manifest: loadDocumentManifest(), only: false },
    },
  });
  server = createServer(nodeHandlerOf(app));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  before = await snapshotTables(database().db);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

interface Answer {
  status: number;
  text: string;
  json: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } | null;
}

async function send(init: RequestInit & { search?: string }): Promise<Answer> {
  const response = await fetch(`${url}${init.search ?? ""}`, init);
  const text = await response.text();
  let json: Answer["json"] = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, text, json };
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  send({
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

function expectRefused(answer: Answer, status: number, code: string, message?: RegExp) {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  expect(answer.json?.errors?.[0]?.extensions?.code, answer.text.slice(0, 300)).toBe(code);
  if (message) expect(answer.json?.errors?.[0]?.message).toMatch(message);
  expect(answer.text).not.toMatch(/Unexpected error|at [\w.<>]+ \(|node_modules|SELECT /);
}

describe("GraphQL-over-HTTP parameters of the wrong type", () => {
  it("refuses a query, operationName or documentId that is no string with 400 BAD_REQUEST", async () => {
    for (const query of [123, { a: 1 }, [1], true]) {
      expectRefused(await post({ query }), 400, "BAD_REQUEST", /"query" must be a string/);
    }
    for (const operationName of [123, { a: 1 }, true]) {
      expectRefused(
        await post({ query: "query A { __typename }", operationName }),
        400,
        "BAD_REQUEST",
        /"operationName" must be a string/,
      );
    }
    expectRefused(await post({ documentId: 7 }), 400, "BAD_REQUEST", /"documentId"/);
    expectRefused(
      await post({ query: "{ __typename }", variables: [1] }),
      400,
      "BAD_REQUEST",
      /"variables" must be a JSON object, not an array/,
    );
    expectRefused(await post("[]"), 400, "BAD_REQUEST");
  });

  it("refuses variables nested thousands of levels deep (they overflowed the cache key's stack)", async () => {
    const body = `{"query":"{ __typename }","variables":{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}}`;
    expectRefused(await post(body), 400, "BAD_USER_INPUT", /nests more than 16 levels/);
    const extensions = `{"query":"{ __typename }","extensions":{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}}`;
    expectRefused(await post(extensions), 400, "BAD_USER_INPUT", /"extensions" nests/);
  });

  it("refuses a GET whose variables or extensions are not JSON with 400 BAD_REQUEST", async () => {
    for (const name of ["variables", "extensions"]) {
      expectRefused(
        await send({ search: `?query=%7B__typename%7D&${name}=%7Bbad` }),
        400,
        "BAD_REQUEST",
        /variables or extensions parameter is not valid JSON/,
      );
    }
  });

  it("asks for a query when there is neither a query nor a documentId", async () => {
    for (const body of [{}, { query: "" }, { query: null }]) {
      expectRefused(await post(body), 400, "BAD_REQUEST", /has no query/);
    }
    expectRefused(await send({ search: "" }), 400, "BAD_REQUEST", /has no query/);
  });
});

describe("persisted documents", () => {
  // Answered 200, as an unknown document always was, to a client that accepts application/json.
  it("finds no document named after Object's own properties", async () => {
    for (const id of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expectRefused(await post({ documentId: id }), 200, "PERSISTED_DOCUMENT_NOT_FOUND");
      expectRefused(
        await send({ search: `?documentId=${id}` }),
        200,
        "PERSISTED_DOCUMENT_NOT_FOUND",
      );
      expectRefused(
        await post({ extensions: { persistedQuery: { version: 1, sha256Hash: id } } }),
        200,
        "PERSISTED_DOCUMENT_NOT_FOUND",
      );
    }
  });
});

describe("HTTP framing", () => {
  /** Sends raw bytes and returns the raw answer (the fetch API cannot send these requests). */
  function raw(request: string): Promise<string> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      // Written, not ended: a half-closed socket is closed by Node's server before it answers.
      // Every request here says `Connection: close`, so the server ends the exchange.
      const socket = connect(port, "127.0.0.1", () => socket.write(request));
      let answer = "";
      socket.on("data", (chunk) => {
        answer += chunk;
      });
      socket.on("end", () => resolve(answer));
      socket.on("error", reject);
    });
  }

  it("answers a Host header or target that makes no URL with 400 and a log line, not a stack", async () => {
    for (const [target, host] of [
      ["/graphql", "a b"],
      ["/graphql", "[zz"],
      ["/graphql", "a:b:c"],
      ["*", "127.0.0.1:4000"],
    ]) {
      const logged = lines.length;
      const answer = await raw(
        `${target === "*" ? "OPTIONS" : "GET"} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/"code":"BAD_REQUEST"/);
      expect(answer).not.toMatch(/TypeError|node:internal|at new URL/);
      expect(lines.slice(logged)).toEqual([
        expect.objectContaining({ level: "info", msg: "request", status: 400 }),
      ]);
    }
  });

  it("serves an absolute-form target as its path, whatever the Host header says", async () => {
    for (const host of ["127.0.0.1:4000", "localhost", "[::1]:4000"]) {
      const answer = await raw(
        `GET http://${host}/graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
      );
      expect(answer, host).toMatch(/^HTTP\/1\.1 200 /);
      expect(answer, host).toContain('{"data":{"__typename":"Query"}}');
    }
  });

  it("takes any spelling of the JSON media type", async () => {
    for (const type of [
      "Application/JSON",
      "application/json ; x=y",
      'application/json; charset="utf-8"',
      "APPLICATION/JSON;CHARSET=UTF-8",
    ]) {
      const answer = await post(
        { query: `{ t${randomBytes(3).toString("hex")}: __typename }` },
        {
          "content-type": type,
        },
      );
      expect(answer.status, `${type}: ${answer.text}`).toBe(200);
      expect(answer.json?.errors).toBeUndefined();
    }
    expectRefused(
      await post(
        { query: "{ __typename }" },
        { "content-type": "application/json; charset=latin1" },
      ),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });
});

describe("cursors", () => {
  const cursor = (text: string) => encodeBase64(`DC:${text}`);
  /** Each plugin-drizzle connection: a query taking `$after`/`$before`/`$first`/`$last`, and where its page is. */
  const CONNECTIONS: [string, string, (data: any) => any][] = [
    ["Query.comparisons", "comparisons(ARGS)", (d) => d.comparisons],
    ["Query.topics", "topics(ARGS)", (d) => d.topics],
    ["Topic.related", `topic(slug: "kubernetes") { page: related(ARGS)`, (d) => d.topic.page],
    ["Topic.history", `topic(slug: "kubernetes") { page: history(ARGS)`, (d) => d.topic.page],
    [
      "Comparison.history",
      `comparison(slug: "scrum-vs-kanban") { page: history(ARGS)`,
      (d) => d.comparison.page,
    ],
    ...(["SLUG", "RELEVANCE", "UPDATED"] as const).map(
      (order): [string, string, (data: any) => any] => [
        `Topic.comparisons(orderBy: ${order})`,
        `topic(slug: "kubernetes") { page: comparisons(orderBy: ${order}, ARGS)`,
        (d) => d.topic.page,
      ],
    ),
  ];
  const document = (field: string, args: string) => {
    const nested = field.includes("{");
    const variables = ["after", "before"].filter((name) => args.includes(`$${name}`));
    const definitions = variables.map((name) => `$${name}: String`).join(", ");
    return `query ${definitions ? `(${definitions})` : ""} { ${field.replace("ARGS", args)} { totalCount pageInfo { startCursor endCursor } } ${nested ? "}" : ""} }`;
  };

  it("refuses cursors that the connection did not write, before anything runs, on both databases alike", async () => {
    const crafted = [
      // Another kind of value than the sort columns hold.
      "D:2020",
      "D:abc",
      "I:5",
      "B:AAAA",
      'O:{"a":1}',
      "T:[]",
      'T:["S:a"]',
      "N:1e400",
      // The right kind, a value the column cannot hold.
      "S:a\u0000b",
      "N:1.5",
      "N:3000000000",
      'T:["N:1","S:a","S:RELATED_TO","O:true","N:3000000000","N:1"]',
      'T:["N:1","S:a","S:NOT_A_KIND","O:true","N:1","N:1"]',
      'T:["N:1.5","S:a","N:1","N:1"]',
      'T:["N:3000000000","S:a","N:1","N:1"]',
      'T:["S:garbage","S:a","N:1","N:1"]',
      'T:["S:2026-02-30 10:00:00+00","S:a","N:1","N:1"]',
    ];
    for (const [connection, field] of CONNECTIONS) {
      for (const text of crafted) {
        const answer = await post(
          { query: document(field, "first: 2, after: $after"), variables: { after: cursor(text) } },
          { accept: "application/graphql-response+json" },
        );
        expectRefused(answer, 400, "BAD_USER_INPUT");
        expect(answer.json?.errors?.[0]?.message, `${connection} ${text}`).toContain(
          `after is not a cursor of ${connection}`,
        );
      }
    }
  });

  it("pages forward and back with the cursors each connection returns", async () => {
    for (const [connection, field, page] of CONNECTIONS) {
      const first = await post({ query: document(field, "first: 2") });
      expect(first.json?.errors, `${connection}: ${first.text}`).toBeUndefined();
      const { startCursor, endCursor } = page(first.json?.data).pageInfo;
      expect(endCursor, connection).not.toBeNull();
      const forward = await post({
        query: document(field, "first: 2, after: $after"),
        variables: { after: endCursor },
      });
      expect(forward.json?.errors, `${connection}: ${forward.text}`).toBeUndefined();
      const back = await post({
        query: document(field, "last: 1, before: $before"),
        variables: { before: endCursor },
      });
      expect(back.json?.errors, `${connection}: ${back.text}`).toBeUndefined();
      // The item before the first page's last one (none when that page held one: a history).
      expect(page(back.json?.data).pageInfo.endCursor, connection).toBe(
        startCursor === endCursor ? null : startCursor,
      );
    }
  });
});

describe("behind a proxy (TRUST_PROXY)", () => {
  it("counts a client by the address the proxy appended, not by what the client put first", async () => {
    const listed = await post({
      query: `{ comparisons(first: 1) { nodes { id options { id } } } }`,
    });
    const comparison = listed.json?.data?.comparisons.nodes[0];
    const feedback = (comment: string, forwardedFor: string) =>
      post(
        {
          query: `mutation ($c: ID!, $o: ID!, $t: String) {
            submitFeedback(input: { comparisonId: $c, preferredOptionId: $o, comment: $t }) { __typename } }`,
          variables: { c: comparison.id, o: comparison.options[0].id, t: comment },
        },
        { "x-forwarded-for": forwardedFor },
      );
    const statuses: number[] = [];
    for (let i = 0; i < PER_MINUTE + 2; i++) {
      // A new first address each time, as a client behind an appending proxy can send.
      const answer = await feedback(`Probe ${i}.`, `203.0.113.${i}, 198.51.100.7`);
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([...Array(PER_MINUTE).fill(200), 429, 429]);
    expect((await feedback("Another client.", "198.51.100.8")).status).toBe(200);
    // The feedback this test wrote; the snapshot below leaves it out.
    before = await snapshotTables(database().db);
  });
});

describe("logs", () => {
  it("keep statement parameters out of a logged stack, even ones that look like frames", () => {
    const message =
      "Failed query: select 1 where slug = $1\nparams: secret-slug\n    at forged (x:1:1),3";
    const error = new Error(message);
    error.stack = `Error: ${message}\n    at run (file.js:1:1)\n    at next (file.js:2:2)`;
    const described = describeError(error);
    expect(JSON.stringify(described)).not.toMatch(/secret-slug|forged/);
    expect(described.stack).toBe("    at run (file.js:1:1)\n    at next (file.js:2:2)");
  });

  it("wrote nothing at error level for any of the above: they are the client's mistakes", async () => {
    expect(lines.filter((line) => line.level === "error")).toEqual([]);
    expect(await snapshotTables(database().db)).toEqual(before);
  });
});
