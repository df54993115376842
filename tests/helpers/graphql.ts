import { type App, createApp, httpSettings } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import type { Database } from "../../src/db/client.ts";

export interface GraphQLResponse<Data = Record<string, any>> {
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** Posts one operation to the app in-process, the way a client would over HTTP. */
export async function graphql<Data = Record<string, any>>(
  app: App,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<Data>> {
  const response = await app.fetch("http://app/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<Data>;
}

/**
 * An app whose cost limit admits anything: for tests about statement counts and answers over
 * wide lists, beyond what the default limit admits (the limit itself is tests/http's subject).
 */
export function createAppWithoutCostLimit(database: Database): App {
  const limits = httpSettings(loadConfig()).limits;
  return createApp({
    database,
    logErrors: false,
    settings: { limits: { ...limits, maxCost: 1_000_000 } },
  });
}
