import { builder } from "../builder.ts";
import { Topic } from "./topic.ts";

export const Option = builder.drizzleNode("optionsTable", {
  name: "Option",
  description: "One of the options a comparison weighs, with its case for and against.",
  id: { column: (option) => option.id },
  fields: (t) => ({
    name: t.exposeString("name", { description: "The option's name as the page writes it." }),
    topic: t.relation("topic", { description: "The topic this option stands for." }),
    comparison: t.relation("comparison", { description: "The comparison this option belongs to." }),
    position: t.exposeInt("position", {
      description: "Zero-based place of the option in the comparison's title.",
    }),
    summary: t.exposeString("summary", { description: "What the option is and who it suits." }),
    pros: t.exposeStringList("pros", { description: "Points in favour, in page order." }),
    cons: t.exposeStringList("cons", { description: "Points against, in page order." }),
    useIf: t.exposeString("useIf", {
      nullable: true,
      description: "The verdict's `Use <option> if:` condition for this option, when it has one.",
    }),
    isPick: t.boolean({
      description: "True when this option is the comparison's pick.",
      select: { columns: { id: true }, with: { comparison: { columns: { pickOptionId: true } } } },
      resolve: (option) => option.comparison.pickOptionId === option.id,
    }),
    relatedTopics: t.field({
      type: [Topic],
      description: "The topics of this option's `Related to:` tags, in page order.",
      select: (_args, _ctx, nestedSelection) => ({
        with: {
          tags: { orderBy: { position: "asc" }, with: { topic: nestedSelection() } },
        },
      }),
      resolve: (option) => option.tags.map((tag) => tag.topic),
    }),
  }),
});
