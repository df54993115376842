import { TEXT_LIMITS } from "../domain/rules.ts";
import { PageFormatError, type PageIssue } from "./page.ts";
import { isSlug, slugify } from "./slug.ts";

/**
 * Topic descriptions: a topic's own name, summary and aliases, written as data (`seeds/topics/
 * *.topics`, see docs/topic-descriptions.md). Pure: text in, descriptions or a list of
 * `file:line: what was expected` issues out.
 */
export interface TopicDescription {
  /** The file it came from, for error messages. */
  source: string;
  /** Line of its `Topic:` key. */
  line: number;
  /** Derived from the name by the slug rules. */
  slug: string;
  name: string;
  /** Continuation lines joined with single spaces. */
  summary: string;
  /** Other slugs that mean this topic, in the order written, each with its line. */
  aliases: { slug: string; line: number }[];
}

const KEYS = ["Topic", "Aliases", "Summary"] as const;
type Key = (typeof KEYS)[number];
const KEY_LINE = /^([A-Za-z][A-Za-z -]*?)\s*:\s*(.*)$/;

interface Field {
  value: string;
  line: number;
}

function characters(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/** Parses one file; issues are appended, and blocks with any issue are left out. */
function parseFile(text: string, source: string, issues: PageIssue[]): TopicDescription[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const descriptions: TopicDescription[] = [];
  let block: { fields: Map<Key, Field>; current: Key | null; start: number; bad: boolean } | null =
    null;
  const problem = (line: number, message: string) => {
    issues.push({ source, line, message });
    if (block) block.bad = true;
  };

  const finish = () => {
    if (!block) return;
    const { fields, start } = block;
    const topic = fields.get("Topic");
    const summary = fields.get("Summary");
    if (topic && !summary && !block.bad) problem(start, "expected a `Summary:` line in this block");
    if (topic && summary && !block.bad) {
      const name = topic.value;
      let slug = "";
      try {
        slug = slugify(name);
      } catch {
        problem(topic.line, `the name "${name}" has no letters or digits to make a slug from`);
      }
      if (characters(name) > TEXT_LIMITS.name) {
        problem(
          topic.line,
          `the name is ${characters(name)} characters (at most ${TEXT_LIMITS.name})`,
        );
      } else if (slug.length > TEXT_LIMITS.slug) {
        problem(
          topic.line,
          `the name makes a slug of ${slug.length} characters (at most ${TEXT_LIMITS.slug})`,
        );
      }
      if (characters(summary.value) > TEXT_LIMITS.summary) {
        problem(
          summary.line,
          `the summary is ${characters(summary.value)} characters (at most ${TEXT_LIMITS.summary})`,
        );
      }
      const aliases: { slug: string; line: number }[] = [];
      const aliasField = fields.get("Aliases");
      if (aliasField) {
        const entries = aliasField.value.split(",").map((entry) => entry.trim());
        for (const entry of entries) {
          if (entry === "") {
            problem(aliasField.line, "expected a slug between every two commas of Aliases:");
          } else if (!isSlug(entry) || entry.length > TEXT_LIMITS.slug) {
            problem(
              aliasField.line,
              `the alias "${entry.slice(0, 60)}" is not a slug (lower-case letters and digits joined by single dashes, at most ${TEXT_LIMITS.slug} characters)`,
            );
          } else if (entry === slug) {
            problem(aliasField.line, `the alias "${entry}" is the topic's own slug`);
          } else if (aliases.some((a) => a.slug === entry)) {
            problem(aliasField.line, `the alias "${entry}" is listed twice`);
          } else {
            aliases.push({ slug: entry, line: aliasField.line });
          }
        }
      }
      if (!block.bad) {
        descriptions.push({
          source,
          line: topic.line,
          slug,
          name,
          summary: summary.value,
          aliases,
        });
      }
    }
    block = null;
  };

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.replace(/[ \t]+$/, "");
    if (line.trim() === "") {
      finish();
      return;
    }
    if (line.trimStart().startsWith("#")) return;
    if (line.includes("\u0000")) {
      issues.push({ source, line: lineNo, message: "a line must not contain NUL characters" });
      if (block) block.bad = true;
      return;
    }
    const keyMatch = KEY_LINE.exec(line);
    const key = keyMatch?.[1];
    const known = KEYS.find((k) => k === key);
    if (!block) {
      block = { fields: new Map(), current: null, start: lineNo, bad: false };
      if (known !== "Topic") {
        problem(lineNo, "expected `Topic: <name>` as the first line of a block");
        block.current = "Summary"; // swallow the rest of this block without more noise
        return;
      }
    }
    if (block.current === "Summary" && (known === undefined || block.bad)) {
      // A summary runs to the end of the block, whatever its lines look like.
      const summary = block.fields.get("Summary");
      if (summary) summary.value = `${summary.value} ${line.trim()}`.trim();
      return;
    }
    if (keyMatch === null || key === undefined) {
      if (block.current === "Aliases") {
        const aliases = block.fields.get("Aliases") as Field;
        aliases.value = `${aliases.value} ${line.trim()}`;
        return;
      }
      problem(
        lineNo,
        block.current === "Topic"
          ? "expected `Aliases:` or `Summary:` after `Topic:` (the name is one line)"
          : "expected `Aliases:` or `Summary:`",
      );
      return;
    }
    if (known === undefined) {
      problem(lineNo, `unknown key "${key}:" (expected Topic:, Aliases: or Summary:)`);
      return;
    }
    if (block.current === "Summary") {
      problem(
        lineNo,
        `"${known}:" after Summary: (the summary runs to the end of the block; put ${known}: before it)`,
      );
      return;
    }
    if (block.fields.has(known)) {
      problem(
        lineNo,
        known === "Topic"
          ? "expected a blank line before the next `Topic:` (one topic per block)"
          : `"${known}:" is given twice in this block`,
      );
      return;
    }
    const value = (keyMatch[2] ?? "").trim();
    if (value === "" && known !== "Summary") {
      problem(lineNo, `expected a value after "${known}:"`);
    }
    block.fields.set(known, { value, line: lineNo });
    block.current = known;
  });
  finish();
  for (const description of descriptions) {
    if (description.summary === "") {
      issues.push({ source, line: description.line, message: "expected text after Summary:" });
    }
  }
  return descriptions.filter((d) => d.summary !== "");
}

/**
 * Parses description files and checks them together: a topic described twice, an alias given
 * twice, or an alias that is itself a described topic is refused. Throws PageFormatError
 * listing every issue of every file.
 */
export function parseTopicDescriptions(
  texts: { text: string; source: string }[],
): TopicDescription[] {
  const issues: PageIssue[] = [];
  const descriptions = texts.flatMap((t) => parseFile(t.text, t.source, issues));
  const topics = new Map<string, TopicDescription>();
  for (const description of descriptions) {
    const first = topics.get(description.slug);
    if (first) {
      issues.push({
        source: description.source,
        line: description.line,
        message: `topic "${description.slug}" is already described at ${first.source}:${first.line}`,
      });
    } else {
      topics.set(description.slug, description);
    }
  }
  const aliases = new Map<string, { source: string; line: number }>();
  for (const description of descriptions) {
    for (const alias of description.aliases) {
      const where = { source: description.source, line: alias.line };
      const described = topics.get(alias.slug);
      const earlier = aliases.get(alias.slug);
      if (described) {
        issues.push({
          ...where,
          message: `the alias "${alias.slug}" is a described topic (${described.source}:${described.line}); an alias names no topic of its own`,
        });
      } else if (earlier) {
        issues.push({
          ...where,
          message: `the alias "${alias.slug}" is already an alias at ${earlier.source}:${earlier.line}`,
        });
      } else {
        aliases.set(alias.slug, where);
      }
    }
  }
  if (issues.length > 0) throw new PageFormatError(issues);
  return descriptions;
}
