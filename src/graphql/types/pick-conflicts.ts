import {
  DEFAULT_CONFLICTS,
  DEFAULT_CYCLE_LENGTH,
  MAX_CONFLICTS,
  MAX_CYCLE_LENGTH,
  MIN_CYCLE_LENGTH,
  PickConflictsArgumentError,
  type PickConflicts as PickConflictsShape,
  type PickContradiction as PickContradictionShape,
  type PickCycle as PickCycleShape,
  type PickStep as PickStepShape,
  pickConflicts,
} from "../../graph/pick-conflicts.ts";
import { builder } from "../builder.ts";
import { badUserInput } from "../client-errors.ts";
import { Comparison } from "./comparison.ts";
import { Topic } from "./topic.ts";

// Topics and comparisons are handed over by id; the Drizzle plugin loads the fields asked for.
const topic = (id: number) => ({ id }) as never;
const comparisons = (ids: number[]) => ids.map((id) => ({ id })) as never;

export const PickStep = builder.objectRef<PickStepShape>("PickStep").implement({
  description: "One link of a pick cycle: pages on which `winner` is picked over `loser`.",
  fields: (t) => ({
    winner: t.field({
      type: Topic,
      description: "The topic the pages pick.",
      resolve: (step) => topic(step.winnerId),
    }),
    loser: t.field({
      type: Topic,
      description: "An option those pages did not pick; the next step's winner.",
      resolve: (step) => topic(step.loserId),
    }),
    comparisons: t.field({
      type: [Comparison],
      // In-memory lists, bounded by `first` above.
      complexity: { field: 1, multiplier: 2 },
      description: "Every comparison that picks `winner` and has `loser` as an option, by slug.",
      resolve: (step) => comparisons(step.comparisonIds),
    }),
  }),
});

export const PickCycle = builder.objectRef<PickCycleShape>("PickCycle").implement({
  description:
    "Picks that go round in a circle across pages: A is picked over B on one page, B over C on another, and so on until the last is picked over A. Each step comes from a different page.",
  fields: (t) => ({
    length: t.int({
      description: `How many topics (and steps) the cycle has, ${MIN_CYCLE_LENGTH} to ${MAX_CYCLE_LENGTH}.`,
      resolve: (cycle) => cycle.steps.length,
    }),
    steps: t.field({
      type: [PickStep],
      // In-memory lists, bounded by `first` above.
      complexity: { field: 1, multiplier: 5 },
      description:
        "The steps in order, starting at the topic whose slug sorts first; each step's loser is the next one's winner, the last step's loser the first one's winner.",
      resolve: (cycle) => cycle.steps,
    }),
  }),
});

export const PickContradiction = builder
  .objectRef<PickContradictionShape>("PickContradiction")
  .implement({
    description:
      "Two topics that pages judge the other way round: some pick `first` over `second`, others `second` over `first`.",
    fields: (t) => ({
      first: t.field({
        type: Topic,
        description: "One of the two topics: the one whose slug sorts first.",
        resolve: (c) => topic(c.firstId),
      }),
      second: t.field({
        type: Topic,
        description: "The other topic.",
        resolve: (c) => topic(c.secondId),
      }),
      firstWins: t.field({
        type: [Comparison],
        // In-memory lists, bounded by `first` above.
        complexity: { field: 1, multiplier: 2 },
        description: "Comparisons that pick `first` and have `second` as an option, by slug.",
        resolve: (c) => comparisons(c.firstWinsIds),
      }),
      secondWins: t.field({
        type: [Comparison],
        // In-memory lists, bounded by `first` above.
        complexity: { field: 1, multiplier: 2 },
        description: "Comparisons that pick `second` and have `first` as an option, by slug.",
        resolve: (c) => comparisons(c.secondWinsIds),
      }),
    }),
  });

export const PickConflicts = builder.objectRef<PickConflictsShape>("PickConflicts").implement({
  description:
    "Where the verdicts of different pages contradict each other, for editors to resolve. A page's pick beats each of its other options.",
  fields: (t) => ({
    contradictions: t.field({
      type: [PickContradiction],
      // In-memory lists, bounded by `first` above.
      complexity: { field: 1, multiplier: 1 },
      description: "Pairs of topics judged both ways, ordered by the two slugs.",
      resolve: (conflicts) => conflicts.contradictions,
    }),
    cycles: t.field({
      type: [PickCycle],
      // In-memory lists, bounded by `first` above.
      complexity: { field: 1, multiplier: 1 },
      description:
        "Cycles of picks across pages, shortest first, then by the slugs along the cycle; each cycle listed once.",
      resolve: (conflicts) => conflicts.cycles,
    }),
    truncated: t.exposeBoolean("truncated", {
      description:
        "True when `first` or the search's work budget cut a list short: fix the conflicts listed and ask again. A cut cycle list holds the cycles found first (searching from the smallest slugs).",
    }),
  }),
});

builder.queryFields((t) => ({
  pickConflicts: t.field({
    type: PickConflicts,
    description:
      "Contradictions between the picks of different pages: pairs of topics judged both ways, and cycles of picks. Reads every pick in one statement and searches in memory with a bounded budget.",
    args: {
      maxCycleLength: t.arg.int({
        defaultValue: DEFAULT_CYCLE_LENGTH,
        description: `Longest cycle to look for, ${MIN_CYCLE_LENGTH} to ${MAX_CYCLE_LENGTH} topics (default ${DEFAULT_CYCLE_LENGTH}).`,
      }),
      first: t.arg.int({
        defaultValue: DEFAULT_CONFLICTS,
        description: `At most this many contradictions and this many cycles, 1 to ${MAX_CONFLICTS} (default ${DEFAULT_CONFLICTS}).`,
      }),
    },
    resolve: async (_root, args, ctx) => {
      try {
        return await pickConflicts(ctx.db, {
          maxCycleLength: args.maxCycleLength ?? DEFAULT_CYCLE_LENGTH,
          first: args.first ?? DEFAULT_CONFLICTS,
        });
      } catch (error) {
        if (error instanceof PickConflictsArgumentError) {
          throw badUserInput(error.message, { argument: error.argument });
        }
        throw error;
      }
    },
  }),
}));
