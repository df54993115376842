import {
  type GraphQLSchema,
  getNamedType,
  isObjectType,
  isUnionType,
  lexicographicSortSchema,
  printSchema,
} from "graphql";
import { builder } from "./builder.ts";
import "./query.ts";
import "./mutation.ts";
import "./types/relation-kind.ts";
import "./types/topic.ts";
import "./types/option.ts";
import "./types/comparison.ts";
import "./types/verdict.ts";
import "./types/category.ts";
import "./types/subgraph.ts";
import "./types/pick-conflicts.ts";
import "./types/errors.ts";
import "./types/comparison-mutations.ts";
import "./types/topic-mutations.ts";
import "./types/feedback.ts";
import "./types/change.ts";
import "./types/token.ts";
import "./types/search.ts";

/**
 * Types and fields that plugins generate without a way to describe them one by one; every type
 * and field is described. The errors plugin makes each mutation's `<Name>Result` union.
 */
function describeGeneratedFields(built: GraphQLSchema): GraphQLSchema {
  for (const [name, field] of Object.entries(built.getMutationType()?.getFields() ?? {})) {
    const result = getNamedType(field.type);
    if (isUnionType(result) && !result.description) {
      result.description = `The outcome of ${name}: its payload, or why nothing was written.`;
    }
  }
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
