import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { useTestDatabase } from "../helpers/database.ts";

/**
 * graphql's specified rules are validated once per cached document (src/graphql/validation-cache.ts);
 * what depends on the request's variables (cost, argument checks) must still be checked on every
 * request, and invalid documents must keep their errors, the same each time.
 */

const database = useTestDatabase();

async function post(app: ReturnType<typeof createApp>, body: unknown) {
  const response = await app.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

const PAGE = `query Page($first: Int) { topics(first: $first) { totalCount } }`;

describe("validation of a document seen before", () => {
  it("checks the variables of every request, not only the first", async () => {
    const app = createApp({ database: database() });
    const small = await post(app, { query: PAGE, variables: { first: 2 } });
    expect(small.status).toBe(200);
    expect(small.json.errors).toBeUndefined();
    // The same text again (a cached document) with a page size past the limit.
    const large = await post(app, { query: PAGE, variables: { first: 100_000 } });
    expect(large.status).toBe(400);
    expect(large.json.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const again = await post(app, { query: PAGE, variables: { first: 3 } });
    expect(again.json.errors).toBeUndefined();
  });

  it("answers an invalid document with the same errors every time", async () => {
    const app = createApp({ database: database() });
    const query = `query Bad($n: Int) { topics(first: $n) { nope totalCount } unknownField }`;
    const first = await post(app, { query, variables: { n: 1 } });
    const second = await post(app, { query, variables: { n: 1 } });
    expect(first.status).toBe(400);
    expect(first.json.errors.length).toBeGreaterThanOrEqual(2);
    expect(second).toEqual(first);
  });
});
