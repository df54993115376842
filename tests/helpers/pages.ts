import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PageSketch {
  category?: string;
  /** Option names in title order. */
  options: string[];
  /** The picked option's name; the first option when absent. */
  pick?: string;
  /** `Related to:` slugs per option name. */
  tags?: Record<string, string[]>;
}

/** A complete, valid comparison page in the page format, from the few facts a test cares about. */
export function pageText(sketch: PageSketch): string {
  const pick = sketch.pick ?? (sketch.options[0] as string);
  const blocks = sketch.options.map((name) => {
    const tags = sketch.tags?.[name] ?? [];
    return [
      name,
      ...(name === pick ? ["", "Nice Pick"] : []),
      "",
      `${name} is one of the options weighed here.`,
      "",
      "Pros",
      "",
      `  • +${name} has a strength`,
      ...(tags.length > 0 ? [`  • +Related to: ${tags.join(", ")}`] : []),
      "",
      "Cons",
      "",
      `  • -${name} has a weakness`,
      "",
    ].join("\n");
  });
  return [
    sketch.category ?? "Practice",
    "",
    sketch.options.join(" vs "),
    "",
    "An introduction.",
    "",
    "🧊Nice Pick",
    "",
    pick,
    "",
    `${pick} is one of the options weighed here.`,
    "",
    ...blocks,
    "The Verdict",
    "",
    ...sketch.options.map((name) => `Use ${name} if: it fits.\n`),
    "🧊",
    "The Bottom Line",
    `${pick} wins`,
    "",
    "It fits most readers.",
    "",
  ].join("\n");
}

/** Writes files into a new temporary folder and returns its path. */
export async function writeFolder(files: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "pickgraph-test-"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);
  return folder;
}

export async function removeFolder(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true });
}
