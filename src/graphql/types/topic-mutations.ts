import { MAX_WEIGHT } from "../../domain/rules.ts";
import { linkTopics, mergeTopics, unlinkTopics, upsertTopic } from "../../editing/topics.ts";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { actorOf } from "../mutation.ts";
import { Topic } from "./topic.ts";

async function loadTopic(ctx: Context, id: number) {
  const row = await ctx.db.query.topicsTable.findFirst({ where: { id } });
  if (!row) throw new Error(`topic ${id} vanished after its own write`);
  return row;
}

const TopicPayload = builder
  .objectRef<{ topic: { id: number }; created: boolean }>("UpsertTopicPayload")
  .implement({
    description: "The topic as it is now.",
    fields: (t) => ({
      topic: t.field({ type: Topic, description: "The topic.", resolve: (p) => p.topic as never }),
      created: t.exposeBoolean("created", {
        description: "True when the topic did not exist before.",
      }),
    }),
  });

const MergeTopicsPayload = builder
  .objectRef<{ topic: { id: number } }>("MergeTopicsPayload")
  .implement({
    description: "The surviving topic.",
    fields: (t) => ({
      topic: t.field({
        type: Topic,
        description: "The topic everything was moved into; the old slug now resolves to it.",
        resolve: (p) => p.topic as never,
      }),
    }),
  });

const EdgePayload = (name: string, description: string) =>
  builder
    .objectRef<{ from: { id: number }; to: { id: number }; weight: number | null }>(name)
    .implement({
      description,
      fields: (t) => ({
        from: t.field({
          type: Topic,
          description: "Where the edge starts.",
          resolve: (p) => p.from as never,
        }),
        to: t.field({
          type: Topic,
          description: "Where the edge ends.",
          resolve: (p) => p.to as never,
        }),
        weight: t.float({
          nullable: true,
          description: "The edge's weight now; null once it is removed.",
          resolve: (p) => p.weight,
        }),
      }),
    });

const LinkTopicsPayload = EdgePayload("LinkTopicsPayload", "The RELATED_TO edge as it is now.");
const UnlinkTopicsPayload = EdgePayload(
  "UnlinkTopicsPayload",
  "The RELATED_TO edge that was removed.",
);

const EdgeInput = (name: string, withWeight: boolean) =>
  builder.inputType(name, {
    description: withWeight
      ? "A RELATED_TO edge to add or reweight."
      : "A RELATED_TO edge to remove.",
    fields: (t) => ({
      from: t.string({ required: true, description: "Slug of the topic the edge leaves." }),
      to: t.string({ required: true, description: "Slug of the topic the edge reaches." }),
      ...(withWeight
        ? {
            weight: t.float({
              required: false,
              description: `Greater than 0, at most ${MAX_WEIGHT} (default 1).`,
            }),
          }
        : {}),
    }),
  });

const LinkTopicsInput = EdgeInput("LinkTopicsInput", true);
const UnlinkTopicsInput = EdgeInput("UnlinkTopicsInput", false);

builder.mutationFields((t) => ({
  upsertTopic: t.field({
    type: TopicPayload,
    description:
      "Creates a topic, or renames and describes an existing one (it stops being provisional).",
    errors: {},
    args: {
      input: t.arg({
        required: true,
        description: "The topic.",
        type: builder.inputType("UpsertTopicInput", {
          description: "A topic's slug, name and summary.",
          fields: (f) => ({
            slug: f.string({ required: true, description: "Kebab-case slug; the key." }),
            name: f.string({ required: true, description: "Display name." }),
            summary: f.string({
              required: false,
              description: "Short description; null clears it, leaving it out keeps it.",
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const result = await upsertTopic(ctx.db, await actorOf(ctx), {
        slug: input.slug,
        name: input.name,
        ...(input.summary === undefined ? {} : { summary: input.summary }),
      });
      return { topic: await loadTopic(ctx, result.id), created: result.created };
    },
  }),
  mergeTopics: t.field({
    type: MergeTopicsPayload,
    description:
      "Merges a duplicate topic into another: every option, tag, editor edge and alias moves, and the duplicate's slug keeps resolving to the survivor.",
    errors: {},
    args: {
      input: t.arg({
        required: true,
        description: "Which topic goes into which.",
        type: builder.inputType("MergeTopicsInput", {
          description: "The duplicate and the survivor.",
          fields: (f) => ({
            from: f.string({
              required: true,
              description: "Slug of the duplicate, which disappears.",
            }),
            into: f.string({ required: true, description: "Slug of the topic that survives." }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, ctx) => {
      const result = await mergeTopics(ctx.db, await actorOf(ctx), input);
      return { topic: await loadTopic(ctx, result.id) };
    },
  }),
  linkTopics: t.field({
    type: LinkTopicsPayload,
    description:
      "Adds a RELATED_TO edge (or sets its weight); the edge is the editor's from then on.",
    errors: {},
    args: { input: t.arg({ type: LinkTopicsInput, required: true, description: "The edge." }) },
    resolve: async (_root, { input }, ctx) => {
      const edge = await linkTopics(ctx.db, await actorOf(ctx), input);
      return {
        from: await loadTopic(ctx, edge.fromId),
        to: await loadTopic(ctx, edge.toId),
        weight: edge.weight,
      };
    },
  }),
  unlinkTopics: t.field({
    type: UnlinkTopicsPayload,
    description:
      "Removes an editor's RELATED_TO edge. An edge that pages assert is refused: edit the pages' tags instead.",
    errors: {},
    args: { input: t.arg({ type: UnlinkTopicsInput, required: true, description: "The edge." }) },
    resolve: async (_root, { input }, ctx) => {
      const edge = await unlinkTopics(ctx.db, await actorOf(ctx), input);
      return {
        from: await loadTopic(ctx, edge.fromId),
        to: await loadTopic(ctx, edge.toId),
        weight: null,
      };
    },
  }),
}));
