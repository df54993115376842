import { describe, expect, it } from "vitest";
import { comparisonSlug, isSlug, SLUG_PATTERN, slugify } from "../../src/ingest/slug.ts";

describe("slugify", () => {
  it.each([
    ["Individual Contributor Model", "individual-contributor-model"],
    ["C#", "c-sharp"],
    ["C++", "c-plus-plus"],
    ["F#", "f-sharp"],
    ["Node.js", "node-js"],
    ["Café Ops", "cafe-ops"],
    [".NET", "dot-net"],
    ["CI/CD", "ci-cd"],
    ["日本", "u65e5-u672c"],
    ["ASP.NET Core", "asp-net-core"],
    ["C# / .NET", "c-sharp-dot-net"],
    ["(.NET)", "dot-net"],
    ["R&D", "r-and-d"],
    ["AT&T", "at-and-t"],
    ["@angular/core", "at-angular-core"],
    ["Vue.js 3", "vue-js-3"],
    ["Python 3.12", "python-3-12"],
    ["Wait...", "wait"],
    ["  --Spaces  and__underscores--  ", "spaces-and-underscores"],
    ["Ｆｕｌｌwidth", "fullwidth"],
    ["Ünïcödé Façade", "unicode-facade"],
    ["İstanbul", "istanbul"],
    ["Straße", "stra-u00df-e"],
    ["Ελληνικά", "u03b5-u03bb-u03bb-u03b7-u03bd-u03b9-u03ba-u03b1"],
    ["Go 日本語 Guide", "go-u65e5-u672c-u8a9e-guide"],
    ["career-development", "career-development"],
  ])("%j → %j", (name, slug) => {
    expect(slugify(name)).toBe(slug);
  });

  const awkward = [
    "C#",
    "C++",
    ".NET",
    "日本",
    "Ünïcödé",
    "a--b",
    "-lead",
    "trail-",
    "x.y.z",
    "#",
    "++",
    "🧊 Ice",
    "Tab\tSeparated",
  ];

  it("always yields a slug matching SLUG_PATTERN", () => {
    for (const name of awkward) expect(slugify(name), name).toMatch(SLUG_PATTERN);
  });

  it("is idempotent, so a slug used as a name keeps its identity", () => {
    for (const name of awkward) {
      const slug = slugify(name);
      expect(slugify(slug), name).toBe(slug);
    }
  });

  it("keeps names that differ only in symbols apart", () => {
    const names = ["C", "C#", "C++", "F#", "F", ".NET", "NET", "Node.js", "日本", "日"];
    const slugs = names.map(slugify);
    expect(new Set(slugs).size).toBe(names.length);
  });

  it.each(["", "   ", "---", "!?", "🧊"])("throws for %j, naming it", (name) => {
    expect(() => slugify(name)).toThrow(`"${name}"`);
  });
});

describe("comparisonSlug", () => {
  it("joins option slugs with -vs-", () => {
    expect(comparisonSlug(["Individual Contributor Model", "Management Track"])).toBe(
      "individual-contributor-model-vs-management-track",
    );
    expect(comparisonSlug(["C#", "C++"])).toBe("c-sharp-vs-c-plus-plus");
    expect(comparisonSlug(["Go", "Rust", "Zig"])).toBe("go-vs-rust-vs-zig");
  });

  it("rejects fewer than two options and unsluggable names", () => {
    expect(() => comparisonSlug(["Go"])).toThrow("at least two options");
    expect(() => comparisonSlug([])).toThrow("at least two options");
    expect(() => comparisonSlug(["Go", "--"])).toThrow('"--"');
  });
});

describe("isSlug", () => {
  it.each(["a", "c-sharp", "u65e5-u672c", "go-vs-rust", "web3"])("accepts %j", (s) => {
    expect(isSlug(s)).toBe(true);
  });

  it.each(["", "C-sharp", "-a", "a-", "a--b", "a_b", "a b", "café", "Career Development"])(
    "rejects %j",
    (s) => {
      expect(isSlug(s)).toBe(false);
    },
  );
});
