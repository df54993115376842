/**
 * A comparison page as users write it (see ../shared/reference/page-format.md), parsed but not
 * yet stored. The parser produces it, the importer writes it, the exporter renders it back.
 */
export interface Page {
  /** Where the page came from (a file name, or `pages[3]`), used in every error about it. */
  source: string;
  /** The first non-blank line, e.g. `Dynamic`. */
  category: string;
  /** Option names joined by ` vs `, in title order. */
  title: string;
  /** The intro paragraph(s) before the pick marker; paragraphs joined by a blank line. */
  intro: string;
  /** The option the page picks (its name as written) and the summary under the pick marker. */
  pick: { name: string; summary: string };
  /** One entry per option, in title order. */
  options: PageOption[];
  /** The text under `<name> wins`; paragraphs joined by a blank line. */
  bottomLine: string;
  /** The contact from `Disagree with our pick? <contact>`, or null when the page has none. */
  feedbackContact: string | null;
}

export interface PageOption {
  /** The name as written in the title, e.g. `C#`. */
  name: string;
  /** The summary paragraph(s) of the option's block; paragraphs joined by a blank line. */
  summary: string;
  /** Ordered pro points, without bullets or signs; never includes the `Related to:` bullet. */
  pros: string[];
  /** Ordered con points, without bullets or signs. */
  cons: string[];
  /** Topic slugs from the `Related to:` bullet, in page order, without duplicates. */
  relatedTo: string[];
  /** The text after `Use <name> if:`, or null when the verdict has no line for this option. */
  useIf: string | null;
}

/** One thing wrong with one page: `file:line: message`. */
export interface PageIssue {
  source: string;
  /** 1-based line number in the page text; 0 when the problem is not tied to a line. */
  line: number;
  message: string;
}

/** Thrown when one or more pages cannot be read; lists every issue of every bad page. */
export class PageFormatError extends Error {
  readonly issues: PageIssue[];
  constructor(issues: PageIssue[]) {
    super(issues.map(formatPageIssue).join("\n"));
    this.name = "PageFormatError";
    this.issues = issues;
  }
}

export function formatPageIssue(issue: PageIssue): string {
  return issue.line > 0
    ? `${issue.source}:${issue.line}: ${issue.message}`
    : `${issue.source}: ${issue.message}`;
}
