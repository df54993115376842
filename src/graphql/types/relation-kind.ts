import {
  DIRECTIONS,
  type Direction as DirectionValue,
  RELATION_KINDS,
  type RelationKind as RelationKindValue,
} from "../../domain/rules.ts";
import { builder } from "../builder.ts";

/** Enum values from src/domain/rules.ts, each described here (a new value fails to compile). */
function describedValues<Value extends string>(
  values: readonly Value[],
  descriptions: Record<Value, string>,
) {
  return Object.fromEntries(
    values.map((value) => [value, { description: descriptions[value] }]),
  ) as Record<Value, { description: string }>;
}

export const RelationKind = builder.enumType("RelationKind", {
  description: "The kinds of edge between topics.",
  values: describedValues<RelationKindValue>(RELATION_KINDS, {
    RELATED_TO:
      "A page lists the target in an option's `Related to:` tags, or an editor linked them.",
    COMPARED_WITH:
      "Both topics are options of one comparison; symmetric, kept in step with the pages.",
  }),
});

export const Direction = builder.enumType("Direction", {
  description: "Which edges a walk follows, seen from the topic it stands on.",
  values: describedValues<DirectionValue>(DIRECTIONS, {
    OUT: "Edges that leave the topic.",
    IN: "Edges that arrive at the topic.",
    BOTH: "Edges either way.",
  }),
});
