import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesPlugin } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import type { Cache } from "@graphql-yoga/plugin-response-cache";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { PothosValidationError } from "@pothos/core";
import { GraphQLError } from "graphql";
import { createYoga, maskError, type YogaServerInstance } from "graphql-yoga";
import type { Database } from "./db/client.ts";
import type { ReadRouter } from "./db/replicas.ts";
import type { Context } from "./graphql/builder.ts";
import { createContext } from "./graphql/context.ts";
// --- issue 13 (scale-out) ---
import { type DocumentManifest, usePersistedDocuments } from "./graphql/persisted-documents.ts";
import {
  type GenerationSource,
  useGenerationResponseCache,
  useHttpCaching,
  useReadRouting,
} from "./graphql/scale-out.ts";
// --- end issue 13 ---
import { schema } from "./graphql/schema.ts";

/** Shape limits checked before a query runs; the numbers leave room for the deepest walk we document. */
export const QUERY_LIMITS = {
  maxDepth: 16,
  maxAliases: 30,
  maxTokens: 4000,
  maxDirectives: 30,
  maxCost: 20_000,
} as const;

/** What GraphiQL opens with: the seed comparison, its adjacent topics and their verdicts. */
export const EXAMPLE_QUERY = `# Walk a comparison to its adjacent topics, and on to their comparisons' verdicts.
query DeepWalk {
  comparison(slug: "individual-contributor-model-vs-management-track") {
    title
    category
    verdict {
      pick { name }
      bottomLine
      conditions { option { name } useIf }
    }
    options {
      name
      isPick
      pros
      cons
      relatedTopics { slug name }
    }
    topics {
      slug
      name
      comparisons(first: 5) {
        totalCount
        nodes {
          title
          verdict { pick { name } bottomLine }
        }
      }
    }
  }
}
`;

/**
 * Pothos refuses some arguments itself (an id of the wrong type, a negative `first`); those are
 * the client's mistakes and get BAD_USER_INPUT like ours. Everything else is yoga's masking.
 */
const codeValidationErrors: typeof maskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof PothosValidationError && error instanceof GraphQLError) {
    return new GraphQLError(original.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { ...error.extensions, code: "BAD_USER_INPUT" },
    });
  }
  return maskError(error, message, isDev);
};

export interface AppOptions {
  database: Database;
  /** Print unexpected errors (they are masked for clients either way). */
  logErrors?: boolean;
  /** Issue 13: replicas, response cache, HTTP caching, persisted documents (all off when absent). */
  scaleOut?: ScaleOutOptions;
}

// --- issue 13 (scale-out) ---
export interface ScaleOutOptions {
  /** Routes queries to replicas and mutations to the primary (`database` is the primary). */
  router?: ReadRouter;
  /** Response cache: where the data generation is read, and the entries' longest life. */
  responseCache?: { generation: GenerationSource; ttlMs: number; cache?: Cache };
  /** `Cache-Control: max-age` for anonymous queries over GET (0: `no-store`). */
  httpMaxAgeSeconds?: number;
  persistedDocuments?: { manifest: DocumentManifest; only: boolean };
}

function scaleOutPlugins(options: ScaleOutOptions | undefined) {
  if (!options) return [];
  // Order matters: a persisted id becomes a document before the cache keys it; the cache answers
  // before routing picks a reader.
  return [
    ...(options.persistedDocuments ? [usePersistedDocuments(options.persistedDocuments)] : []),
    ...(options.httpMaxAgeSeconds !== undefined ? [useHttpCaching(options.httpMaxAgeSeconds)] : []),
    ...(options.responseCache && options.responseCache.ttlMs > 0
      ? [useGenerationResponseCache(options.responseCache)]
      : []),
    ...(options.router ? [useReadRouting(options.router)] : []),
  ];
}
// --- end issue 13 ---

export type App = YogaServerInstance<Record<string, never>, Context>;

/** Builds the HTTP app; `app.fetch` serves it in-process, `main.ts` puts it on a port. */
export function createApp({ database, logErrors = true, scaleOut }: AppOptions): App {
  return createYoga<Record<string, never>, Context>({
    schema,
    context: ({ request }) => createContext(database.db, request.headers.get("authorization")),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    renderGraphiQL,
    graphiql: { title: "pickgraph", defaultQuery: EXAMPLE_QUERY },
    logging: logErrors ? "warn" : false,
    maskedErrors: { maskError: codeValidationErrors },
    plugins: [
      maxDepthPlugin({ n: QUERY_LIMITS.maxDepth, exposeLimits: true, flattenFragments: true }),
      maxAliasesPlugin({ n: QUERY_LIMITS.maxAliases, exposeLimits: true }),
      maxTokensPlugin({ n: QUERY_LIMITS.maxTokens, exposeLimits: true }),
      maxDirectivesPlugin({ n: QUERY_LIMITS.maxDirectives, exposeLimits: true }),
      costLimitPlugin({ maxCost: QUERY_LIMITS.maxCost, exposeLimits: true }),
      ...scaleOutPlugins(scaleOut), // issue 13
    ],
  });
}
