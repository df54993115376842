import { builder } from "../builder.ts";

export const RelationKind = builder.enumType("RelationKind", {
  description: "The kinds of edge between topics.",
  values: {
    RELATED_TO: {
      description:
        "A page lists the target in an option's `Related to:` tags, or an editor linked them.",
    },
    COMPARED_WITH: {
      description:
        "Both topics are options of one comparison; symmetric, kept in step with the pages.",
    },
  } as const,
});

export const Direction = builder.enumType("Direction", {
  description: "Which edges a walk follows, seen from the topic it stands on.",
  values: {
    OUT: { description: "Edges that leave the topic." },
    IN: { description: "Edges that arrive at the topic." },
    BOTH: { description: "Edges either way." },
  } as const,
});
