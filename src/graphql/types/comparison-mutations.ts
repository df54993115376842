import {
  type ComparisonInput,
  createComparison,
  deleteComparison,
  importPageTexts,
  setPick,
  updateComparison,
} from "../../editing/comparisons.ts";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { encodeGlobalId } from "../global-id.ts";
import { actorOf } from "../mutation.ts";
import { Comparison } from "./comparison.ts";
import { Option } from "./option.ts";

async function loadComparison(ctx: Context, id: number) {
  const row = await ctx.db.query.comparisonsTable.findFirst({ where: { id } });
  if (!row) throw new Error(`comparison ${id} vanished after its own write`);
  return row;
}

function numericId(id: { id: number | string }): number {
  return Number(id.id);
}

const OptionInput = builder.inputType("OptionInput", {
  description: "One option of a comparison, as a page block holds it.",
  fields: (t) => ({
    name: t.string({
      required: true,
      description: "The option's name, e.g. `C#`; its slug names the topic.",
    }),
    summary: t.string({ required: true, description: "What the option is and who it suits." }),
    pros: t.stringList({
      required: false,
      description: "Points in favour, in order (each one line).",
    }),
    cons: t.stringList({
      required: false,
      description: "Points against, in order (each one line).",
    }),
    relatedTo: t.stringList({
      required: false,
      description: "Slugs (or names) of related topics, in order; unknown ones are created.",
    }),
    useIf: t.string({ required: false, description: "The `Use <option> if:` condition." }),
  }),
});

const CreateComparisonInput = builder.inputType("CreateComparisonInput", {
  description: "Everything a comparison page holds.",
  fields: (t) => ({
    category: t.string({ required: true, description: "Category line, e.g. `Career`." }),
    intro: t.string({ required: true, description: "Introduction paragraph(s)." }),
    options: t.field({
      type: [OptionInput],
      required: true,
      description: "Two to eight distinct options, in title order.",
    }),
    pick: t.string({ required: true, description: "The picked option, by name or slug." }),
    pickSummary: t.string({
      required: false,
      description: "The summary under the pick marker (default: the picked option's summary).",
    }),
    bottomLine: t.string({ required: true, description: "The closing judgement." }),
    feedbackContact: t.string({
      required: false,
      description: "Where readers who disagree can write.",
    }),
  }),
});

const UpdateComparisonInput = builder.inputType("UpdateComparisonInput", {
  description:
    "A change to a comparison. Fields left out keep their value; `options` replaces the whole list.",
  fields: (t) => ({
    id: t.globalID({ required: true, for: [Comparison], description: "The comparison to change." }),
    expectedVersion: t.int({
      required: true,
      description: "The version you read; a different current version is a ConflictError.",
    }),
    category: t.string({ required: false, description: "New category line." }),
    intro: t.string({ required: false, description: "New introduction." }),
    options: t.field({ type: [OptionInput], required: false, description: "New option list." }),
    pick: t.string({ required: false, description: "New pick, by option name or slug." }),
    pickSummary: t.string({ required: false, description: "New summary under the pick marker." }),
    bottomLine: t.string({ required: false, description: "New closing judgement." }),
    feedbackContact: t.string({ required: false, description: "New contact; null removes it." }),
  }),
});

function toComparisonInput(input: Record<string, unknown>): ComparisonInput {
  return input as unknown as ComparisonInput;
}

const ComparisonPayload = (name: string, description: string) =>
  builder.objectRef<{ comparison: { id: number } }>(name).implement({
    description,
    fields: (t) => ({
      comparison: t.field({
        type: Comparison,
        description: "The comparison as it is now.",
        resolve: (payload) => payload.comparison as never,
      }),
    }),
  });

const CreateComparisonPayload = ComparisonPayload(
  "CreateComparisonPayload",
  "The created comparison.",
);
const SetPickPayload = ComparisonPayload("SetPickPayload", "The comparison with its new pick.");

const UpdateComparisonPayload = builder
  .objectRef<{ comparison: { id: number }; changed: boolean }>("UpdateComparisonPayload")
  .implement({
    description: "The updated comparison.",
    fields: (t) => ({
      comparison: t.field({
        type: Comparison,
        description: "The comparison as it is now.",
        resolve: (payload) => payload.comparison as never,
      }),
      changed: t.exposeBoolean("changed", {
        description: "False when the input equalled the stored content (the version stays).",
      }),
    }),
  });

const DeleteComparisonPayload = builder
  .objectRef<{ id: number; slug: string }>("DeleteComparisonPayload")
  .implement({
    description: "What was deleted.",
    fields: (t) => ({
      deletedId: t.id({
        description: "The global id the comparison had.",
        resolve: (payload) => encodeGlobalId("Comparison", payload.id),
      }),
      slug: t.exposeString("slug", { description: "The slug it had." }),
    }),
  });

const ImportPagesPayload = builder
  .objectRef<{
    created: { id: number }[];
    updated: { id: number }[];
    unchanged: string[];
    topicsCreated: number;
  }>("ImportPagesPayload")
  .implement({
    description: "What an import wrote.",
    fields: (t) => ({
      created: t.field({
        type: [Comparison],
        description: "Comparisons that did not exist before.",
        resolve: (payload) => payload.created as never,
      }),
      updated: t.field({
        type: [Comparison],
        description: "Comparisons whose content changed (their version went up).",
        resolve: (payload) => payload.updated as never,
      }),
      unchanged: t.exposeStringList("unchanged", {
        description: "Slugs of pages imported again without a change.",
      }),
      topicsCreated: t.exposeInt("topicsCreated", {
        description: "Topics seen for the first time.",
      }),
    }),
  });

builder.mutationFields((t) => ({
  importPages: t.field({
    type: ImportPagesPayload,
    description:
      "Imports comparison pages (the page format) all or nothing: one bad page refuses the batch, and the error lists every bad page.",
    errors: {},
    args: {
      input: t.arg({
        required: true,
        description: "The pages.",
        type: builder.inputType("ImportPagesInput", {
          description: "Pages to import.",
          fields: (f) => ({
            pages: f.stringList({
              required: true,
              description: "Page texts; errors name them `pages[0]`, `pages[1]`, …",
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const actor = await actorOf(ctx);
      const result = await importPageTexts(
        ctx.db,
        actor,
        input.pages.map((text, i) => ({ text, source: `pages[${i}]` })),
      );
      const touched = [...result.created, ...result.updated];
      const rows = touched.length
        ? await ctx.db.query.comparisonsTable.findMany({ where: { slug: { in: touched } } })
        : [];
      const bySlug = new Map(rows.map((r) => [r.slug, r]));
      const pick = (slugs: string[]) => slugs.flatMap((s) => bySlug.get(s) ?? []);
      return {
        created: pick(result.created),
        updated: pick(result.updated),
        unchanged: result.unchanged,
        topicsCreated: result.topicsCreated,
      };
    },
  }),
  createComparison: t.field({
    type: CreateComparisonPayload,
    description: "Creates a comparison from structured content.",
    errors: {},
    args: {
      input: t.arg({ type: CreateComparisonInput, required: true, description: "The content." }),
    },
    resolve: async (_root, { input }, ctx) => {
      const id = await createComparison(ctx.db, await actorOf(ctx), toComparisonInput(input));
      return { comparison: await loadComparison(ctx, id) };
    },
  }),
  updateComparison: t.field({
    type: UpdateComparisonPayload,
    description:
      "Changes a comparison read at `expectedVersion`; a newer version in the database is a ConflictError, never a silent overwrite.",
    errors: {},
    args: {
      input: t.arg({ type: UpdateComparisonInput, required: true, description: "The change." }),
    },
    resolve: async (_root, { input }, ctx) => {
      const { id, expectedVersion, ...patch } = input;
      const result = await updateComparison(
        ctx.db,
        await actorOf(ctx),
        numericId(id),
        expectedVersion,
        // null clears the optional texts; for required fields it means "leave as is".
        Object.fromEntries(
          Object.entries(patch).filter(
            ([key, value]) => value !== null || key === "feedbackContact" || key === "pickSummary",
          ),
        ),
      );
      return { comparison: await loadComparison(ctx, result.id), changed: result.changed };
    },
  }),
  deleteComparison: t.field({
    type: DeleteComparisonPayload,
    description:
      "Deletes a comparison with its options and their COMPARED_WITH edges; topics other pages use stay.",
    errors: {},
    args: {
      input: t.arg({
        required: true,
        description: "What to delete.",
        type: builder.inputType("DeleteComparisonInput", {
          description: "The comparison to delete.",
          fields: (f) => ({
            id: f.globalID({ required: true, for: [Comparison], description: "The comparison." }),
            expectedVersion: f.int({
              required: false,
              description: "When given, the delete is refused unless this is the current version.",
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, ctx) =>
      deleteComparison(
        ctx.db,
        await actorOf(ctx),
        numericId(input.id),
        input.expectedVersion ?? null,
      ),
  }),
  setPick: t.field({
    type: SetPickPayload,
    description: "Makes another option of the comparison its pick.",
    errors: {},
    args: {
      input: t.arg({
        required: true,
        description: "The new pick.",
        type: builder.inputType("SetPickInput", {
          description: "Which option a comparison picks.",
          fields: (f) => ({
            comparisonId: f.globalID({
              required: true,
              for: [Comparison],
              description: "The comparison.",
            }),
            optionId: f.globalID({
              required: true,
              for: [Option],
              description: "One of its options.",
            }),
            expectedVersion: f.int({ required: true, description: "The version you read." }),
            bottomLine: f.string({
              required: false,
              description: "A new bottom line to go with it.",
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const id = await setPick(
        ctx.db,
        await actorOf(ctx),
        numericId(input.comparisonId),
        numericId(input.optionId),
        input.expectedVersion,
        input.bottomLine,
      );
      return { comparison: await loadComparison(ctx, id) };
    },
  }),
}));
