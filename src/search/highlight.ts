import { slugify } from "../ingest/slug.ts";
import type { SearchQuery } from "./query.ts";

export interface SearchHighlightFragment {
  text: string;
  match: boolean;
}

export interface SearchHighlight {
  /** `name`, `summary` (topics, options), `title`, `intro`, `pros`, `cons` or `verdict`. */
  field: string;
  /** The field's whole text in order; `match` marks the words the query matched. */
  fragments: SearchHighlightFragment[];
}

const START = "\u0002";
const STOP = "\u0003";
/** Fields that always come back (a result's own label), highlighted or not. */
const LABEL_FIELDS = new Set(["name", "title"]);

/**
 * Turns a `ts_headline` text (matches wrapped in START/STOP) into fragments. Names and titles
 * that full-text matching could not mark (a typo, `Node.js` read by the parser as one token) get
 * their words marked here: a word whose slug segments hold a query word (or start with the word
 * being typed), or whose trigram similarity to a query word is high. Other fields come back only
 * when something in them matched; null drops the field.
 */
export function highlightField(
  field: string,
  marked: string,
  query: SearchQuery,
): SearchHighlight | null {
  const fragments: SearchHighlightFragment[] = [];
  for (const [index, part] of marked.split(START).entries()) {
    if (index === 0) {
      push(fragments, part, false);
      continue;
    }
    const stop = part.indexOf(STOP);
    if (stop === -1) {
      push(fragments, part, false);
      continue;
    }
    push(fragments, part.slice(0, stop), true);
    push(fragments, part.slice(stop + 1), false);
  }
  const matched = fragments.some((f) => f.match);
  if (!LABEL_FIELDS.has(field)) return matched ? { field, fragments } : null;
  if (matched) return { field, fragments: widenToWords(fragments) };
  const text = fragments.map((f) => f.text).join("");
  return { field, fragments: markWords(text, query) };
}

/**
 * In a name or title a matched token marks its whole word: the parser matches `C` of `C#`, but
 * the reader typed `c#`.
 */
function widenToWords(fragments: SearchHighlightFragment[]): SearchHighlightFragment[] {
  const chars: { ch: string; match: boolean }[] = [];
  for (const f of fragments) for (const ch of f.text) chars.push({ ch, match: f.match });
  const widened: SearchHighlightFragment[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = start;
    const space = /\s/.test(chars[start]?.ch ?? "");
    while (end < chars.length && /\s/.test(chars[end]?.ch ?? "") === space) end += 1;
    const word = chars.slice(start, end);
    push(widened, word.map((c) => c.ch).join(""), !space && word.some((c) => c.match));
    start = end;
  }
  return widened;
}

function push(fragments: SearchHighlightFragment[], text: string, match: boolean): void {
  if (text === "") return;
  const last = fragments[fragments.length - 1];
  if (last && last.match === match) last.text += text;
  else fragments.push({ text, match });
}

/** Marks whitespace-separated words of a name or title that a query word reaches. */
function markWords(text: string, query: SearchQuery): SearchHighlightFragment[] {
  const fragments: SearchHighlightFragment[] = [];
  for (const piece of text.split(/(\s+)/)) {
    push(fragments, piece, piece.trim() !== "" && wordMatches(piece, query));
  }
  return fragments;
}

function wordMatches(word: string, query: SearchQuery): boolean {
  let segments: string[];
  try {
    segments = slugify(word).split("-");
  } catch {
    return false; // punctuation only, e.g. `-` or `vs.` leftovers
  }
  const typed = query.terms[query.terms.length - 1] ?? "";
  return segments.some(
    (segment) =>
      query.terms.includes(segment) ||
      (typed.length >= 2 && segment.startsWith(typed)) ||
      query.terms.some((term) => term.length >= 4 && trigramSimilarity(term, segment) >= 0.4),
  );
}

/** pg_trgm's similarity of two words: shared trigrams over all trigrams, words padded as it pads them. */
export function trigramSimilarity(a: string, b: string): number {
  const left = trigrams(a);
  const right = trigrams(b);
  let shared = 0;
  for (const t of left) if (right.has(t)) shared += 1;
  const union = left.size + right.size - shared;
  return union === 0 ? 0 : shared / union;
}

function trigrams(word: string): Set<string> {
  const padded = `  ${word} `;
  const set = new Set<string>();
  for (let i = 0; i + 3 <= padded.length; i += 1) set.add(padded.slice(i, i + 3));
  return set;
}
