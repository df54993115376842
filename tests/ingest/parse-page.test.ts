import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Page, PageFormatError, type PageIssue } from "../../src/ingest/page.ts";
import { parsePage, parsePages } from "../../src/ingest/parse-page.ts";

const pagesDir = new URL("../fixtures/pages/", import.meta.url);
const badPagesDir = new URL("../fixtures/bad-pages/", import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, pagesDir), "utf8");
}

function badFixture(name: string): string {
  return readFileSync(new URL(name, badPagesDir), "utf8");
}

function issuesOf(parse: () => unknown): PageIssue[] {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(PageFormatError);
    return (error as PageFormatError).issues;
  }
  throw new Error("expected the page to be rejected, but it parsed");
}

/** canonical.txt, and every whitespace/bullet/marker variant of it, must parse to this. */
const staffVsManager: Omit<Page, "source"> = {
  category: "Career",
  title: "Staff Engineer vs Engineering Manager",
  intro:
    "Senior developers eventually choose between deepening their technical reach and growing people. Both paths pay well, but they reward different instincts. Here is how we see it.",
  pick: {
    name: "Staff Engineer",
    summary:
      "Staff engineers keep shipping while shaping architecture across several teams, so their influence grows without giving up the craft.",
  },
  options: [
    {
      name: "Staff Engineer",
      summary:
        "Staff engineers keep shipping while shaping architecture across several teams, so their influence grows without giving up the craft.",
      pros: [
        "You stay close to code, design reviews and incident work",
        "Your impact scales through technical direction rather than headcount",
      ],
      cons: [
        "The role is loosely defined at many companies",
        "Promotion depends on visible cross-team wins",
      ],
      relatedTo: ["system-design", "technical-leadership"],
      useIf:
        "You love hard technical problems and want your influence to reach beyond a single team.",
    },
    {
      name: "Engineering Manager",
      summary:
        "Engineering managers grow a team, run hiring and one-on-ones, and turn company goals into a plan that people can deliver.",
      pros: ["Most companies have a clear ladder for managers"],
      cons: ["Much less time for hands-on engineering"],
      relatedTo: ["people-management", "hiring"],
      useIf: "You get energy from coaching people and would rather build a team than a system.",
    },
  ],
  bottomLine:
    "For most strong developers the staff path keeps more doors open: moving into management later is easy, while the way back is harder.",
  feedbackContact: "feedback@pickgraph.dev",
};

describe("parsePage: the canonical page and its variants", () => {
  it("parses canonical.txt into every part of the page", () => {
    expect(parsePage(fixture("canonical.txt"), "canonical.txt")).toEqual({
      ...staffVsManager,
      source: "canonical.txt",
    });
  });

  // Each fixture is canonical.txt written differently; the check proves the fixture really
  // exercises its variation, so a fixture "fixed" by an editor cannot pass silently.
  it.each<[string, string, (raw: string) => boolean]>([
    ["CRLF line endings", "crlf.txt", (raw) => raw.includes("\r\n") && !/[^\r]\n/.test(raw)],
    ["a UTF-8 BOM", "bom.txt", (raw) => raw.startsWith("\uFEFF")],
    ["trailing spaces and tabs", "trailing-whitespace.txt", (raw) => /[ \t]+\n/.test(raw)],
    ["runs of blank lines", "blank-line-runs.txt", (raw) => raw.startsWith("\n\n\nCareer\n\n\n\n")],
    ["no final newline", "no-final-newline.txt", (raw) => !raw.endsWith("\n")],
    ["unindented - bullets with signs", "bullets-dash.txt", (raw) => raw.includes("\n- +You")],
    [
      "indented * bullets without signs",
      "bullets-star-unsigned.txt",
      (raw) => raw.includes("\n    * You") && !raw.includes("•"),
    ],
    [
      "mixed bullets, with and without signs and spaces",
      "bullets-mixed.txt",
      (raw) => raw.includes("\n•You") && raw.includes("\n\t- + Your") && raw.includes("\n-The"),
    ],
    [
      "a spaced pick marker and bottom line on the ice line",
      "pick-marker-spaced.txt",
      (raw) => raw.includes("\n🧊 Nice Pick\n") && raw.includes("\n🧊 The Bottom Line\n"),
    ],
    ["no emoji at all", "pick-marker-plain.txt", (raw) => !raw.includes("🧊")],
    [
      "option blocks out of title order",
      "blocks-any-order.txt",
      (raw) =>
        raw.indexOf("\nEngineering Manager\n\nEngineering managers") <
        raw.indexOf("\nStaff Engineer\n\nNice Pick"),
    ],
    [
      "the pick marker followed directly by the picked option's block",
      "pick-block-merged.txt",
      (raw) =>
        raw.split("\n").filter((line) => line === "Staff Engineer").length === 1 &&
        /🧊Nice Pick\n\nStaff Engineer\n\nStaff engineers[^\n]*\n\nPros\n/.test(raw),
    ],
    [
      "BOM, CRLF, trailing spaces, other bullets, no final newline",
      "messy.txt",
      (raw) => raw.startsWith("\uFEFF") && raw.includes("  \r\n- ") && !raw.endsWith("\n"),
    ],
  ])("tolerates %s (%s)", (_variation, file, exercises) => {
    const raw = fixture(file);
    expect(exercises(raw)).toBe(true);
    expect(parsePage(raw, file)).toEqual({ ...staffVsManager, source: file });
  });
});

describe("parsePage: other valid pages", () => {
  it("reads the reference example", () => {
    const page = parsePage(fixture("reference-example.txt"), "reference-example.txt");
    expect(page.category).toBe("Dynamic");
    expect(page.title).toBe("Individual Contributor Model vs Management Track");
    expect(page.intro).toMatch(/^Developers should understand .* Here's our take\.$/);
    expect(page.pick.name).toBe("Individual Contributor Model");
    expect(page.options.map((o) => o.name)).toEqual([
      "Individual Contributor Model",
      "Management Track",
    ]);
    const [ic, manager] = page.options;
    expect(ic?.pros).toHaveLength(1);
    expect(ic?.pros[0]).toMatch(/^It is particularly relevant/);
    expect(ic?.cons).toEqual(["Specific tradeoffs depend on your use case"]);
    expect(ic?.relatedTo).toEqual(["career-development", "technical-leadership"]);
    expect(ic?.useIf).toMatch(/^You want it is particularly relevant .* use case\.$/);
    expect(manager?.summary).toMatch(/^Developers should consider the Management Track/);
    expect(manager?.relatedTo).toEqual(["project-management", "agile-methodologies"]);
    expect(manager?.useIf).toMatch(/over what Individual Contributor Model offers\.$/);
    expect(page.bottomLine).toBe(page.pick.summary);
    expect(page.feedbackContact).toBe("nice@nicepick.dev");
  });

  it("accepts an option without Cons", () => {
    const page = parsePage(fixture("no-cons.txt"), "no-cons.txt");
    expect(page.options[0]).toMatchObject({
      name: "TypeScript",
      pros: ["Editors understand your code and can rename across a project safely"],
      cons: [],
      relatedTo: ["static-typing"],
    });
    expect(page.options[1]?.cons).toEqual(["Type errors surface at runtime, often in production"]);
  });

  it("accepts an option without Pros", () => {
    const page = parsePage(fixture("no-pros.txt"), "no-pros.txt");
    expect(page.options[1]).toMatchObject({
      name: "Polyrepo",
      pros: [],
      relatedTo: [],
      cons: [
        "Version drift between services creeps in quietly",
        "Related changes need coordinated pull requests",
      ],
    });
  });

  it("accepts a page without the contact line", () => {
    const page = parsePage(fixture("no-contact.txt"), "no-contact.txt");
    expect(page.feedbackContact).toBeNull();
    expect(page.bottomLine).toBe(
      "Most product teams we surveyed ended up with a Kanban board and a few Scrum rituals.",
    );
  });

  it("matches names with punctuation exactly (C# vs C++)", () => {
    const page = parsePage(fixture("punctuated-names.txt"), "punctuated-names.txt");
    expect(page.title).toBe("C# vs C++");
    expect(page.pick.name).toBe("C++");
    expect(page.options.map((o) => [o.name, o.useIf])).toEqual([
      ["C#", "You build tools, business apps or gameplay scripts."],
      ["C++", "Every millisecond and byte matters."],
    ]);
    expect(page.options[0]?.relatedTo).toEqual(["dot-net", "unity"]);
  });

  it("matches names with dots and non-ASCII letters (Node.js vs Café Ops)", () => {
    const page = parsePage(fixture("non-ascii-names.txt"), "non-ascii-names.txt");
    expect(page.options.map((o) => o.name)).toEqual(["Node.js", "Café Ops"]);
    expect(page.pick.name).toBe("Café Ops");
    expect(page.options[1]?.useIf).toBe("Nobody on the team wants to be on call.");
    expect(page.feedbackContact).toBe("café@pickgraph.dev");
  });

  it("reads three options in title order", () => {
    const page = parsePage(fixture("three-options.txt"), "three-options.txt");
    expect(page.title).toBe("Go vs Rust vs Zig");
    expect(page.options.map((o) => o.name)).toEqual(["Go", "Rust", "Zig"]);
    expect(page.pick.name).toBe("Rust");
    expect(page.options.map((o) => o.useIf?.split(" ")[0])).toEqual(["You", "Correctness", "You"]);
    expect(page.options[2]?.cons).toEqual(["Not yet at version 1.0"]);
  });

  it("slugifies Related-to names, keeps slugs, drops duplicates, and never makes it a pro", () => {
    const page = parsePage(fixture("related-names.txt"), "related-names.txt");
    expect(page.options[0]).toMatchObject({
      pros: ["Cheaper and much faster than university"],
      relatedTo: ["career-development", "web-development"],
    });
    expect(page.options[1]).toMatchObject({
      pros: [],
      relatedTo: ["c-sharp", "algorithms-and-data-structures"],
    });
  });

  it("keeps paragraphs and their lines as written", () => {
    const page = parsePage(fixture("paragraphs.txt"), "paragraphs.txt");
    expect(page.intro).toBe(
      "Both practices spread knowledge and catch defects.\n" +
        "They differ in when the second pair of eyes arrives.\n\n" +
        "We compared them on three teams over six months.",
    );
    expect(page.pick.summary).toBe(
      "Pairing catches design mistakes while they are still cheap.\n\n" +
        "It also onboards new hires faster than any document.",
    );
    expect(page.options[0]?.summary).toBe(
      "Asynchronous review fits distributed teams across time zones.\n" +
        "Reviewers can take their time with tricky changes.\n\n" +
        "  An indented line, kept as written.",
    );
    expect(page.bottomLine).toBe(
      "Pair on the hard parts.\nReview the rest.\n\nMost teams end up doing both.",
    );
    expect(page.feedbackContact).toBe("https://pickgraph.dev/feedback");
  });

  it("tolerates a missing Use line and a missing badge under the pick", () => {
    const page = parsePage(fixture("partial-verdict.txt"), "partial-verdict.txt");
    expect(page.pick.name).toBe("Serverless");
    expect(page.options.map((o) => o.useIf)).toEqual([
      null,
      "Your traffic is spiky and your team is small.",
    ]);
  });

  it("reads the page the bad pages are made from", () => {
    const page = parsePage(fixture("editors.txt"), "editors.txt");
    expect(page.title).toBe("Vim vs Emacs");
    expect(page.options[0]?.relatedTo).toEqual(["modal-editing", "terminal-tools"]);
  });

  it("collapses runs of spaces in names and the title", () => {
    const raw = fixture("editors.txt")
      .replace("Vim vs Emacs", "Vim   vs  Emacs")
      .replace("Use Vim if:", "Use  Vim   if:");
    const page = parsePage(raw, "spaced");
    expect(page.title).toBe("Vim vs Emacs");
    expect(page.options[0]?.useIf).toBe(
      "You work on remote machines and want speed with little setup.",
    );
  });

  it("keeps a summary line that merely starts with a minus sign as text", () => {
    const raw = fixture("editors.txt").replace(
      "Emacs is a programmable environment that happens to edit text.",
      "Emacs is a programmable environment.\n-5% typing, +50% configuring.",
    );
    const page = parsePage(raw, "minus");
    expect(page.options[1]?.summary).toBe(
      "Emacs is a programmable environment.\n-5% typing, +50% configuring.",
    );
  });
});

/** Every file in bad-pages/, with exactly the issues it must produce: [line, message fragment]. */
const badPages: Record<string, [number, ...string[]][]> = {
  "empty.txt": [[0, "expected a category line, found an empty page"]],
  "no-title.txt": [
    [
      3,
      'expected a title "A vs B" on the first non-blank line after the category, found "Vim or Emacs"',
    ],
  ],
  "missing-category.txt": [
    [3, 'expected a title "A vs B"', "line 1 looks like the title: is the category line missing?"],
  ],
  "title-empty-name.txt": [[3, 'expected an option name on both sides of every " vs "']],
  "duplicate-options.txt": [
    [3, 'expected distinct options, but "VIM" duplicates "Vim" (both have the slug "vim")'],
  ],
  "pick-unknown.txt": [
    [9, 'expected the pick to name an option of the title ("Vim", "Emacs"), found "Neovim"'],
  ],
  "badge-wrong-option.txt": [
    [28, 'expected the "Nice Pick" badge only under the pick "Vim", found it under "Emacs"'],
  ],
  "wins-disagrees.txt": [[48, 'expected "Vim wins" to agree with the pick, found "Emacs wins"']],
  "use-if-unknown.txt": [[44, 'expected "Use <option> if:" to name an option', 'found "Nano"']],
  "use-if-twice.txt": [[44, 'expected one "Use Vim if:" line, found a second one', "line 42"]],
  "use-if-empty.txt": [[44, 'expected text after "Use Emacs if:"']],
  "missing-pick-marker.txt": [
    [7, 'expected the "🧊Nice Pick" marker after the intro, found "Vim"'],
  ],
  "missing-option-block.txt": [[28, 'expected a block for the option "Emacs"']],
  "missing-verdict.txt": [
    [40, 'expected "The Verdict" after the option blocks, found "Use Vim if:'],
  ],
  "missing-bottom-line.txt": [
    [47, 'expected "The Bottom Line" after "The Verdict", found "Vim wins"'],
  ],
  "missing-wins.txt": [[49, 'expected "Vim wins" after "The Bottom Line", found "Learn enough']],
  "truncated.txt": [
    [38, 'expected "The Verdict" after the option blocks, found the end of the page'],
    [38, 'expected "The Bottom Line" after "The Verdict", found the end of the page'],
  ],
  "empty-summary.txt": [[28, 'expected a summary paragraph under the option "Emacs"']],
  "empty-pick-summary.txt": [[9, 'expected a summary paragraph under the pick "Vim"']],
  "bullet-outside-lists.txt": [
    [31, 'expected bullets only under "Pros" or "Cons", found "• +Org mode'],
  ],
  "text-in-list.txt": [
    [35, 'expected a bullet "• +text" under "Pros", found "and there is a package for everything"'],
  ],
  "text-after-contact.txt": [
    [54, 'expected nothing after the contact line, found "Thanks for reading!"'],
  ],
  "empty-pros.txt": [[32, 'expected at least one bullet "• +text" under "Pros"']],
  "con-sign-in-pros.txt": [[34, 'expected a bullet "• +text" under "Pros", found one signed "-"']],
  "related-in-cons.txt": [[39, 'expected "Related to:" under "Pros", found it under "Cons"']],
  "related-empty-entry.txt": [
    [22, 'expected a topic slug between every pair of commas in "Related to:"'],
  ],
  "pick-block-twice.txt": [
    [24, 'expected one block per option, found a second block for "Staff Engineer"', "line 9"],
  ],
  "duplicate-block.txt": [
    [40, 'expected one block per option, found a second block for "Emacs"', "line 28"],
  ],
  "stray-heading.txt": [
    [46, 'expected "Use <option> if: <text>" lines under "The Verdict", found "The Verdict"'],
  ],
  "several-issues.txt": [
    [31, 'expected bullets only under "Pros" or "Cons", found "- Org mode"'],
    [45, 'expected "Use <option> if:" to name an option', 'found "Nano"'],
    [49, 'expected "Vim wins" to agree with the pick, found "Emacs wins"'],
  ],
};

describe("parsePage: rejected pages", () => {
  it("has an expectation for every bad-page fixture", () => {
    const files = readdirSync(badPagesDir).filter((file) => file.endsWith(".txt"));
    expect(files.sort()).toEqual(Object.keys(badPages).sort());
  });

  it.each(Object.entries(badPages))("rejects %s", (file, expected) => {
    const issues = issuesOf(() => parsePage(badFixture(file), file));
    expect(issues.map((issue) => issue.line)).toEqual(expected.map(([line]) => line));
    issues.forEach((issue, i) => {
      expect(issue.source).toBe(file);
      for (const fragment of (expected[i] ?? []).slice(1)) {
        expect(issue.message).toContain(fragment);
      }
    });
  });

  it("counts lines the same way with CRLF endings and a BOM", () => {
    const raw = `\uFEFF${badFixture("wins-disagrees.txt").replace(/\n/g, "\r\n")}`;
    const issues = issuesOf(() => parsePage(raw, "crlf"));
    expect(issues.map((issue) => issue.line)).toEqual([48]);
  });

  it("formats the error as file:line: message, one issue per line", () => {
    expect(() => parsePage(badFixture("several-issues.txt"), "several.txt")).toThrow(
      [
        'several.txt:31: expected bullets only under "Pros" or "Cons", found "- Org mode"',
        'several.txt:45: expected "Use <option> if:" to name an option of the title ("Vim", "Emacs"), found "Nano"',
        'several.txt:49: expected "Vim wins" to agree with the pick, found "Emacs wins"',
      ].join("\n"),
    );
  });

  it("rejects a contact line without a contact", () => {
    const raw = fixture("editors.txt").replace(
      "Disagree with our pick? editors@pickgraph.dev",
      "Disagree with our pick?",
    );
    const issues = issuesOf(() => parsePage(raw, "no-contact"));
    expect(issues).toEqual([
      {
        source: "no-contact",
        line: 52,
        message: 'expected a contact after "Disagree with our pick?"',
      },
    ]);
  });

  it("rejects a Related-to entry with nothing to slugify", () => {
    const raw = fixture("editors.txt").replace(
      "modal-editing, terminal-tools",
      "modal-editing, ?!",
    );
    const issues = issuesOf(() => parsePage(raw, "related"));
    expect(issues.map((issue) => [issue.line, issue.message])).toEqual([
      [22, 'expected a topic slug or name in "Related to:", found "?!"'],
    ]);
  });

  it("rejects an option named like a section heading", () => {
    const raw = fixture("editors.txt").replace("Vim vs Emacs", "Vim vs Pros");
    const issues = issuesOf(() => parsePage(raw, "heading-name"));
    expect(issues.map((issue) => [issue.line, issue.message])).toEqual([
      [3, 'expected option names, found the section line "Pros"'],
    ]);
  });
});

describe("parsePages", () => {
  it("returns every page in input order", () => {
    const pages = parsePages([
      { text: fixture("canonical.txt"), source: "a.txt" },
      { text: fixture("three-options.txt"), source: "b.txt" },
    ]);
    expect(pages.map((page) => [page.source, page.title])).toEqual([
      ["a.txt", "Staff Engineer vs Engineering Manager"],
      ["b.txt", "Go vs Rust vs Zig"],
    ]);
  });

  it("throws one error listing the issues of every bad page", () => {
    const issues = issuesOf(() =>
      parsePages([
        { text: fixture("canonical.txt"), source: "good.txt" },
        { text: badFixture("wins-disagrees.txt"), source: "wins.txt" },
        { text: badFixture("several-issues.txt"), source: "several.txt" },
        { text: badFixture("no-title.txt"), source: "title.txt" },
      ]),
    );
    expect(issues.map((issue) => `${issue.source}:${issue.line}`)).toEqual([
      "wins.txt:48",
      "several.txt:31",
      "several.txt:45",
      "several.txt:49",
      "title.txt:3",
    ]);
  });

  it("returns an empty list for no input", () => {
    expect(parsePages([])).toEqual([]);
  });
});

describe("hostile input", () => {
  // A hang guard, not a speed target: with backtracking patterns each such line took seconds.
  it("reads lines of tens of thousands of spaces without backtracking", () => {
    const wide = `a${" ".repeat(90_000)}b`;
    expect(() => parsePage(`Dynamic\n\n${wide}\n`, "title.txt")).toThrow(
      /title\.txt:3: expected a title/,
    );
    const body = readFileSync(new URL("../fixtures/pages/canonical.txt", import.meta.url), "utf8")
      .replace(/^Use .*$/m, `Use ${wide} if: x`)
      .replace(/^.* wins$/m, `${wide} wins`);
    expect(() => parsePage(body, "verdict.txt")).toThrow(PageFormatError);
  });
});
