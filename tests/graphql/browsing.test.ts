import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { seedDatabase } from "../../src/editing/seed.ts";
import { useTestDatabase } from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";
import { type PageSketch, pageText, removeFolder, writeFolder } from "../helpers/pages.ts";

/** Crafted corpora where the right answer is plain, each seeded into an emptied database. */
const database = useTestDatabase();
let app: App;
const folders: string[] = [];
beforeAll(() => {
  app = createApp({ database: database(), logErrors: false });
});
afterAll(async () => {
  for (const folder of folders) await removeFolder(folder);
});

async function load(sketches: PageSketch[]): Promise<void> {
  await database().truncate();
  const files = Object.fromEntries(sketches.map((s, i) => [`page-${i}.txt`, pageText(s)]));
  const folder = await writeFolder(files);
  folders.push(folder);
  await seedDatabase(database().db, folder);
}

describe("relatedComparisons score", () => {
  beforeAll(async () => {
    await load([
      { options: ["Alpha", "Beta"], tags: { Alpha: ["hub"] } },
      // Shares an option, and its other option is tagged with the reference's other option.
      { options: ["Alpha", "Gamma"], tags: { Gamma: ["beta"] } },
      // Its option is tagged with the reference's option.
      { options: ["Delta", "Epsilon"], tags: { Delta: ["alpha"] } },
      // Four pages tied to the reference only through a hub: equal scores, so ordered by slug.
      { options: ["Zeta", "Eta"], tags: { Zeta: ["hub"] } },
      { options: ["Fa2", "Fb2"], tags: { Fa2: ["hub"] } },
      { options: ["Fa1", "Fb1"], tags: { Fa1: ["hub"] } },
      { options: ["Fa3", "Fb3"], tags: { Fa3: ["hub"] } },
    ]);
  });

  it("orders by how strongly pages are tied, ties by slug, with the documented scores", async () => {
    const { data, errors } = await graphql(
      app,
      `{ comparison(slug: "alpha-vs-beta") { relatedComparisons(first: 10) {
          totalCount edges { score distance node { slug } } } } }`,
    );
    expect(errors).toBeUndefined();
    const edges = data?.comparison.relatedComparisons.edges;
    expect(edges.map((e: any) => e.node.slug)).toEqual([
      "alpha-vs-gamma",
      "delta-vs-epsilon",
      "fa1-vs-fb1",
      "fa2-vs-fb2",
      "fa3-vs-fb3",
      "zeta-vs-eta",
    ]);
    expect(edges.map((e: any) => e.distance)).toEqual([0, 1, 2, 2, 2, 2]);
    // alpha (option, 0 hops, in 3 pages) + gamma (option, 1 hop, 1 page) + beta (tag, 0 hops, 2 pages)
    expect(edges[0].score).toBeCloseTo(1 / Math.log(4) + 0.5 / Math.log(2) + 0.5 / Math.log(3), 5);
    // delta (option, 1 hop) + epsilon (option, 2 hops) + alpha (tag, 0 hops, 3 pages)
    expect(edges[1].score).toBeCloseTo(
      0.5 / Math.log(2) + 0.25 / Math.log(2) + 0.5 / Math.log(4),
      5,
    );
    // its option 2 hops away + the hub (tag, 1 hop, 5 pages)
    const hubTied = 0.25 / Math.log(2) + 0.25 / Math.log(6);
    for (const edge of edges.slice(2)) expect(edge.score).toBeCloseTo(hubTied, 5);
    expect(new Set(edges.slice(2).map((e: any) => e.score)).size).toBe(1);
  });

  it("pages through ties with (score, slug) cursors", async () => {
    const slugs: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result: any = await graphql(
        app,
        `query ($after: String) { comparison(slug: "alpha-vs-beta") {
            relatedComparisons(first: 2, after: $after) { edges { node { slug } } pageInfo { hasNextPage endCursor } } } }`,
        { after },
      );
      const connection = result.data.comparison.relatedComparisons;
      slugs.push(...connection.edges.map((e: any) => e.node.slug));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(slugs).toEqual([
      "alpha-vs-gamma",
      "delta-vs-epsilon",
      "fa1-vs-fb1",
      "fa2-vs-fb2",
      "fa3-vs-fb3",
      "zeta-vs-eta",
    ]);
  });
});

describe("categories", () => {
  beforeAll(async () => {
    await load([
      { category: "Career", options: ["A1", "B1"] },
      { category: "Career", options: ["A2", "B2"] },
      { category: "career", options: ["A3", "B3"] },
      { category: "Practice", options: ["A4", "B4"] },
      { category: "architecture", options: ["A5", "B5"] },
    ]);
  });

  it("lists each category once, case-insensitively, with its count, sorted by name", async () => {
    const { data, errors } = await graphql(app, "{ categories { name count } }");
    expect(errors).toBeUndefined();
    expect(data?.categories).toEqual([
      { name: "architecture", count: 1 },
      { name: "Career", count: 3 },
      { name: "Practice", count: 1 },
    ]);
  });

  it("filters comparisons by category whatever its case", async () => {
    const { data, errors } = await graphql(
      app,
      `{ comparisons(category: "CAREER") { totalCount nodes { slug category } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data?.comparisons.totalCount).toBe(3);
    expect(data?.comparisons.nodes.map((n: any) => n.slug)).toEqual([
      "a1-vs-b1",
      "a2-vs-b2",
      "a3-vs-b3",
    ]);
    const none = await graphql(app, `{ comparisons(category: "Careers") { totalCount } }`);
    expect(none.data?.comparisons.totalCount).toBe(0);
  });
});

const CONFLICTS = `query ($max: Int, $first: Int) { pickConflicts(maxCycleLength: $max, first: $first) {
  truncated
  contradictions { first { slug } second { slug } firstWins { slug } secondWins { slug } }
  cycles { length steps { winner { slug } loser { slug } comparisons { slug } } } } }`;

describe("pickConflicts", () => {
  beforeAll(async () => {
    await load([
      // Kanban over Scrum here, Scrum over Kanban (and XP) there: a contradiction.
      { options: ["Kanban", "Scrum"], pick: "Kanban" },
      { options: ["Scrum", "Kanban", "XP"], pick: "Scrum" },
      // Rock over Scissors, Scissors over Paper, Paper over Rock: a cycle.
      { options: ["Rock", "Scissors"], pick: "Rock" },
      { options: ["Scissors", "Paper"], pick: "Scissors" },
      { options: ["Paper", "Rock"], pick: "Paper" },
      // A chain with no way back: no conflict.
      { options: ["Vim", "Emacs"], pick: "Vim" },
      { options: ["Emacs", "Nano"], pick: "Emacs" },
    ]);
  });

  it("lists pages that judge two options the other way round, and cycles of picks", async () => {
    const { data, errors } = await graphql(app, CONFLICTS);
    expect(errors).toBeUndefined();
    expect(data?.pickConflicts).toEqual({
      truncated: false,
      contradictions: [
        {
          first: { slug: "kanban" },
          second: { slug: "scrum" },
          firstWins: [{ slug: "kanban-vs-scrum" }],
          secondWins: [{ slug: "scrum-vs-kanban-vs-xp" }],
        },
      ],
      cycles: [
        {
          length: 3,
          steps: [
            {
              winner: { slug: "paper" },
              loser: { slug: "rock" },
              comparisons: [{ slug: "paper-vs-rock" }],
            },
            {
              winner: { slug: "rock" },
              loser: { slug: "scissors" },
              comparisons: [{ slug: "rock-vs-scissors" }],
            },
            {
              winner: { slug: "scissors" },
              loser: { slug: "paper" },
              comparisons: [{ slug: "scissors-vs-paper" }],
            },
          ],
        },
      ],
    });
  });

  it("finds longer cycles only up to maxCycleLength, and cuts lists at first", async () => {
    await load([
      { options: ["A", "B"], pick: "A" },
      { options: ["B", "C"], pick: "B" },
      { options: ["C", "D"], pick: "C" },
      { options: ["D", "A"], pick: "D" },
      { options: ["X", "Y"], pick: "X" },
      { options: ["Y", "Z"], pick: "Y" },
      { options: ["Z", "X"], pick: "Z" },
    ]);
    const short = await graphql(app, CONFLICTS, { max: 3 });
    expect(
      short.data?.pickConflicts.cycles.map((c: any) => c.steps.map((s: any) => s.winner.slug)),
    ).toEqual([["x", "y", "z"]]);
    const all = await graphql(app, CONFLICTS, { max: 4 });
    expect(
      all.data?.pickConflicts.cycles.map((c: any) => c.steps.map((s: any) => s.winner.slug)),
    ).toEqual([
      ["x", "y", "z"],
      ["a", "b", "c", "d"],
    ]);
    expect(all.data?.pickConflicts.truncated).toBe(false);
    const cut = await graphql(app, CONFLICTS, { first: 1 });
    expect(cut.data?.pickConflicts.cycles).toHaveLength(1);
    expect(cut.data?.pickConflicts.truncated).toBe(true);
  });

  it("refuses out-of-range arguments", async () => {
    for (const variables of [{ max: 2 }, { max: 6 }, { first: 0 }, { first: 101 }]) {
      const { errors } = await graphql(app, CONFLICTS, variables);
      expect(errors?.[0]?.extensions?.code, JSON.stringify(variables)).toBe("BAD_USER_INPUT");
    }
  });
});
