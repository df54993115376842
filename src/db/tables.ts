import { type SQLWrapper, sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  integer,
  pgEnum,
  pgTable,
  pgView,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";
import {
  MAX_OPTIONS,
  MAX_WEIGHT,
  RELATION_KINDS,
  RELATION_SOURCES,
  SLUG_PATTERN,
  TEXT_LIMITS,
  TOKEN_NAME_PATTERN,
  TOKEN_SCOPES,
} from "../domain/rules.ts";

// Timestamps travel as text so cursors keep Postgres' microseconds (plugin-drizzle docs).
const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
};

// The CHECKs are written from src/domain/rules.ts: a changed rule changes their SQL, and
// `npm run db:generate` then writes the migration.
const n = (value: number) => sql.raw(String(value));
const slugCheck = (column: string) =>
  sql.raw(`${column} ~ '${SLUG_PATTERN}' AND length(${column}) <= ${TEXT_LIMITS.slug}`);
const lengthCheck = (column: AnyPgColumn, max: number) =>
  sql`length(${column}) BETWEEN 1 AND ${n(max)}`;

/** Postgres' full-text document type; only search reads it (as SQL), never the query builder. */
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const relationKind = pgEnum("relation_kind", RELATION_KINDS);

/** Who asserted an edge: derived from page content (rebuilt on every write) or set by an editor. */
export const relationSource = pgEnum("relation_source", RELATION_SOURCES);

/** Every node of the graph: an option of some comparison, or a tag that names a concept. */
export const topicsTable = pgTable(
  "topics",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    slug: text("slug").notNull().unique(),
    name: text("name").notNull(),
    summary: text("summary"),
    /** True while the topic is known only from a tag slug; a page or an editor names it. */
    provisional: boolean("provisional").notNull().default(false),
    ...timestamps,
  },
  (t) => [
    check("topics_slug_format", slugCheck("slug")),
    check("topics_name_length", lengthCheck(t.name, TEXT_LIMITS.name)),
    check("topics_summary_length", lengthCheck(t.summary, TEXT_LIMITS.summary)),
    // Search: full-text over an expression of the row itself (nothing to maintain; the function
    // is created by the search-topic-vector migration), the same over the name and slug words
    // alone (the A part), the lower-cased name for prefixes (autocomplete), and trigrams on the
    // name for typos (GiST: it can also hand names out closest first).
    index("topics_search").using(
      "gin",
      sql`pickgraph_topic_search_vector(${t.name}, ${t.slug}, ${t.summary})`,
    ),
    index("topics_name_search").using(
      "gin",
      sql`ts_filter(pickgraph_topic_search_vector(${t.name}, ${t.slug}, ${t.summary}), '{a}')`,
    ),
    index("topics_name_prefix").using("btree", sql`lower(${t.name}) text_pattern_ops`),
    index("topics_name_trigram_tree").using("gist", t.name.op("gist_trgm_ops")),
  ],
);

/** Former slugs of topics that were merged away; they keep resolving to the surviving topic. */
export const topicAliasesTable = pgTable(
  "topic_aliases",
  {
    slug: text("slug").primaryKey(),
    topicId: integer("topic_id")
      .notNull()
      .references(() => topicsTable.id, { onDelete: "cascade" }),
    createdAt: timestamps.createdAt,
  },
  (t) => [check("topic_aliases_slug_format", slugCheck("slug")), index().on(t.topicId)],
);

/** Directed, typed edges between topics; one per (from, to, kind). */
export const topicRelationsTable = pgTable(
  "topic_relations",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    fromTopicId: integer("from_topic_id")
      .notNull()
      .references(() => topicsTable.id, { onDelete: "cascade" }),
    toTopicId: integer("to_topic_id")
      .notNull()
      .references(() => topicsTable.id, { onDelete: "cascade" }),
    kind: relationKind("kind").notNull(),
    weight: doublePrecision("weight").notNull().default(1),
    source: relationSource("source").notNull(),
    ...timestamps,
  },
  (t) => [
    unique("topic_relations_edge").on(t.fromTopicId, t.toTopicId, t.kind),
    // The unique constraint serves outgoing walks; this one serves incoming walks.
    index("topic_relations_incoming").on(t.toTopicId, t.kind, t.fromTopicId),
    check("topic_relations_no_self_loop", sql`${t.fromTopicId} <> ${t.toTopicId}`),
    check("topic_relations_weight_range", sql`${t.weight} > 0 AND ${t.weight} <= ${n(MAX_WEIGHT)}`),
  ],
);

/** One comparison page: two or more options weighed against each other, and a verdict. */
export const comparisonsTable = pgTable(
  "comparisons",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    slug: text("slug").notNull().unique(),
    title: text("title").notNull(),
    category: text("category").notNull(),
    intro: text("intro").notNull(),
    /** The picked option; the foreign key below makes it one of this comparison's own options. */
    pickOptionId: integer("pick_option_id"),
    pickSummary: text("pick_summary").notNull(),
    bottomLine: text("bottom_line").notNull(),
    feedbackContact: text("feedback_contact"),
    /** Bumped whenever content changes; writers send the version they read (optimistic locking). */
    version: integer("version").notNull().default(1),
    /**
     * The version the last command-line import (`import`, `seed`) left: when `version` has moved
     * on since, someone edited the comparison and the next import must not overwrite it unasked.
     */
    importedVersion: integer("imported_version"),
    ...timestamps,
  },
  (t) => [
    check("comparisons_slug_format", slugCheck("slug")),
    check("comparisons_title_length", lengthCheck(t.title, TEXT_LIMITS.title)),
    check("comparisons_category_length", lengthCheck(t.category, TEXT_LIMITS.category)),
    check("comparisons_version_positive", sql`${t.version} >= 1`),
    // The category filter and Query.categories compare categories case-insensitively.
    index("comparisons_category_lower").using("btree", sql`lower(${t.category})`),
    // Search: the lower-cased title for prefixes, trigrams for typos. GIN, not GiST as for
    // topic names: over titles of two or three names GiST checked most of its pages for a
    // typo (10 to 40 ms on 10,000 pages), GIN's trigram lists answer in a fraction of a ms.
    index("comparisons_title_prefix").using("btree", sql`lower(${t.title}) text_pattern_ops`),
    index("comparisons_title_trigrams").using("gin", t.title.op("gin_trgm_ops")),
    // Topic.record counts a topic's wins through this column: without it every topic read
    // the whole table (17 x 17 records on 10,000 pages took 8 s, bench/limits.ts).
    index("comparisons_pick_option").on(t.pickOptionId),
    foreignKey({
      name: "comparisons_pick_is_own_option",
      columns: [t.pickOptionId, t.id],
      foreignColumns: [optionsTable.id as AnyPgColumn, optionsTable.comparisonId as AnyPgColumn],
    }),
  ],
);

/**
 * One option of a comparison. Pros and cons are ordered text arrays: they belong to exactly one
 * option, are always read and written whole, and arrays keep an import to one row per option.
 */
export const optionsTable = pgTable(
  "options",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    comparisonId: integer("comparison_id")
      .notNull()
      .references((): AnyPgColumn => comparisonsTable.id, { onDelete: "cascade" }),
    topicId: integer("topic_id")
      .notNull()
      .references(() => topicsTable.id, { onDelete: "restrict" }),
    /** The option's name as the page writes it (`C#`); the topic carries the canonical name. */
    name: text("name").notNull(),
    position: smallint("position").notNull(),
    summary: text("summary").notNull(),
    pros: text("pros").array().notNull().default(sql`'{}'::text[]`),
    cons: text("cons").array().notNull().default(sql`'{}'::text[]`),
    useIf: text("use_if"),
    ...timestamps,
  },
  (t) => [
    unique("options_position").on(t.comparisonId, t.position),
    unique("options_distinct_topics").on(t.comparisonId, t.topicId),
    // Target of the pick foreign key on comparisons.
    unique("options_id_comparison").on(t.id, t.comparisonId),
    index("options_topic").on(t.topicId, t.comparisonId),
    // Twice MAX_OPTIONS: a rewrite moves the old positions up by MAX_OPTIONS first.
    check(
      "options_position_range",
      sql`${t.position} >= 0 AND ${t.position} < ${n(2 * MAX_OPTIONS)}`,
    ),
    check("options_name_length", lengthCheck(t.name, TEXT_LIMITS.name)),
    check(
      "options_points_no_nulls",
      sql`array_position(${t.pros}, NULL) IS NULL AND array_position(${t.cons}, NULL) IS NULL`,
    ),
  ],
);

/**
 * The full-text document of each comparison: its title and slug words (weight A), intro and option
 * summaries (B), pros, cons, use-if conditions and verdict (C). It spans the comparison and its
 * options, so no expression index can hold it; the importer, the only writer of page text but
 * for `setPick`, rewrites it in the transaction that writes the page (`refreshComparisonSearch`).
 * A table of its own keeps the document out of every read of `comparisons`.
 */
export const comparisonSearchTable = pgTable(
  "comparison_search",
  {
    comparisonId: integer("comparison_id")
      .primaryKey()
      .references(() => comparisonsTable.id, { onDelete: "cascade" }),
    document: tsvector("document").notNull(),
    /**
     * The distinct space-separated words of the fields search highlights (title, intro, option
     * summaries, pros, cons, use-if conditions, pick summary, bottom line), sorted, written with
     * the document (`pickgraph_comparison_search_words`): a page of results highlights its
     * distinct words once, and splitting twenty comparisons' fields for them cost more than the
     * highlighting itself.
     */
    words: text("words").array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [
    index("comparison_search_document").using("gin", t.document),
    // The title and slug words alone (the A part), so that titles are found apart from prose.
    index("comparison_search_title").using("gin", sql`ts_filter(${t.document}, '{a}')`),
  ],
);

/** The `Related to:` tags of an option, in page order. RELATED_TO edges are derived from them. */
export const optionTagsTable = pgTable(
  "option_tags",
  {
    optionId: integer("option_id")
      .notNull()
      .references(() => optionsTable.id, { onDelete: "cascade" }),
    position: smallint("position").notNull(),
    topicId: integer("topic_id")
      .notNull()
      .references(() => topicsTable.id, { onDelete: "restrict" }),
  },
  (t) => [
    primaryKey({ columns: [t.optionId, t.position] }),
    unique("option_tags_distinct").on(t.optionId, t.topicId),
    index("option_tags_topic").on(t.topicId),
  ],
);

/**
 * The comparisons each topic takes part in, as an option or as a tag of an option. A view rather
 * than a table so it can never fall out of step with the pages.
 */
export const topicComparisonsView = pgView("topic_comparisons", {
  topicId: integer("topic_id").notNull(),
  comparisonId: integer("comparison_id").notNull(),
}).as(sql`
  SELECT o.topic_id, o.comparison_id FROM options o
  UNION
  SELECT t.topic_id, o.comparison_id FROM option_tags t JOIN options o ON o.id = t.option_id
`);

/**
 * The `topic_comparisons` view kept as a table with the sort key in an index, so that
 * `Topic.comparisons(first: n)` reads n index entries however many comparisons a topic has.
 * Rebuilt set-based with the page edges (`src/graph/page-edges.ts`) in every write transaction.
 */
export const topicComparisonEntriesTable = pgTable(
  "topic_comparison_entries",
  {
    topicId: integer("topic_id")
      .notNull()
      .references(() => topicsTable.id, { onDelete: "cascade" }),
    comparisonId: integer("comparison_id")
      .notNull()
      .references(() => comparisonsTable.id, { onDelete: "cascade" }),
    comparisonSlug: text("comparison_slug").notNull(),
    /**
     * How central the topic is to the comparison (`Topic.comparisons(orderBy: RELEVANCE)`):
     * 100 when the topic is one of its options, plus how many of its options tag the topic.
     */
    relevance: integer("relevance").notNull().default(0),
    /**
     * The comparison's `updated_at`, copied here so UPDATED pages from an index; a trigger on
     * `comparisons` (custom migration) keeps it current on every write that bumps the original.
     */
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "string" })
      .notNull()
      .defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.topicId, t.comparisonId] }),
    index("topic_comparison_entries_by_slug").on(t.topicId, t.comparisonSlug, t.comparisonId),
    index("topic_comparison_entries_by_relevance").on(
      t.topicId,
      t.relevance.desc(),
      t.comparisonSlug,
    ),
    index("topic_comparison_entries_by_updated").on(
      t.topicId,
      t.updatedAt.desc(),
      t.comparisonSlug,
    ),
    index("topic_comparison_entries_comparison").on(t.comparisonId),
  ],
);

/**
 * How many comparisons each topic takes part in: `Topic.comparisons { totalCount }` reads one
 * row here instead of counting the topic's `topic_comparison_entries` (4,007 index entries for
 * the most popular topic of 10,000 pages: 0.9 ms a topic, half a hub walk). Kept by statement
 * triggers on topic_comparison_entries (schema/functions/pickgraph_count_topic_comparisons.sql),
 * so every write that changes the entries, cascades included, changes the count with them.
 */
export const topicComparisonCountsTable = pgTable(
  "topic_comparison_counts",
  {
    topicId: integer("topic_id")
      .primaryKey()
      .references(() => topicsTable.id, { onDelete: "cascade" }),
    comparisons: integer("comparisons").notNull(),
  },
  (t) => [check("topic_comparison_counts_not_negative", sql`${t.comparisons} >= 0`)],
);

/**
 * A topic's `comparisons { totalCount }` (both read paths): its row of topic_comparison_counts,
 * not a count of its entries, so a popular topic costs what a rare one does.
 */
export const topicComparisonTotal = (topicId: SQLWrapper) =>
  sql<number>`coalesce((SELECT k.comparisons FROM topic_comparison_counts k WHERE k.topic_id = ${topicId}), 0)`;

/** Bearer tokens for writers. Only a SHA-256 hash of each token is kept. */
export const apiTokensTable = pgTable(
  "api_tokens",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull().unique(),
    tokenHash: text("token_hash").notNull().unique(),
    scopes: text("scopes").array().notNull(),
    createdAt: timestamps.createdAt,
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "string" }),
  },
  (t) => [
    check("api_tokens_name_format", sql`${t.name} ~ ${sql.raw(`'${TOKEN_NAME_PATTERN}'`)}`),
    check(
      "api_tokens_scopes_known",
      sql`${t.scopes} <@ ARRAY[${sql.raw(TOKEN_SCOPES.map((scope) => `'${scope}'`).join(", "))}]::text[]`,
    ),
    check("api_tokens_scopes_present", sql`cardinality(${t.scopes}) > 0`),
  ],
);

/** Who changed what: one row per write, kept when the comparison itself is deleted. */
export const changesTable = pgTable(
  "changes",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
    /** The token name of the writer, or `cli` for the command line. */
    actor: text("actor").notNull(),
    /** What happened, e.g. `comparison.update`, `topic.merge`. */
    action: text("action").notNull(),
    comparisonId: integer("comparison_id").references(() => comparisonsTable.id, {
      onDelete: "set null",
    }),
    topicId: integer("topic_id").references(() => topicsTable.id, { onDelete: "set null" }),
    /** The slug the change was about, kept readable after a delete. */
    subject: text("subject").notNull(),
    /** The comparison version after the change, when it was about a comparison. */
    version: integer("version"),
    summary: text("summary").notNull(),
  },
  (t) => [
    index("changes_comparison").on(t.comparisonId, t.id),
    index("changes_topic").on(t.topicId, t.id),
  ],
);

/** Public "disagree with our pick" feedback on a comparison. */
export const feedbackTable = pgTable(
  "feedback",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    comparisonId: integer("comparison_id")
      .notNull()
      .references(() => comparisonsTable.id, { onDelete: "cascade" }),
    preferredOptionId: integer("preferred_option_id").notNull(),
    comment: text("comment"),
    createdAt: timestamps.createdAt,
  },
  (t) => [
    // The preferred option must belong to the comparison the feedback is about.
    foreignKey({
      name: "feedback_option_of_comparison",
      columns: [t.preferredOptionId, t.comparisonId],
      foreignColumns: [optionsTable.id, optionsTable.comparisonId],
    }).onDelete("cascade"),
    index("feedback_comparison").on(t.comparisonId, t.preferredOptionId),
    check("feedback_comment_length", sql`length(${t.comment}) <= ${n(TEXT_LIMITS.comment)}`),
  ],
);

/**
 * Rate-limit counters of public writes (`submitFeedback`) when no Redis is configured: one row
 * per key (kind and client address, or a duplicate's fingerprint), shared by every server
 * process on the database. The columns are the ones rate-limiter-flexible's Drizzle store
 * reads and writes (src/http/public-writes.ts); rows past `expire` are dead, and deleted an
 * hour later by the gate's sweep.
 */
export const rateLimitsTable = pgTable("rate_limits", {
  key: text("key").primaryKey(),
  points: integer("points").notNull(),
  expire: timestamp("expire", { withTimezone: true, mode: "date" }),
});
