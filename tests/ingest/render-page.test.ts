import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Page, PageOption } from "../../src/ingest/page.ts";
import { parsePage } from "../../src/ingest/parse-page.ts";
import { renderPage } from "../../src/ingest/render-page.ts";

const pagesDir = new URL("../fixtures/pages/", import.meta.url);
const pageFiles = readdirSync(pagesDir)
  .filter((file) => file.endsWith(".txt"))
  .sort();

function fixture(name: string): string {
  return readFileSync(new URL(name, pagesDir), "utf8");
}

function withoutSource(page: Page): Omit<Page, "source"> {
  const { source: _source, ...rest } = page;
  return rest;
}

function expectRoundTrip(page: Omit<Page, "source">): void {
  expect(parsePage(renderPage(page), "rendered")).toEqual({ ...page, source: "rendered" });
}

describe("renderPage", () => {
  it("reproduces the reference example", () => {
    const example = fixture("reference-example.txt");
    const rendered = renderPage(withoutSource(parsePage(example, "reference-example.txt")));
    expect(rendered.trimEnd()).toBe(example.trimEnd());
  });

  // These fixtures are written in the exact rendered layout, so rendering is byte-for-byte.
  it.each([
    "canonical.txt",
    "editors.txt",
    "no-cons.txt",
    "no-pros.txt",
    "no-contact.txt",
    "punctuated-names.txt",
    "non-ascii-names.txt",
    "three-options.txt",
    "paragraphs.txt",
  ])("reproduces %s exactly", (file) => {
    const raw = fixture(file);
    expect(renderPage(withoutSource(parsePage(raw, file)))).toBe(raw);
  });

  // Pages the reader tolerates export in the one canonical layout, so export → import is stable.
  it.each(["blocks-any-order.txt", "pick-block-merged.txt"])(
    "exports %s in the canonical layout",
    (file) => {
      const page = withoutSource(parsePage(fixture(file), file));
      const rendered = renderPage(page);
      expect(rendered).toBe(fixture("canonical.txt"));
      expect(renderPage(withoutSource(parsePage(rendered, "again")))).toBe(rendered);
    },
  );

  it("normalises a variant to the canonical layout", () => {
    const messy = withoutSource(parsePage(fixture("messy.txt"), "messy.txt"));
    expect(renderPage(messy)).toBe(fixture("canonical.txt"));
  });

  it("adds the badge under the pick and moves Related to after the other pros", () => {
    const page = withoutSource(parsePage(fixture("related-names.txt"), "related-names.txt"));
    const lines = renderPage(page).split("\n");
    const badge = lines.indexOf("Nice Pick");
    expect(lines.filter((line) => line === "Nice Pick")).toHaveLength(1);
    expect(lines[badge - 2]).toBe("Computer Science Degree");
    const related = lines.indexOf("  • +Related to: career-development, web-development");
    expect(lines[related - 1]).toBe("  • +Cheaper and much faster than university");
    expect(lines[related + 1]).toBe("");
  });

  it("leaves out empty Pros/Cons sections, missing Use lines and a missing contact", () => {
    const page: Omit<Page, "source"> = {
      category: "Tools",
      title: "Make vs Bazel",
      intro: "Build tools.",
      pick: { name: "Make", summary: "Make is everywhere." },
      options: [
        {
          name: "Make",
          summary: "Make is everywhere.",
          pros: [],
          cons: [],
          relatedTo: [],
          useIf: null,
        },
        {
          name: "Bazel",
          summary: "Bazel scales.",
          pros: [],
          cons: ["Steep setup"],
          relatedTo: ["build-systems"],
          useIf: "You have a monorepo.",
        },
      ],
      bottomLine: "Start simple.",
      feedbackContact: null,
    };
    expect(renderPage(page)).toBe(
      [
        "Tools",
        "",
        "Make vs Bazel",
        "",
        "Build tools.",
        "",
        "🧊Nice Pick",
        "",
        "Make",
        "",
        "Make is everywhere.",
        "",
        "Make",
        "",
        "Nice Pick",
        "",
        "Make is everywhere.",
        "",
        "Bazel",
        "",
        "Bazel scales.",
        "",
        "Pros",
        "",
        "  • +Related to: build-systems",
        "",
        "Cons",
        "",
        "  • -Steep setup",
        "",
        "The Verdict",
        "",
        "Use Bazel if: You have a monorepo.",
        "",
        "🧊",
        "The Bottom Line",
        "Make wins",
        "",
        "Start simple.",
        "",
      ].join("\n"),
    );
    expectRoundTrip(page);
  });
});

describe("parsePage(renderPage(page)) gives the page back", () => {
  it.each(pageFiles)("for %s", (file) => {
    expectRoundTrip(withoutSource(parsePage(fixture(file), file)));
  });

  it("for points that start with a sign or look like other parts", () => {
    expectRoundTrip({
      category: "Pay",
      title: "Contracting vs Employment",
      intro: "Money matters.\n-10% tax is a myth.",
      pick: { name: "Employment", summary: "Stable pay." },
      options: [
        {
          name: "Contracting",
          summary: "Higher day rates.",
          pros: ["+30% day rate", "-5 meetings a week", "Related work pays more"],
          cons: ["+1 accountant to hire", "Use your own laptop"],
          relatedTo: ["freelancing"],
          useIf: "You like variety: new clients, new stacks.",
        },
        {
          name: "Employment",
          summary: "Stable pay.\n\n  Benefits included.",
          pros: ["Paid leave"],
          cons: [],
          relatedTo: [],
          useIf: null,
        },
      ],
      bottomLine: "Employment wins on stability.\n\nContracting wins on rate.",
      feedbackContact: "Tell us at pay@pickgraph.dev",
    });
  });

  // A seeded generator, so a failure is reproducible from the seed in the test name.
  function random(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state / 2_147_483_648;
    };
  }

  const names = ["C#", "C++", "F#", "Node.js", "Café Ops", ".NET", "Go", "日本語", "Ruby on Rails"];
  const sentences = [
    "Teams adopt it for speed.",
    "It shines in large codebases.",
    "Hiring is easier in most markets.",
    "Tooling has matured a lot.",
    "Some people find it verbose.",
    "Use it when latency matters.",
    "C# developers will feel at home.",
  ];
  const slugs = ["backend", "career-growth", "u65e5-u672c", "c-sharp", "dot-net"];

  function generatePage(seed: number): Omit<Page, "source"> {
    const next = random(seed);
    const pickOne = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
    const some = <T>(items: T[], max: number): T[] =>
      Array.from({ length: Math.floor(next() * (max + 1)) }, () => pickOne(items));
    const text = (): string =>
      Array.from({ length: 1 + Math.floor(next() * 2) }, () =>
        Array.from({ length: 1 + Math.floor(next() * 2) }, () => pickOne(sentences)).join("\n"),
      ).join("\n\n");
    const count = 2 + Math.floor(next() * 3);
    const optionNames = [...names].sort(() => next() - 0.5).slice(0, count);
    const options: PageOption[] = optionNames.map((name) => ({
      name,
      summary: text(),
      pros: some(sentences, 3),
      cons: some(sentences, 3),
      relatedTo: [...new Set(some(slugs, 3))],
      useIf: next() < 0.8 ? pickOne(sentences) : null,
    }));
    const pick = pickOne(options);
    return {
      category: pickOne(["Languages", "Career", "Ops"]),
      title: optionNames.join(" vs "),
      intro: text(),
      pick: { name: pick.name, summary: next() < 0.5 ? pick.summary : text() },
      options,
      bottomLine: text(),
      feedbackContact: next() < 0.5 ? "hello@pickgraph.dev" : null,
    };
  }

  it.each(Array.from({ length: 50 }, (_, i) => i + 1))("for generated page #%i", (seed) => {
    expectRoundTrip(generatePage(seed));
  });
});
