import { boolean, doublePrecision, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

/**
 * Each topic's neighbours as seen from that topic: every edge outgoing, and every asymmetric edge
 * incoming (COMPARED_WITH is stored both ways already, so it is listed once).
 *
 * In the database this is a view (see the `topic-links-view` migration). It is declared as a table,
 * outside tables.ts so drizzle-kit never creates it, because the Pothos plugin pages only over
 * tables with a primary key; (topicId, neighborId, kind, outgoing) is unique in the view.
 */
export const topicLinksView = pgTable(
  "topic_links",
  {
    topicId: integer("topic_id").notNull(),
    neighborId: integer("neighbor_id").notNull(),
    neighborSlug: text("neighbor_slug").notNull(),
    // Text, not the enum: PGlite sends filter parameters typed as text, which an enum refuses.
    kind: text("kind").notNull().$type<"RELATED_TO" | "COMPARED_WITH">(),
    weight: doublePrecision("weight").notNull(),
    outgoing: boolean("outgoing").notNull(),
  },
  (t) => [primaryKey({ columns: [t.topicId, t.neighborId, t.kind, t.outgoing] })],
);
