import { builder } from "../builder.ts";

/** The change log's rows; `Topic.history` and `Comparison.history` page them. */

builder.drizzleObject("changesTable", {
  name: "Change",
  description: "One write recorded in the change log.",
  fields: (t) => ({
    at: t.exposeString("at", { description: "When (ISO 8601)." }),
    actor: t.exposeString("actor", { description: "Who: the writer's token name, or `cli`." }),
    action: t.exposeString("action", {
      description: "What kind of write, e.g. `comparison.update`.",
    }),
    summary: t.exposeString("summary", { description: "What changed, for people." }),
    version: t.exposeInt("version", {
      nullable: true,
      description: "The comparison's version after the change, when it was about a comparison.",
    }),
  }),
});
