import type { Page } from "./page.ts";

/**
 * Renders a page in the layout of ../shared/reference/page-format-example.txt: parts separated by
 * one blank line, `  • +pro` / `  • -con` bullets with `Related to:` as the last pro, the
 * `Nice Pick` badge under the picked option, LF line endings and a final newline.
 * `parsePage(renderPage(page))` gives the page back for every page `parsePage` accepts.
 */
export function renderPage(page: Omit<Page, "source">): string {
  const parts: string[] = [
    page.category,
    page.title,
    page.intro,
    "🧊Nice Pick",
    page.pick.name,
    page.pick.summary,
  ];
  for (const option of page.options) {
    parts.push(option.name);
    if (option.name === page.pick.name) parts.push("Nice Pick");
    parts.push(option.summary);
    const pros = option.pros.map((pro) => `  • +${pro}`);
    if (option.relatedTo.length > 0) pros.push(`  • +Related to: ${option.relatedTo.join(", ")}`);
    if (pros.length > 0) parts.push("Pros", pros.join("\n"));
    if (option.cons.length > 0) {
      parts.push("Cons", option.cons.map((con) => `  • -${con}`).join("\n"));
    }
  }
  parts.push("The Verdict");
  for (const option of page.options) {
    if (option.useIf !== null) parts.push(`Use ${option.name} if: ${option.useIf}`);
  }
  // The example keeps the ice line, heading and winner together without blank lines.
  parts.push(`🧊\nThe Bottom Line\n${page.pick.name} wins`, page.bottomLine);
  if (page.feedbackContact !== null) parts.push(`Disagree with our pick? ${page.feedbackContact}`);
  return `${parts.join("\n\n")}\n`;
}
