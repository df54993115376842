import { getSchemaConfig, queryFromInfo } from "@pothos/plugin-drizzle";
import { offsetToCursor, resolveOffsetConnection } from "@pothos/plugin-relay";
import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from "graphql";
import type { SearchHighlight, SearchHighlightFragment } from "../../search/highlight.ts";
import { parseSearchQuery, SearchQueryError } from "../../search/query.ts";
import { type SearchHit, type SearchResultType, search } from "../../search/search.ts";
import { builder } from "../builder.ts";
import { badUserInput } from "../client-errors.ts";
import type { Context } from "../context.ts";
import { CONNECTION_DEFAULT_SIZE, CONNECTION_MAX_SIZE, maxPageSize } from "../paging.ts";
import { Comparison } from "./comparison.ts";
import { Topic } from "./topic.ts";

const SearchType = builder.enumType("SearchType", {
  description: "What `search` may return.",
  values: {
    TOPIC: { value: "Topic", description: "Topics (technologies, practices, roles, concepts)." },
    COMPARISON: { value: "Comparison", description: "Comparisons (pages weighing options)." },
  } as const,
});

// The nodes a search hands out, by object: the union asks which type each one is.
const resultTypes = new WeakMap<object, SearchResultType>();

const SearchResult = builder.unionType("SearchResult", {
  description: "A search result: a topic or a comparison.",
  types: [Topic, Comparison],
  resolveType: (value) => resultTypes.get(value as object) ?? null,
});

const SearchHighlightFragmentRef = builder
  .objectRef<SearchHighlightFragment>("SearchHighlightFragment")
  .implement({
    description:
      "One consecutive piece of a highlighted field's text; the pieces of a highlight, joined, are the field's whole text.",
    fields: (t) => ({
      text: t.exposeString("text", { description: "The text of this piece." }),
      match: t.exposeBoolean("match", {
        description: "True when this piece is a word the query matched.",
      }),
    }),
  });

const SearchHighlightRef = builder.objectRef<SearchHighlight>("SearchHighlight").implement({
  description:
    "One field of a result with the words the query matched marked. A result's name or title always comes back; other fields only when they matched.",
  fields: (t) => ({
    field: t.exposeString("field", {
      description:
        "Which field: `name` or `summary` of a topic; `title`, `intro`, `summary` (an option's), `pros` (one pro), `cons` (one con) or `verdict` (a use-if condition, the pick summary or the bottom line) of a comparison.",
    }),
    fragments: t.field({
      type: [SearchHighlightFragmentRef],
      // Pieces of text the search statement already returned: no work per piece.
      complexity: { field: 1, multiplier: 1 },
      description: "The field's text in consecutive pieces, matched words marked.",
      resolve: (highlight) => highlight.fragments,
    }),
  }),
});

interface SearchEdgeShape {
  cursor: string;
  node: SearchHit["node"];
  score: number;
  highlights: SearchHighlight[];
}

/** Offset cursors as the relay plugin writes them; anything else is refused by name. */
function checkCursor(name: "after" | "before", cursor: string | null | undefined): void {
  if (cursor === null || cursor === undefined) return;
  const decoded = Buffer.from(cursor, "base64").toString("utf8");
  const match = /^OffsetConnection:(0|[1-9][0-9]{0,8})$/.exec(decoded);
  if (match === null || offsetToCursor(Number(match[1])) !== cursor) {
    throw badUserInput(`${name} is not a search cursor`, { argument: name });
  }
}

/** Whether the operation asks for `highlights` under this field (fragments included). */
function asksFor(field: string, info: GraphQLResolveInfo): boolean {
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((selection) => {
      if (selection.kind === Kind.FIELD) {
        return selection.name.value === field || visit(selection.selectionSet);
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) return visit(selection.selectionSet);
      const name = selection.name.value;
      if (seen.has(name)) return false;
      seen.add(name);
      return visit(info.fragments[name]?.selectionSet);
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}

/**
 * The search statement returns each result's whole row, which is all that scalar fields need:
 * recording the plan for `edges.node` and `nodes` tells the drizzle plugin so, and nothing more is
 * read. When the operation also asks for relations or computed fields of the results, one
 * relational query per result type loads them (as the plugin's own fallback would).
 */
async function loadNestedSelections(
  hits: SearchHit[],
  ctx: Context,
  info: GraphQLResolveInfo,
): Promise<void> {
  const config = getSchemaConfig(builder);
  for (const type of ["Topic", "Comparison"] as const) {
    const ofType = hits.filter((hit) => hit.type === type);
    if (ofType.length === 0) continue;
    const query = (await queryFromInfo({
      config,
      context: ctx,
      info,
      typeName: type,
      paths: [["edges", "node"], ["nodes"]],
    })) as { with?: object; extras?: object } | undefined;
    const nested =
      query !== undefined &&
      (Object.keys(query.with ?? {}).length > 0 || Object.keys(query.extras ?? {}).length > 0);
    if (!nested) continue;
    const ids = ofType.map((hit) => hit.node.id);
    const table = type === "Topic" ? ctx.db.query.topicsTable : ctx.db.query.comparisonsTable;
    const rows = (await table.findMany({ ...query, where: { id: { in: ids } } } as never)) as {
      id: number;
    }[];
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const hit of ofType) {
      const row = byId.get(hit.node.id);
      if (row) hit.node = row as never;
    }
  }
}

builder.queryField("search", (t) =>
  t.connection(
    {
      type: SearchResult,
      description:
        "Topics and comparisons matching a text, most relevant first: words in names and titles weigh more than in summaries and intros, and those more than in pros, cons and verdicts; an exact slug or a former slug of a merged topic comes first; the last word may be a prefix (autocomplete); when the words as typed match nothing, names and titles within a typo or two do; a few abbreviations are understood (`ic`, `em`, `pm`, `k8s`, …). A text with no letter or digit matches nothing; an empty one, one over 200 characters or one with NUL bytes is refused with BAD_USER_INPUT. `last` needs `before`.",
      args: {
        query: t.arg.string({
          required: true,
          description:
            "The search text, at most 200 characters; slug-ish words work (`c#`, `node.js`, `c-sharp`).",
        }),
        types: t.arg({
          type: [SearchType],
          required: false,
          description: "Only results of these types (default: both).",
        }),
      },
      resolve: async (_root, args, ctx, info) => {
        maxPageSize(args);
        checkCursor("after", args.after);
        checkCursor("before", args.before);
        if (args.types && args.types.length === 0) {
          throw badUserInput("types must name at least one type; leave it out to search both", {
            argument: "types",
          });
        }
        let query: ReturnType<typeof parseSearchQuery>;
        try {
          query = parseSearchQuery(args.query);
        } catch (error) {
          if (error instanceof SearchQueryError)
            throw badUserInput(error.message, { argument: "query" });
          throw error;
        }
        let total = 0;
        // The relay plugin's offset paging: cursors, one row more than the page to learn whether
        // another follows, and the trim.
        const page = await resolveOffsetConnection(
          { args, defaultSize: CONNECTION_DEFAULT_SIZE, maxSize: CONNECTION_MAX_SIZE },
          async ({ offset, limit }) => {
            // Words with no letter or digit match nothing: an honest empty answer, no statement.
            if (query === null) return [];
            const found = await search(ctx.db, query, {
              types: args.types ?? ["Topic", "Comparison"],
              offset,
              limit,
              highlights: asksFor("highlights", info),
            });
            total = found.total;
            await loadNestedSelections(found.hits, ctx, info);
            return found.hits;
          },
        );
        const edges = page.edges.map(({ cursor, node: hit }): SearchEdgeShape => {
          resultTypes.set(hit.node, hit.type);
          return { cursor, node: hit.node, score: hit.score, highlights: hit.highlights };
        });
        return {
          edges,
          totalCount: total,
          // An empty page has no cursors (the helper would name the offsets around it).
          pageInfo: {
            ...page.pageInfo,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges[edges.length - 1]?.cursor ?? null,
          },
        };
      },
    },
    {
      name: "SearchConnection",
      description: "A page of search results, most relevant first.",
      fields: (connection) => ({
        totalCount: connection.int({
          description:
            "How many results the ranked list holds, across all pages: every match while the words match at most 50 topics and 50 comparisons; beyond that the list is a bounded selection (per type, at most 50 names starting with the text, 50 with the words in the name and 50 with the words anywhere, plus exact slugs), so at most 303, and pages end there.",
          resolve: (result) => result.totalCount,
        }),
      }),
    },
    {
      name: "SearchEdge",
      description: "One search result with its relevance and highlighted fields.",
      fields: (edge) => ({
        score: edge.float({
          description:
            "Relevance; higher is better. Comparable within one query only (see `Query.search`).",
          resolve: (edge) => edge.score,
        }),
        highlights: edge.field({
          type: [SearchHighlightRef],
          // Computed from the statement's own rows, for this page only.
          complexity: { field: 1, multiplier: 1 },
          description: "The result's name or title, and every other field the query matched.",
          resolve: (edge) => edge.highlights,
        }),
      }),
    },
  ),
);
