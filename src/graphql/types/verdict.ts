import { builder } from "../builder.ts";
import { Option } from "./option.ts";

export interface VerdictShape {
  pick: { id: number } | null;
  pickSummary: string;
  bottomLine: string;
  conditions: { option: { id: number; useIf: string | null }; useIf: string }[];
}

export const VerdictCondition = builder
  .objectRef<VerdictShape["conditions"][number]>("VerdictCondition")
  .implement({
    description: "One `Use <option> if:` line of a verdict.",
    fields: (t) => ({
      option: t.field({
        type: Option,
        description: "The option the condition recommends.",
        resolve: (condition) => condition.option as never,
      }),
      useIf: t.exposeString("useIf", { description: "When to choose that option." }),
    }),
  });

export const Verdict = builder.objectRef<VerdictShape>("Verdict").implement({
  description:
    "What a comparison concludes: its pick, the bottom line and when to use each option.",
  fields: (t) => ({
    pick: t.field({
      type: Option,
      nullable: true,
      description: "The winning option; null only while an editor has not picked one.",
      resolve: (verdict) => verdict.pick as never,
    }),
    pickSummary: t.exposeString("pickSummary", {
      description: "The summary the page gives under its pick marker.",
    }),
    bottomLine: t.exposeString("bottomLine", { description: "The closing judgement." }),
    conditions: t.field({
      type: [VerdictCondition],
      description: "One condition per option that has one, in option order.",
      resolve: (verdict) => verdict.conditions,
    }),
  }),
});
