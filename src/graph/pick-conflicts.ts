import { sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/client.ts";

/**
 * Pick consistency: where the verdicts of different pages contradict each other.
 *
 * A page's pick beats each of its other options. Across pages these "beats" form a directed graph
 * over topics. Two kinds of contradiction are reported:
 * - a contradiction: two pages judge the same two options the other way round (A beats B on one
 *   page, B beats A on another);
 * - a cycle: A beats B on one page, B beats C on another, ... and the last beats A, with 3 to
 *   `maxCycleLength` distinct topics. A simple cycle takes one outgoing beat per topic and all of
 *   a page's beats leave its pick, so every step of a cycle comes from a different page.
 *
 * The beats are read in one statement; the search runs in memory. Cycles are enumerated once each
 * (from their topic with the smallest slug, the others' slugs all larger), at most
 * MAX_CYCLE_LENGTH long, and the search stops after `first` results of a kind or CYCLE_SEARCH_BUDGET
 * path extensions, whichever comes first, setting `truncated`.
 */

export const MIN_CYCLE_LENGTH = 3;
export const MAX_CYCLE_LENGTH = 5;
export const DEFAULT_CYCLE_LENGTH = 5;
export const DEFAULT_CONFLICTS = 50;
export const MAX_CONFLICTS = 100;
/** Path extensions the cycle search may make (a dense beats graph has very many cycles). */
export const CYCLE_SEARCH_BUDGET = 200_000;

export interface PickStep {
  winnerId: number;
  loserId: number;
  /** The comparisons whose pick is the winner and that have the loser as an option, by slug. */
  comparisonIds: number[];
}

export interface PickContradiction {
  /** The two topics, `first` the one whose slug sorts first (byte order). */
  firstId: number;
  secondId: number;
  /** Comparisons that pick `first` over `second`, by slug. */
  firstWinsIds: number[];
  /** Comparisons that pick `second` over `first`, by slug. */
  secondWinsIds: number[];
}

export interface PickCycle {
  /** Each step's loser is the next step's winner; the last step's loser is the first's winner. */
  steps: PickStep[];
}

export interface PickConflicts {
  /** Ordered by the two topics' slugs. */
  contradictions: PickContradiction[];
  /** Ordered by length, then by the topics' slugs along the cycle. */
  cycles: PickCycle[];
  /** True when `first` or the search budget cut a list short. */
  truncated: boolean;
}

export class PickConflictsArgumentError extends Error {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super(`Argument "${argument}" ${message}`);
    this.name = "PickConflictsArgumentError";
    this.argument = argument;
  }
}

function checkRange(argument: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PickConflictsArgumentError(
      argument,
      `must be an integer between ${min} and ${max} (got ${String(value)})`,
    );
  }
  return value;
}

const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function pickConflicts(
  db: Db,
  options: { maxCycleLength?: number; first?: number } = {},
): Promise<PickConflicts> {
  const maxLength = checkRange(
    "maxCycleLength",
    options.maxCycleLength ?? DEFAULT_CYCLE_LENGTH,
    MIN_CYCLE_LENGTH,
    MAX_CYCLE_LENGTH,
  );
  const first = checkRange("first", options.first ?? DEFAULT_CONFLICTS, 1, MAX_CONFLICTS);
  const rows = await selectRows<{
    winner: number;
    winner_slug: string;
    loser: number;
    loser_slug: string;
    comparison: number;
    comparison_slug: string;
  }>(
    db,
    sql`
      SELECT w.topic_id AS winner, tw.slug AS winner_slug, l.topic_id AS loser,
             tl.slug AS loser_slug, c.id AS comparison, c.slug AS comparison_slug
      FROM comparisons c
      JOIN options w ON w.id = c.pick_option_id
      JOIN options l ON l.comparison_id = c.id AND l.id <> w.id
      JOIN topics tw ON tw.id = w.topic_id
      JOIN topics tl ON tl.id = l.topic_id
    `,
  );
  const slugOf = new Map<number, string>();
  const comparisonSlug = new Map<number, string>();
  // winner -> loser -> comparisons
  const beats = new Map<number, Map<number, number[]>>();
  for (const row of rows) {
    slugOf.set(row.winner, row.winner_slug);
    slugOf.set(row.loser, row.loser_slug);
    comparisonSlug.set(row.comparison, row.comparison_slug);
    const losers = beats.get(row.winner) ?? new Map<number, number[]>();
    beats.set(row.winner, losers);
    losers.set(row.loser, [...(losers.get(row.loser) ?? []), row.comparison]);
  }
  const slug = (id: number) => slugOf.get(id) as string;
  const pagesOf = (winner: number, loser: number) =>
    [...(beats.get(winner)?.get(loser) ?? [])].sort((a, b) =>
      byBytes(comparisonSlug.get(a) as string, comparisonSlug.get(b) as string),
    );
  let truncated = false;

  const contradictions: PickContradiction[] = [];
  for (const [winner, losers] of beats) {
    for (const loser of losers.keys()) {
      if (byBytes(slug(winner), slug(loser)) < 0 && beats.get(loser)?.has(winner)) {
        contradictions.push({
          firstId: winner,
          secondId: loser,
          firstWinsIds: pagesOf(winner, loser),
          secondWinsIds: pagesOf(loser, winner),
        });
      }
    }
  }
  contradictions.sort(
    (a, b) =>
      byBytes(slug(a.firstId), slug(b.firstId)) || byBytes(slug(a.secondId), slug(b.secondId)),
  );
  if (contradictions.length > first) {
    contradictions.length = first;
    truncated = true;
  }

  // Neighbours in slug order, so the search (and what a cut keeps) is the same for the same pages.
  const next = new Map<number, number[]>();
  for (const [winner, losers] of beats) {
    next.set(
      winner,
      [...losers.keys()].sort((a, b) => byBytes(slug(a), slug(b))),
    );
  }
  const starts = [...beats.keys()].sort((a, b) => byBytes(slug(a), slug(b)));
  const found: number[][] = [];
  let budget = CYCLE_SEARCH_BUDGET;
  const path: number[] = [];
  const onPath = new Set<number>();
  // Depth-first from each start; every other topic of a cycle has a larger slug than its start.
  const extend = (start: number, node: number): boolean => {
    for (const loser of next.get(node) ?? []) {
      if (--budget < 0) return false;
      if (loser === start) {
        if (path.length >= MIN_CYCLE_LENGTH) {
          found.push([...path]);
          if (found.length > first * 4) return false;
        }
        continue;
      }
      if (onPath.has(loser) || path.length >= maxLength) continue;
      if (byBytes(slug(loser), slug(start)) <= 0) continue;
      path.push(loser);
      onPath.add(loser);
      const going = extend(start, loser);
      path.pop();
      onPath.delete(loser);
      if (!going) return false;
    }
    return true;
  };
  for (const start of starts) {
    path.push(start);
    onPath.add(start);
    const going = extend(start, start);
    path.pop();
    onPath.delete(start);
    if (!going) {
      truncated = true;
      break;
    }
  }
  const key = (cycle: number[]) => cycle.map(slug);
  found.sort((a, b) => {
    if (a.length !== b.length) return a.length - b.length;
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      const order = byBytes(ka[i] as string, kb[i] as string);
      if (order !== 0) return order;
    }
    return 0;
  });
  if (found.length > first) {
    found.length = first;
    truncated = true;
  }
  const cycles = found.map((topics) => ({
    steps: topics.map((winner, i) => {
      const loser = topics[(i + 1) % topics.length] as number;
      return { winnerId: winner, loserId: loser, comparisonIds: pagesOf(winner, loser) };
    }),
  }));
  return { contradictions, cycles, truncated };
}
