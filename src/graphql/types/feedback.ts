import { TEXT_LIMITS } from "../../domain/rules.ts";
import { submitFeedback } from "../../editing/feedback.ts";
import { builder } from "../builder.ts";
import { Comparison } from "./comparison.ts";
import { Option } from "./option.ts";

export interface FeedbackSummaryShape {
  total: number;
  agree: number;
  byOption: { option: { id: number }; count: number }[];
}

const OptionFeedback = builder
  .objectRef<FeedbackSummaryShape["byOption"][number]>("OptionFeedback")
  .implement({
    description: "How many readers preferred one option.",
    fields: (t) => ({
      option: t.field({
        type: Option,
        description: "The option.",
        resolve: (row) => row.option as never,
      }),
      count: t.exposeInt("count", { description: "Readers who preferred it." }),
    }),
  });

export const FeedbackSummary = builder
  .objectRef<FeedbackSummaryShape>("FeedbackSummary")
  .implement({
    description: "What readers said about a comparison's pick.",
    fields: (t) => ({
      total: t.exposeInt("total", { description: "All feedback received." }),
      agree: t.exposeInt("agree", { description: "Feedback preferring the current pick." }),
      byOption: t.field({
        type: [OptionFeedback],
        description: "Feedback per option, in option order (options nobody preferred count 0).",
        resolve: (summary) => summary.byOption,
      }),
    }),
  });

const SubmitFeedbackPayload = builder
  .objectRef<{ comparison: { id: number } }>("SubmitFeedbackPayload")
  .implement({
    description: "The comparison the feedback was about, with its updated summary.",
    fields: (t) => ({
      comparison: t.field({
        type: Comparison,
        description: "The comparison.",
        resolve: (payload) => payload.comparison as never,
      }),
    }),
  });

builder.mutationField("submitFeedback", (t) =>
  t.field({
    type: SubmitFeedbackPayload,
    description: `Public "disagree with our pick" feedback: which option you prefer, and why (at most ${TEXT_LIMITS.comment} characters). Needs no token.`,
    // Public: the one mutation without the editor scope (see mutation.ts).
    skipTypeScopes: true,
    errors: {},
    args: {
      input: t.arg({
        required: true,
        description: "The feedback.",
        type: builder.inputType("SubmitFeedbackInput", {
          description: "Which option a reader prefers, and why.",
          fields: (f) => ({
            comparisonId: f.globalID({
              required: true,
              for: [Comparison],
              description: "The comparison.",
            }),
            preferredOptionId: f.globalID({
              required: true,
              for: [Option],
              description: "The option the reader prefers (one of the comparison's).",
            }),
            comment: f.string({
              required: false,
              description: `Why, in at most ${TEXT_LIMITS.comment} characters.`,
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const comparisonId = Number(input.comparisonId.id);
      const fingerprint = JSON.stringify([
        input.comparisonId.id,
        input.preferredOptionId.id,
        input.comment ?? null,
      ]);
      // The same feedback sent again by the same client is answered, not counted twice.
      if ((await ctx.admitPublicWrite("submitFeedback", fingerprint)) === "new") {
        await submitFeedback(ctx.db, {
          comparisonId,
          preferredOptionId: Number(input.preferredOptionId.id),
          comment: input.comment,
        });
      }
      const comparison = await ctx.db.query.comparisonsTable.findFirst({
        where: { id: comparisonId },
      });
      return { comparison: comparison as { id: number } };
    },
  }),
);
