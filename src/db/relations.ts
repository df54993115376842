import { defineRelations } from "drizzle-orm";
import { topicLinksView } from "./read-models.ts";
import * as tables from "./tables.ts";

export const relations = defineRelations({ ...tables, topicLinksView }, (r) => ({
  topicsTable: {
    options: r.many.optionsTable(),
    aliases: r.many.topicAliasesTable(),
    outgoing: r.many.topicRelationsTable({ alias: "outgoing" }),
    incoming: r.many.topicRelationsTable({ alias: "incoming" }),
    links: r.many.topicLinksView({ from: r.topicsTable.id, to: r.topicLinksView.topicId }),
    changes: r.many.changesTable({ from: r.topicsTable.id, to: r.changesTable.topicId }),
    comparisonEntries: r.many.topicComparisonEntriesTable({
      from: r.topicsTable.id,
      to: r.topicComparisonEntriesTable.topicId,
    }),
    comparisons: r.many.comparisonsTable({
      from: r.topicsTable.id.through(r.topicComparisonEntriesTable.topicId),
      to: r.comparisonsTable.id.through(r.topicComparisonEntriesTable.comparisonId),
    }),
  },
  topicAliasesTable: {
    topic: r.one.topicsTable({
      from: r.topicAliasesTable.topicId,
      to: r.topicsTable.id,
      optional: false,
    }),
  },
  topicRelationsTable: {
    from: r.one.topicsTable({
      from: r.topicRelationsTable.fromTopicId,
      to: r.topicsTable.id,
      alias: "outgoing",
      optional: false,
    }),
    to: r.one.topicsTable({
      from: r.topicRelationsTable.toTopicId,
      to: r.topicsTable.id,
      alias: "incoming",
      optional: false,
    }),
  },
  comparisonsTable: {
    options: r.many.optionsTable(),
    changes: r.many.changesTable(),
    feedback: r.many.feedbackTable(),
    pick: r.one.optionsTable({
      from: r.comparisonsTable.pickOptionId,
      to: r.optionsTable.id,
      alias: "pick",
    }),
  },
  optionsTable: {
    comparison: r.one.comparisonsTable({
      from: r.optionsTable.comparisonId,
      to: r.comparisonsTable.id,
      optional: false,
    }),
    topic: r.one.topicsTable({
      from: r.optionsTable.topicId,
      to: r.topicsTable.id,
      optional: false,
    }),
    tags: r.many.optionTagsTable(),
  },
  topicComparisonEntriesTable: {
    comparison: r.one.comparisonsTable({
      from: r.topicComparisonEntriesTable.comparisonId,
      to: r.comparisonsTable.id,
      optional: false,
    }),
  },
  topicLinksView: {
    neighbor: r.one.topicsTable({
      from: r.topicLinksView.neighborId,
      to: r.topicsTable.id,
      optional: false,
    }),
  },
  changesTable: {
    comparison: r.one.comparisonsTable({
      from: r.changesTable.comparisonId,
      to: r.comparisonsTable.id,
    }),
  },
  feedbackTable: {
    comparison: r.one.comparisonsTable({
      from: r.feedbackTable.comparisonId,
      to: r.comparisonsTable.id,
      optional: false,
    }),
  },
  optionTagsTable: {
    option: r.one.optionsTable({
      from: r.optionTagsTable.optionId,
      to: r.optionsTable.id,
      optional: false,
    }),
    topic: r.one.topicsTable({
      from: r.optionTagsTable.topicId,
      to: r.topicsTable.id,
      optional: false,
    }),
  },
}));

export type Relations = typeof relations;
