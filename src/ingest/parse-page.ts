import { type Page, PageFormatError, type PageIssue, type PageOption } from "./page.ts";
import { isSlug, slugify } from "./slug.ts";

/**
 * Parses comparison pages (see ../shared/reference/page-format.md). Pure: text in, Page out.
 *
 * Strict about structure, forgiving about whitespace:
 * - CRLF, LF or CR line endings; a UTF-8 BOM; trailing whitespace; runs of blank lines; no final
 *   newline. Blank lines are never required between a heading and what follows it.
 * - Single-line parts (category, names, headings, `Use X if:`, `X wins`, contact) are trimmed and
 *   runs of spaces inside names are collapsed. Paragraph text (intro, summaries, bottom line) is
 *   kept as written, minus trailing whitespace: the lines of a paragraph joined with "\n",
 *   paragraphs joined with "\n\n".
 * - The pick marker may be `🧊Nice Pick`, `🧊 Nice Pick` or `Nice Pick`; the `🧊` line before
 *   `The Bottom Line` is optional and may share its line (`🧊 The Bottom Line`).
 * - Bullets are `•`, `-` or `*`, indented or not, with or without the section's sign (`+` under
 *   Pros, `-` under Cons). The opposite sign is rejected, as it means a con filed under Pros.
 *   Outside Pros/Cons, `-` and `*` count as bullets only when followed by a space or a sign, so a
 *   summary line like `-5% latency` stays text.
 * - `Pros` and `Cons` may each be absent; when present they need at least one bullet.
 * - The `Nice Pick` badge under the picked option's block is optional, but a badge under any other
 *   option is an error. Options without a `Use X if:` line get `useIf: null`.
 * - `Related to:` entries that are valid slugs are kept; other entries are treated as topic names
 *   and slugified (`Career Development` → `career-development`), so that a page linking by name
 *   and one linking by slug reach the same topic. Duplicates are dropped; empty entries rejected.
 * - Option names are matched exactly (after whitespace normalisation) against the title.
 * - Option blocks may come in any order: the title fixes the order of the options.
 * - The pick section may be the picked option's block itself: `🧊Nice Pick`, the name, its
 *   summary, then its Pros/Cons, with no separate block for that option later.
 */
export function parsePage(text: string, source: string): Page {
  const { page, issues } = readPage(text, source);
  if (page === undefined || issues.length > 0) throw new PageFormatError(issues);
  return page;
}

/** Parses every input; if any is bad, throws one PageFormatError listing all their issues. */
export function parsePages(inputs: { text: string; source: string }[]): Page[] {
  const pages: Page[] = [];
  const issues: PageIssue[] = [];
  for (const input of inputs) {
    const result = readPage(input.text, input.source);
    issues.push(...result.issues);
    if (result.page !== undefined) pages.push(result.page);
  }
  if (issues.length > 0) throw new PageFormatError(issues);
  return pages;
}

function readPage(text: string, source: string): { page?: Page; issues: PageIssue[] } {
  const parser = new PageParser(text, source);
  const page = parser.parse();
  const issues = parser.issues.sort((a, b) => a.line - b.line);
  return issues.length > 0 || page === undefined ? { issues } : { page, issues };
}

interface Line {
  /** 1-based line number. */
  no: number;
  /** The line without trailing whitespace. */
  raw: string;
  /** The line without surrounding whitespace. */
  text: string;
}

type Kind =
  | "text"
  | "option"
  | "pickMarker"
  | "pros"
  | "cons"
  | "verdict"
  | "useIf"
  | "ice"
  | "bottomLine"
  | "contact"
  | "bullet";

const ICE = "🧊\\uFE0F?";
const PICK_MARKER = new RegExp(`^(?:${ICE}\\s*)?Nice\\s+Pick$`, "u");
const ICE_LINE = new RegExp(`^${ICE}$`, "u");
const BOTTOM_LINE = new RegExp(`^(?:${ICE}\\s*)?The\\s+Bottom\\s+Line$`, "u");
const VERDICT = /^The\s+Verdict$/;
const CONTACT = /^Disagree\s+with\s+our\s+pick\?\s*(.*)$/;
const TEXT_BULLET = /^(?:•|[-*](?=\s|[+-]))/;
const LIST_BULLET = /^[•*-]\s*(.*)$/;
const RELATED_TO = /^Related\s+to:\s*(.*)$/i;
// Patterns run on whitespace-collapsed text (see `collapse`): with runs of spaces left in, their
// lazy groups backtrack quadratically, and a long line of spaces could stall the server.
const ANY_USE_IF = /^Use (.+?) if:/;
const WINS = /^(.+?) wins$/;
const TITLE_SEPARATOR = /(?:^| )vs(?: |$)/;

/** One space for every run of whitespace; linear, and all the patterns above need. */
function collapse(text: string): string {
  return text.replace(/\s+/g, " ");
}

const MARKER_TEXT = '"🧊Nice Pick"';
const BULLET_OUTSIDE_LISTS = 'expected bullets only under "Pros" or "Cons"';

interface OptionDraft {
  name: string;
  summary: string;
  pros: string[];
  cons: string[];
  relatedTo: string[];
  useIf: string | null;
}

interface Pick {
  name: string;
  summary: string;
  /** Whether the name is one of the title's options (if not, that has already been reported). */
  known: boolean;
  /** The line of the pick's name when the pick section was also the option's block. */
  blockLine?: number;
}

function normaliseName(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function listNames(names: string[]): string {
  return names.map((name) => quote(name)).join(", ");
}

class PageParser {
  readonly issues: PageIssue[] = [];
  private readonly lines: Line[];
  private readonly source: string;
  private pos = 0;
  private names: string[] = [];
  private readonly drafts = new Map<string, OptionDraft>();
  /** `Use <name> if:` matchers, longest name first so `C++` is not read as `C` plus text. */
  private useIfPatterns: { name: string; pattern: RegExp }[] = [];

  constructor(text: string, source: string) {
    this.source = source;
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    const rawLines = body.split(/\r\n|\r|\n/);
    // A final line break ends the last line rather than starting an empty one.
    if (rawLines.length > 0 && rawLines[rawLines.length - 1] === "") rawLines.pop();
    this.lines = rawLines.map((line, i) => ({ no: i + 1, raw: line.trimEnd(), text: line.trim() }));
  }

  parse(): Page | undefined {
    const categoryLine = this.nextNonBlank();
    if (categoryLine === undefined) {
      this.issue(0, "expected a category line, found an empty page");
      return undefined;
    }
    this.pos++;
    const names = this.readTitle(categoryLine);
    if (names === undefined) return undefined;
    this.names = names;
    for (const name of names) {
      this.drafts.set(name, {
        name,
        summary: "",
        pros: [],
        cons: [],
        relatedTo: [],
        useIf: null,
      });
    }
    this.useIfPatterns = [...names]
      .sort((a, b) => b.length - a.length)
      .map((name) => ({
        name,
        pattern: new RegExp(
          `^Use\\s+${name.split(" ").map(escapeRegExp).join("\\s+")}\\s+if:(.*)$`,
        ),
      }));

    const intro = this.readParagraphs();
    if (intro === "") {
      this.issueAt(
        this.nextNonBlank(),
        `expected an intro paragraph between the title and the ${MARKER_TEXT} marker`,
      );
    }
    const pick = this.readPick();
    this.readOptionBlocks(pick);
    this.readVerdict();
    const bottom = this.readBottomLine(pick);

    if (this.issues.length > 0 || pick === undefined) return undefined;
    const options: PageOption[] = names.map((name) => {
      const draft = this.drafts.get(name) as OptionDraft;
      return { ...draft };
    });
    return {
      source: this.source,
      category: normaliseName(categoryLine.text),
      title: names.join(" vs "),
      intro,
      pick: { name: pick.name, summary: pick.summary },
      options,
      bottomLine: bottom.text,
      feedbackContact: bottom.contact,
    };
  }

  private readTitle(categoryLine: Line): string[] | undefined {
    const titleLine = this.nextNonBlank();
    const expected = 'expected a title "A vs B" on the first non-blank line after the category';
    if (titleLine === undefined) {
      this.issue(categoryLine.no, `${expected}, found the end of the page`);
      return undefined;
    }
    this.pos++;
    const parts = collapse(titleLine.text).split(TITLE_SEPARATOR);
    if (parts.length < 2) {
      const hint = TITLE_SEPARATOR.test(collapse(categoryLine.text))
        ? ` (line ${categoryLine.no} looks like the title: is the category line missing?)`
        : "";
      this.issue(titleLine.no, `${expected}, found ${quote(titleLine.text)}${hint}`);
      return undefined;
    }
    const names = parts.map(normaliseName);
    const bySlug = new Map<string, string>();
    let ok = true;
    for (const name of names) {
      if (name === "") {
        this.issue(
          titleLine.no,
          `expected an option name on both sides of every " vs " in the title`,
        );
        ok = false;
        continue;
      }
      if (this.classifyStructure(name) !== "text") {
        this.issue(titleLine.no, `expected option names, found the section line ${quote(name)}`);
        ok = false;
        continue;
      }
      let slug: string;
      try {
        slug = slugify(name);
      } catch {
        this.issue(
          titleLine.no,
          `expected option names with a letter or digit, found ${quote(name)}`,
        );
        ok = false;
        continue;
      }
      const earlier = bySlug.get(slug);
      if (earlier !== undefined) {
        this.issue(
          titleLine.no,
          `expected distinct options, but ${quote(name)} duplicates ${quote(earlier)} (both have the slug "${slug}")`,
        );
        ok = false;
        continue;
      }
      bySlug.set(slug, name);
    }
    return ok ? names : undefined;
  }

  private readPick(): Pick | undefined {
    const markerLine = this.nextNonBlank();
    if (markerLine !== undefined && this.classify(markerLine) === "pickMarker") {
      this.pos++;
    } else {
      this.issueAt(markerLine, `expected the ${MARKER_TEXT} marker after the intro`, true);
      // Without the marker, a pick section is still recognisable as "name, summary, same name".
      if (markerLine === undefined || !this.startsPickSection(markerLine)) return undefined;
    }
    const nameLine = this.nextNonBlank();
    const kind = nameLine === undefined ? undefined : this.classify(nameLine);
    if (nameLine === undefined || (kind !== "option" && kind !== "text")) {
      this.issueAt(nameLine, `expected the picked option's name after ${MARKER_TEXT}`, true);
      return undefined;
    }
    this.pos++;
    const name = normaliseName(nameLine.text);
    const known = kind === "option";
    if (!known) {
      this.issue(
        nameLine.no,
        `expected the pick to name an option of the title (${listNames(this.names)}), found ${quote(name)}`,
      );
    }
    const summary = this.readParagraphs();
    if (summary === "") {
      this.issue(nameLine.no, `expected a summary paragraph under the pick ${quote(name)}`);
    }
    const next = this.nextNonBlank();
    const nextKind = next === undefined ? undefined : this.classify(next);
    if (known && (nextKind === "pros" || nextKind === "cons")) {
      // No separate pick summary: the pick section goes on as the picked option's block.
      const draft = this.drafts.get(name) as OptionDraft;
      draft.summary = summary;
      this.readSections(draft);
      return { name, summary, known, blockLine: nameLine.no };
    }
    return { name, summary, known };
  }

  private startsPickSection(first: Line): boolean {
    if (this.classify(first) !== "option") return false;
    for (let i = this.pos + 1; i < this.lines.length; i++) {
      const line = this.lines[i] as Line;
      if (line.text === "") continue;
      const kind = this.classify(line);
      if (kind === "option") return normaliseName(line.text) === normaliseName(first.text);
      if (kind !== "text" && kind !== "bullet") return false;
    }
    return false;
  }

  private readOptionBlocks(pick: Pick | undefined): void {
    const blockLines = new Map<string, number>();
    if (pick?.blockLine !== undefined) blockLines.set(pick.name, pick.blockLine);
    let stop: Line | undefined;
    for (;;) {
      const line = this.nextNonBlank();
      if (line === undefined) break;
      const kind = this.classify(line);
      if (kind === "verdict" || kind === "useIf" || kind === "ice" || kind === "bottomLine") {
        stop = line;
        break;
      }
      if (kind === "contact" || this.winsName(line) !== undefined) {
        stop = line;
        break;
      }
      if (kind !== "option") {
        const next = this.names.find((name) => !blockLines.has(name));
        const expected =
          next === undefined
            ? 'expected "The Verdict" after the option blocks'
            : `expected an option block starting with the line ${quote(next)}, or "The Verdict"`;
        this.skipUnexpected(line, kind === "bullet" ? BULLET_OUTSIDE_LISTS : expected);
        continue;
      }
      const name = normaliseName(line.text);
      const firstBlock = blockLines.get(name);
      if (firstBlock !== undefined) {
        this.issue(
          line.no,
          `expected one block per option, found a second block for ${quote(name)} (the first is on line ${firstBlock})`,
        );
        this.readOptionBlock(line, this.emptyDraft(name), pick);
        continue;
      }
      blockLines.set(name, line.no);
      this.readOptionBlock(line, this.drafts.get(name) as OptionDraft, pick);
    }
    for (const name of this.names) {
      if (!blockLines.has(name)) {
        this.issueAt(
          stop,
          `expected a block for the option ${quote(name)} (a line ${quote(name)}, its summary, Pros, Cons) before "The Verdict"`,
        );
      }
    }
  }

  private emptyDraft(name: string): OptionDraft {
    return { name, summary: "", pros: [], cons: [], relatedTo: [], useIf: null };
  }

  private readOptionBlock(nameLine: Line, draft: OptionDraft, pick: Pick | undefined): void {
    this.pos++;
    const badge = this.nextNonBlank();
    if (badge !== undefined && this.classify(badge) === "pickMarker") {
      this.pos++;
      if (pick?.known && pick.name !== draft.name) {
        this.issue(
          badge.no,
          `expected the "Nice Pick" badge only under the pick ${quote(pick.name)}, found it under ${quote(draft.name)}`,
        );
      }
    }
    const summary = this.readParagraphs();
    if (summary === "") {
      this.issue(nameLine.no, `expected a summary paragraph under the option ${quote(draft.name)}`);
    }
    draft.summary = summary;
    this.readSections(draft);
  }

  /** The option's `Pros` and `Cons` sections, in either order, each at most once. */
  private readSections(draft: OptionDraft): void {
    const sections = new Map<"pros" | "cons", number>();
    for (;;) {
      const line = this.nextNonBlank();
      if (line === undefined) return;
      const kind = this.classify(line);
      if (kind === "pickMarker") {
        this.skipUnexpected(
          line,
          `expected the "Nice Pick" badge directly under the option name ${quote(draft.name)}`,
        );
        continue;
      }
      if (kind !== "pros" && kind !== "cons") return;
      const heading = kind === "pros" ? "Pros" : "Cons";
      const first = sections.get(kind);
      if (first !== undefined) {
        this.issue(
          line.no,
          `expected one "${heading}" section per option, found a second one under ${quote(draft.name)} (the first is on line ${first})`,
        );
      }
      sections.set(kind, line.no);
      this.readList(line, kind, draft);
    }
  }

  private readList(heading: Line, kind: "pros" | "cons", draft: OptionDraft): void {
    this.pos++;
    const headingText = kind === "pros" ? "Pros" : "Cons";
    const sign = kind === "pros" ? "+" : "-";
    const otherSign = kind === "pros" ? "-" : "+";
    const example = `"• ${sign}text"`;
    let bullets = 0;
    for (;;) {
      const line = this.nextNonBlank();
      if (line === undefined) break;
      const lineKind = this.classify(line);
      if (lineKind !== "text" && lineKind !== "bullet") break;
      this.pos++;
      const match = LIST_BULLET.exec(line.text);
      if (match === null) {
        this.issue(
          line.no,
          `expected a bullet ${example} under "${headingText}", found ${quote(line.text)}`,
        );
        continue;
      }
      bullets++;
      let body = (match[1] ?? "").trim();
      if (body.startsWith(sign)) {
        body = body.slice(1).trim();
      } else if (body.startsWith(otherSign)) {
        this.issue(
          line.no,
          `expected a bullet ${example} under "${headingText}", found one signed "${otherSign}": ${quote(line.text)}`,
        );
        continue;
      }
      if (body === "") {
        this.issue(line.no, `expected text after the bullet under "${headingText}"`);
        continue;
      }
      const related = RELATED_TO.exec(body);
      if (related === null) {
        (kind === "pros" ? draft.pros : draft.cons).push(body);
      } else if (kind === "cons") {
        this.issue(line.no, `expected "Related to:" under "Pros", found it under "Cons"`);
      } else {
        this.readRelatedTo(line, related[1] ?? "", draft);
      }
    }
    if (bullets === 0) {
      this.issue(heading.no, `expected at least one bullet ${example} under "${headingText}"`);
    }
  }

  private readRelatedTo(line: Line, list: string, draft: OptionDraft): void {
    if (list.trim() === "") {
      this.issue(
        line.no,
        `expected topic slugs after "Related to:", e.g. "Related to: a-slug, b-slug"`,
      );
      return;
    }
    for (const entry of list.split(",").map((part) => part.trim())) {
      if (entry === "") {
        this.issue(line.no, `expected a topic slug between every pair of commas in "Related to:"`);
        continue;
      }
      let slug = entry;
      if (!isSlug(entry)) {
        try {
          slug = slugify(entry);
        } catch {
          this.issue(
            line.no,
            `expected a topic slug or name in "Related to:", found ${quote(entry)}`,
          );
          continue;
        }
      }
      if (!draft.relatedTo.includes(slug)) draft.relatedTo.push(slug);
    }
  }

  private readVerdict(): void {
    const heading = this.nextNonBlank();
    if (heading !== undefined && this.classify(heading) === "verdict") {
      this.pos++;
    } else {
      this.issueAt(heading, 'expected "The Verdict" after the option blocks', true);
    }
    const seen = new Map<string, number>();
    for (;;) {
      const line = this.nextNonBlank();
      if (line === undefined) return;
      const kind = this.classify(line);
      if (kind === "ice" || kind === "bottomLine" || kind === "contact") return;
      if (kind === "text" && this.winsName(line) !== undefined) return;
      if (kind !== "useIf") {
        const unknown = kind === "text" ? ANY_USE_IF.exec(collapse(line.text)) : null;
        if (unknown !== null) {
          this.issue(
            line.no,
            `expected "Use <option> if:" to name an option of the title (${listNames(this.names)}), found ${quote(normaliseName(unknown[1] ?? ""))}`,
          );
          this.pos++;
        } else {
          this.skipUnexpected(
            line,
            kind === "bullet"
              ? BULLET_OUTSIDE_LISTS
              : 'expected "Use <option> if: <text>" lines under "The Verdict"',
          );
        }
        continue;
      }
      this.pos++;
      const { name, text } = this.useIf(line) as { name: string; text: string };
      const first = seen.get(name);
      if (first !== undefined) {
        this.issue(
          line.no,
          `expected one "Use ${name} if:" line, found a second one (the first is on line ${first})`,
        );
        continue;
      }
      seen.set(name, line.no);
      if (text === "") {
        this.issue(line.no, `expected text after "Use ${name} if:"`);
        continue;
      }
      (this.drafts.get(name) as OptionDraft).useIf = text;
    }
  }

  private readBottomLine(pick: Pick | undefined): { text: string; contact: string | null } {
    let line = this.nextNonBlank();
    if (line !== undefined && this.classify(line) === "ice") {
      this.pos++;
      line = this.nextNonBlank();
    }
    if (line === undefined) {
      this.issueAt(line, 'expected "The Bottom Line" after "The Verdict"', true);
      return { text: "", contact: null };
    }
    if (this.classify(line) === "bottomLine") {
      this.pos++;
    } else {
      this.issueAt(line, 'expected "The Bottom Line" after "The Verdict"', true);
    }
    const winsLine = this.nextNonBlank();
    const winner = winsLine === undefined ? undefined : this.winsName(winsLine);
    const expectedWins = `"${pick?.known ? pick.name : "<option>"} wins"`;
    if (winsLine === undefined || winner === undefined) {
      this.issueAt(winsLine, `expected ${expectedWins} after "The Bottom Line"`, true);
    } else {
      this.pos++;
      if (pick?.known && winner !== pick.name) {
        this.issue(
          winsLine.no,
          `expected ${expectedWins} to agree with the pick, found ${quote(winsLine.text)}`,
        );
      } else if (!pick?.known && !this.drafts.has(winner)) {
        this.issue(
          winsLine.no,
          `expected "<option> wins" to name an option of the title (${listNames(this.names)}), found ${quote(winner)}`,
        );
      }
    }
    const text = this.readParagraphs();
    if (text === "") {
      this.issueAt(
        this.nextNonBlank(),
        `expected the bottom-line text after ${winner === undefined ? '"The Bottom Line"' : quote(`${winner} wins`)}`,
      );
    }
    let contact: string | null = null;
    const contactLine = this.nextNonBlank();
    if (contactLine !== undefined && this.classify(contactLine) === "contact") {
      this.pos++;
      contact = (CONTACT.exec(contactLine.text)?.[1] ?? "").trim();
      if (contact === "") {
        this.issue(contactLine.no, 'expected a contact after "Disagree with our pick?"');
      }
    }
    for (let rest = this.nextNonBlank(); rest !== undefined; rest = this.nextNonBlank()) {
      const after = contact === null ? "the bottom-line text" : "the contact line";
      this.skipUnexpected(
        rest,
        this.classify(rest) === "bullet" ? BULLET_OUTSIDE_LISTS : `expected nothing after ${after}`,
      );
    }
    return { text, contact };
  }

  /**
   * Reads paragraphs up to the next structural line (or the end). Bullets here are misplaced:
   * they are reported and skipped so the text around them still reads as one part.
   */
  private readParagraphs(): string {
    const paragraphs: string[] = [];
    let current: string[] = [];
    const endParagraph = () => {
      if (current.length > 0) paragraphs.push(current.join("\n"));
      current = [];
    };
    for (; this.pos < this.lines.length; this.pos++) {
      const line = this.lines[this.pos] as Line;
      if (line.text === "") {
        endParagraph();
        continue;
      }
      const kind = this.classify(line);
      if (kind === "bullet") {
        this.issue(line.no, `${BULLET_OUTSIDE_LISTS}, found ${quote(line.text)}`);
        continue;
      }
      if (kind !== "text") break;
      current.push(line.raw);
    }
    endParagraph();
    return paragraphs.join("\n\n");
  }

  private classify(line: Line): Kind {
    const text = line.text;
    if (this.drafts.has(normaliseName(text))) return "option";
    if (this.useIf(line) !== undefined) return "useIf";
    return this.classifyStructure(text);
  }

  /** The kind of a line regardless of the options in the title. */
  private classifyStructure(text: string): Kind {
    if (PICK_MARKER.test(text)) return "pickMarker";
    if (text === "Pros") return "pros";
    if (text === "Cons") return "cons";
    if (VERDICT.test(text)) return "verdict";
    if (ICE_LINE.test(text)) return "ice";
    if (BOTTOM_LINE.test(text)) return "bottomLine";
    if (CONTACT.test(text)) return "contact";
    if (TEXT_BULLET.test(text)) return "bullet";
    return "text";
  }

  private useIf(line: Line): { name: string; text: string } | undefined {
    for (const { name, pattern } of this.useIfPatterns) {
      const match = pattern.exec(line.text);
      if (match !== null) return { name, text: (match[1] ?? "").trim() };
    }
    return undefined;
  }

  /** The name in a `<name> wins` line, when the line is one. */
  private winsName(line: Line): string | undefined {
    const match = WINS.exec(collapse(line.text));
    return match === null ? undefined : normaliseName(match[1] ?? "");
  }

  private nextNonBlank(): Line | undefined {
    while (this.pos < this.lines.length && (this.lines[this.pos] as Line).text === "") this.pos++;
    return this.lines[this.pos];
  }

  /** Reports a line that cannot be placed and skips the rest of its paragraph. */
  private skipUnexpected(line: Line, expected: string): void {
    this.issue(line.no, `${expected}, found ${quote(line.text)}`);
    this.pos++;
    while (this.pos < this.lines.length) {
      const next = this.lines[this.pos] as Line;
      if (next.text === "" || this.classify(next) !== "text") break;
      this.pos++;
    }
  }

  /** Reports at `line`, or at the last line when the page ended; `found` appends what was there. */
  private issueAt(line: Line | undefined, message: string, found = false): void {
    if (line === undefined) {
      const last = this.lines[this.lines.length - 1];
      this.issue(last?.no ?? 0, found ? `${message}, found the end of the page` : message);
    } else {
      this.issue(line.no, found ? `${message}, found ${quote(line.text)}` : message);
    }
  }

  private issue(line: number, message: string): void {
    this.issues.push({ source: this.source, line, message });
  }
}
