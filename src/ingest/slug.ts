import { SLUG_PATTERN as SLUG_RULE } from "../domain/rules.ts";

/**
 * Slugs: lower-case ASCII kebab-case identifiers for topics and comparisons.
 *
 * `slugify(name)` rules, applied in this order (changing them changes every stored slug):
 * 1. Lower-case, NFKD-normalise and drop combining marks (`Café` → `cafe`, `Ｆｕｌｌ` → `full`).
 * 2. `#` → the word `sharp`, `+` → `plus`, `&` → `and`, `@` → `at`, each its own segment
 *    (`C#` → `c-sharp`, `C++` → `c-plus-plus`, `R&D` → `r-and-d`).
 * 3. A `.` that starts the name or a word (not preceded by a letter or digit, followed by one)
 *    becomes the word `dot` (`.NET` → `dot-net`); any other `.` is a separator
 *    (`Node.js` → `node-js`, `ASP.NET` → `asp-net`).
 * 4. a-z and 0-9 are kept; any other letter or digit (CJK, Greek, `ß`, ...) becomes its own
 *    segment `u<hex code point, at least 4 digits>` (`日本` → `u65e5-u672c`), so slugs stay ASCII
 *    and distinct scripts never collapse to the same slug.
 * 5. Every other character separates segments; segments are joined by one `-`, with no leading
 *    or trailing `-` (`CI/CD` → `ci-cd`).
 * A name with nothing left (`""`, `"--"`) throws.
 */
export const SLUG_PATTERN = new RegExp(SLUG_RULE);

const SYMBOL_WORDS: Record<string, string> = { "#": "sharp", "+": "plus", "&": "and", "@": "at" };

const ASCII_WORD_CHAR = /^[a-z0-9]$/;
const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u;

export function isSlug(s: string): boolean {
  return SLUG_PATTERN.test(s);
}

export function slugify(name: string): string {
  // Lower-casing first: some upper-case letters lower-case into a letter plus a combining mark
  // (`İ` → `i̇`), which the decomposition then strips.
  const chars = Array.from(name.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, ""));
  const segments: string[] = [];
  let word = "";
  const endWord = () => {
    if (word !== "") segments.push(word);
    word = "";
  };
  chars.forEach((ch, i) => {
    if (ASCII_WORD_CHAR.test(ch)) {
      word += ch;
      return;
    }
    const symbolWord = SYMBOL_WORDS[ch];
    if (symbolWord !== undefined) {
      endWord();
      segments.push(symbolWord);
      return;
    }
    if (ch === ".") {
      const prev = chars[i - 1];
      const next = chars[i + 1];
      endWord();
      const afterWordChar = prev !== undefined && LETTER_OR_DIGIT.test(prev);
      const beforeWordChar = next !== undefined && LETTER_OR_DIGIT.test(next);
      if (!afterWordChar && beforeWordChar) segments.push("dot");
      return;
    }
    endWord();
    if (LETTER_OR_DIGIT.test(ch)) {
      segments.push(`u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
    }
  });
  endWord();
  if (segments.length === 0) {
    throw new Error(`cannot make a slug from the name "${name}": it has no letters or digits`);
  }
  return segments.join("-");
}

/** The slug of a comparison: its option slugs in title order joined by `-vs-`. */
export function comparisonSlug(optionNames: string[]): string {
  if (optionNames.length < 2) {
    throw new Error(
      `a comparison needs at least two options, got ${optionNames.length}: ${JSON.stringify(optionNames)}`,
    );
  }
  return optionNames.map(slugify).join("-vs-");
}
