import { type GraphQLSchema, isObjectType, lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "./builder.ts";
import "./types/relation-kind.ts";
import "./types/topic.ts";
import "./types/option.ts";
import "./types/comparison.ts";
import "./types/subgraph.ts";
import "./types/related-comparisons.ts";
import "./types/pick-conflicts.ts";
import "./types/errors.ts";
import "./types/comparison-mutations.ts";
import "./types/topic-mutations.ts";
import "./types/feedback.ts";
import "./types/change.ts";
import "./types/token.ts";
import "./types/search.ts";

/** Fields that plugins generate without a way to describe them; every field is described. */
function describeGeneratedFields(built: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(built.getTypeMap())) {
    if (!isObjectType(type)) continue;
    const fields = type.getFields();
    const totalCount = fields.totalCount;
    if (totalCount && !totalCount.description) {
      totalCount.description = "How many items the whole list holds, across all pages.";
    }
  }
  return built;
}

export const schema = describeGeneratedFields(builder.toSchema());

/** The SDL checked in as schema/schema.graphql: sorted, so diffs show only real changes. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
