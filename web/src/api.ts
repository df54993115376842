/** The explorer's only data source: pickgraph's public GraphQL API on the same origin. */

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function request<T>(
  document: string,
  variables: Record<string, unknown> = {},
  signal?: AbortSignal,
): Promise<T> {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query: document, variables }),
    signal,
  });
  let body: GraphQLResponse<T>;
  try {
    body = (await response.json()) as GraphQLResponse<T>;
  } catch {
    throw new ApiError(`The server answered ${response.status} without a GraphQL response.`);
  }
  const first = body.errors?.[0];
  if (first) throw new ApiError(first.message, first.extensions?.code ?? null);
  if (!body.data) throw new ApiError(`The server answered ${response.status} without data.`);
  return body.data;
}

export type RelationKind = "RELATED_TO" | "COMPARED_WITH";

export interface TopicRef {
  slug: string;
  name: string;
}

export interface GraphEdge {
  from: { slug: string };
  to: { slug: string };
  kind: RelationKind;
  weight: number | null;
}

export interface Subgraph {
  truncated: boolean;
  nodes: { depth: number; topic: TopicRef }[];
  edges: GraphEdge[];
}

/** A comparison as the graph draws it: a diamond joined to its option topics. */
export interface ComparisonRef {
  slug: string;
  title: string;
  category: string;
  verdict: { pick: { name: string } | null };
  options: { topic: { slug: string } }[];
}

const SUBGRAPH = `truncated
  nodes { depth topic { slug name } }
  edges { from { slug } to { slug } kind weight }`;

const COMPARISON_REF = `slug title category verdict { pick { name } } options { topic { slug } }`;

// --- search -------------------------------------------------------------------------------

export type SearchType = "TOPIC" | "COMPARISON";

export interface SearchHit {
  score: number;
  highlights: { field: string; fragments: { text: string; match: boolean }[] }[];
  node:
    | { __typename: "Topic"; slug: string; name: string; summary: string | null }
    | { __typename: "Comparison"; slug: string; title: string; category: string };
}

const SEARCH = `query ExplorerSearch($query: String!, $first: Int, $types: [SearchType!]) {
  search(query: $query, first: $first, types: $types) {
    totalCount
    edges {
      score
      highlights { field fragments { text match } }
      node {
        __typename
        ... on Topic { slug name summary }
        ... on Comparison { slug title category }
      }
    }
  }
}`;

export async function search(
  query: string,
  types: SearchType[] | null,
  signal: AbortSignal,
): Promise<{ totalCount: number; hits: SearchHit[] }> {
  const data = await request<{ search: { totalCount: number; edges: SearchHit[] } }>(
    SEARCH,
    { query, first: 8, types },
    signal,
  );
  return { totalCount: data.search.totalCount, hits: data.search.edges };
}

// --- views --------------------------------------------------------------------------------

export interface HomeData {
  comparisons: {
    totalCount: number;
    nodes: {
      slug: string;
      title: string;
      category: string;
      verdict: { pick: { name: string } | null };
    }[];
  };
}

export const HOME = `query ExplorerHome {
  comparisons(first: 100) {
    totalCount
    nodes { slug title category verdict { pick { name } } }
  }
}`;

export interface TopicData {
  topic: {
    slug: string;
    name: string;
    summary: string | null;
    provisional: boolean;
    record: { comparisons: number; wins: number };
    comparisons: { totalCount: number; nodes: ComparisonRef[] };
    related: {
      totalCount: number;
      edges: { kind: RelationKind; weight: number; direction: string; node: TopicRef }[];
    };
    neighborhood: Subgraph;
  } | null;
}

export const TOPIC = `query ExplorerTopic($slug: String!) {
  topic(slug: $slug) {
    slug name summary provisional
    record { comparisons wins }
    comparisons(first: 40) { totalCount nodes { ${COMPARISON_REF} } }
    related(first: 40) { totalCount edges { kind weight direction node { slug name } } }
    neighborhood(depth: 1, limit: 60) { ${SUBGRAPH} }
  }
}`;

export interface ComparisonOption {
  name: string;
  summary: string;
  isPick: boolean;
  pros: string[];
  cons: string[];
  useIf: string | null;
  topic: TopicRef & { neighborhood: Subgraph };
  relatedTopics: TopicRef[];
}

export interface ComparisonData {
  comparison: {
    slug: string;
    title: string;
    category: string;
    intro: string;
    updatedAt: string;
    verdict: {
      pickSummary: string;
      bottomLine: string;
      pick: { name: string; topic: { slug: string } } | null;
      conditions: { useIf: string; option: { name: string; topic: { slug: string } } }[];
    };
    options: ComparisonOption[];
    relatedComparisons: {
      totalCount: number;
      edges: { distance: number; node: ComparisonRef }[];
    };
  } | null;
}

export const COMPARISON = `query ExplorerComparison($slug: String!) {
  comparison(slug: $slug) {
    slug title category intro updatedAt
    verdict {
      pickSummary bottomLine
      pick { name topic { slug } }
      conditions { useIf option { name topic { slug } } }
    }
    options {
      name summary isPick pros cons useIf
      topic { slug name neighborhood(depth: 1, limit: 30) { ${SUBGRAPH} } }
      relatedTopics { slug name }
    }
    relatedComparisons(depth: 2, first: 12) {
      totalCount
      edges { distance node { ${COMPARISON_REF} } }
    }
  }
}`;

export interface ExpandData {
  topic: { slug: string; neighborhood: Subgraph } | null;
}

export const EXPAND = `query ExplorerExpand($slug: String!) {
  topic(slug: $slug) { slug neighborhood(depth: 1, limit: 40) { ${SUBGRAPH} } }
}`;

export interface PathEndsData {
  from: (TopicRef & { neighborhood: Subgraph }) | null;
  to: TopicRef | null;
}

export const PATH_ENDS = `query ExplorerPathEnds($from: String!, $to: String!) {
  from: topic(slug: $from) { slug name neighborhood(depth: 1, limit: 30) { ${SUBGRAPH} } }
  to: topic(slug: $to) { slug name }
}`;

export interface PathData {
  path: {
    length: number;
    topics: (TopicRef & { summary: string | null })[];
    edges: GraphEdge[];
  } | null;
}

export const PATH = `query ExplorerPath($from: String!, $to: String!) {
  path(from: $from, to: $to, maxDepth: 8) {
    length
    topics { slug name summary }
    edges { from { slug } to { slug } kind weight }
  }
}`;
