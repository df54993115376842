import { type SQL, sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/client.ts";
import { refreshPlannerStatistics } from "../db/statistics.ts";
import { MAX_OPTIONS, TEXT_LIMITS } from "../domain/rules.ts";
import { lockPageWrites, syncPageEdges } from "../graph/page-edges.ts";
import type { Page } from "./page.ts";
import { PageFormatError, type PageIssue } from "./page.ts";
import { comparisonSlug, slugify } from "./slug.ts";

export interface ImportResult {
  /** Slugs of comparisons that did not exist before. */
  created: string[];
  /** Slugs of comparisons whose content changed (their version was bumped). */
  updated: string[];
  /** Slugs of comparisons imported again without any change. */
  unchanged: string[];
  /** How many topics the import created (options and tags seen for the first time). */
  topicsCreated: number;
  /** Pages not written, to keep an edit made since the last guarded import (see `guardEdits`). */
  skipped: KeptEdit[];
  /** Pages written over such an edit because the import was forced; a subset of created/updated. */
  overwritten: KeptEdit[];
  /**
   * Why the upkeep after the commit (planner statistics, search index pending lists) failed, or
   * null: the import itself is committed either way, and autovacuum catches up later.
   */
  upkeepFailure: string | null;
}

/** A comparison changed by someone else since the last command-line import of its page. */
export interface KeptEdit {
  slug: string;
  /** `edited`: its version moved on since that import; `deleted`: it was deleted since. */
  reason: "edited" | "deleted";
  /** The version the last import left (null when none did), and the version now. */
  importedVersion: number | null;
  version: number | null;
}

export interface ImportOptions {
  /** Called after each chunk of pages is written, for progress output. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Command-line imports (`import`, `seed`): a page whose comparison was edited or deleted since
   * the last such import is skipped and reported, unless `force`; every page this import leaves
   * as its file says is marked as imported.
   */
  guardEdits?: { force: boolean };
  /** Pages written per chunk of statements (default 2000). */
  chunkPages?: number;
}

// Keeps each statement's JSON parameter to a few megabytes on big batches.
const CHUNK_PAGES = 2000;

interface PlannedTopic {
  slug: string;
  name: string;
  summary: string | null;
  provisional: boolean;
}

/** The name a topic known only from its tag slug carries until a page names it. */
export function provisionalName(slug: string): string {
  return slug
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

function json(value: unknown): SQL {
  return sql`${JSON.stringify(value)}::jsonb`;
}

/** Batch-level checks the parser cannot make on one page alone. */
function checkBatch(pages: Page[]): void {
  const issues: PageIssue[] = [];
  const seen = new Map<string, string>();
  for (const page of pages) {
    const slug = comparisonSlug(page.options.map((o) => o.name));
    const first = seen.get(slug);
    if (first !== undefined) {
      issues.push({
        source: page.source,
        line: 0,
        message: `comparison "${slug}" is also in ${first} of this batch; import each page once`,
      });
    }
    seen.set(slug, page.source);
    const problem = (message: string) => issues.push({ source: page.source, line: 0, message });
    if (page.options.length > MAX_OPTIONS) {
      problem(`expected at most ${MAX_OPTIONS} options, found ${page.options.length}`);
    }
    // The database's CHECKs, said here with the page's name instead of as a failed statement.
    if (page.category.length > TEXT_LIMITS.category) {
      problem(
        `the category is ${page.category.length} characters (at most ${TEXT_LIMITS.category})`,
      );
    }
    for (const option of page.options) {
      const optionSlug = slugify(option.name);
      if (option.name.length > TEXT_LIMITS.name || optionSlug.length > TEXT_LIMITS.slug) {
        problem(
          `the option name "${option.name.slice(0, 40)}…" is too long (at most ${TEXT_LIMITS.name} characters and a slug of ${TEXT_LIMITS.slug})`,
        );
      }
      for (const tag of option.relatedTo) {
        if (tag.length > TEXT_LIMITS.slug) {
          problem(
            `the related topic "${tag.slice(0, 40)}…" is longer than ${TEXT_LIMITS.slug} characters`,
          );
        }
      }
    }
    if (slug.length > TEXT_LIMITS.slug) {
      problem(
        `the option names make a comparison slug of ${slug.length} characters (at most ${TEXT_LIMITS.slug})`,
      );
    }
    if (page.title.length > TEXT_LIMITS.title) {
      problem(`the title is ${page.title.length} characters (at most ${TEXT_LIMITS.title})`);
    }
  }
  if (issues.length > 0) throw new PageFormatError(issues);
}

/**
 * Two options of one page can be one topic when a slug was merged into another since the page
 * was written: refused here, with the page's name, before the database would refuse it.
 */
function checkMergedTopics(pages: Page[], ids: Map<string, number>): void {
  const issues: PageIssue[] = [];
  for (const page of pages) {
    const seen = new Map<number, string>();
    for (const option of page.options) {
      const id = ids.get(slugify(option.name));
      if (id === undefined) continue;
      const other = seen.get(id);
      if (other !== undefined) {
        issues.push({
          source: page.source,
          line: 0,
          message: `the options "${other}" and "${option.name}" are one topic (one slug was merged into the other); a comparison needs distinct options`,
        });
      }
      seen.set(id, option.name);
    }
  }
  if (issues.length > 0) throw new PageFormatError(issues);
}

interface ExistingComparison {
  id: number;
  slug: string;
  fingerprint: string;
  version: number;
  importedVersion: number | null;
}

/**
 * Everything an import writes for one comparison, in a form two reads can be compared by. Slugs go
 * through `canonical`, so a page naming a topic that was merged away matches what is stored.
 */
function fingerprintPage(page: Page, canonical: Map<string, string>): string {
  const topic = (slug: string) => canonical.get(slug) ?? slug;
  return JSON.stringify([
    page.title,
    page.category,
    page.intro,
    topic(slugify(page.pick.name)),
    page.pick.summary,
    page.bottomLine,
    page.feedbackContact,
    page.options.map((o) => [
      topic(slugify(o.name)),
      o.name,
      o.summary,
      o.pros,
      o.cons,
      o.useIf,
      // As written: tags merged into one another, or into the option, count once or not at all.
      [...new Set(o.relatedTo.map(topic))].filter((tag) => tag !== topic(slugify(o.name))),
    ]),
  ]);
}

/** Former slugs (of merged topics) used by the pages, mapped to the slug of their survivor. */
async function loadAliases(db: Db, pages: Page[]): Promise<Map<string, string>> {
  const slugs = new Set<string>();
  for (const page of pages) {
    for (const option of page.options) {
      slugs.add(slugify(option.name));
      for (const tag of option.relatedTo) slugs.add(tag);
    }
  }
  const rows = await selectRows<{ slug: string; canonical: string }>(
    db,
    sql`SELECT a.slug, t.slug AS canonical FROM topic_aliases a JOIN topics t ON t.id = a.topic_id
        WHERE a.slug = ANY(${sql.param([...slugs])}::text[])`,
  );
  return new Map(rows.map((row) => [row.slug, row.canonical]));
}

/**
 * The stored comparisons among `slugs`, fingerprinted like fingerprintPage. One statement with one
 * array parameter, so a batch of any size stays under the drivers' limit of 65,535 parameters.
 */
async function loadExisting(db: Db, slugs: string[]): Promise<Map<string, ExistingComparison>> {
  const rows = await selectRows<{
    id: number;
    slug: string;
    version: number;
    imported_version: number | null;
    title: string;
    category: string;
    intro: string;
    pick_slug: string | null;
    pick_summary: string;
    bottom_line: string;
    feedback_contact: string | null;
    options: unknown[];
  }>(
    db,
    sql`
      SELECT c.id, c.slug, c.version, c.imported_version, c.title, c.category, c.intro, pt.slug AS pick_slug, c.pick_summary,
        c.bottom_line, c.feedback_contact,
        (SELECT json_agg(json_build_array(t.slug, o.name, o.summary, o.pros, o.cons, o.use_if,
            (SELECT coalesce(json_agg(tt.slug ORDER BY ot.position), '[]'::json)
             FROM option_tags ot JOIN topics tt ON tt.id = ot.topic_id
             WHERE ot.option_id = o.id))
          ORDER BY o.position)
         FROM options o JOIN topics t ON t.id = o.topic_id
         WHERE o.comparison_id = c.id) AS options
      FROM comparisons c
      LEFT JOIN options po ON po.id = c.pick_option_id
      LEFT JOIN topics pt ON pt.id = po.topic_id
      WHERE c.slug = ANY(${sql.param(slugs)}::text[])
    `,
  );
  const existing = new Map<string, ExistingComparison>();
  for (const row of rows) {
    const fingerprint = JSON.stringify([
      row.title,
      row.category,
      row.intro,
      row.pick_slug,
      row.pick_summary,
      row.bottom_line,
      row.feedback_contact,
      row.options ?? [],
    ]);
    existing.set(row.slug, {
      id: row.id,
      slug: row.slug,
      fingerprint,
      version: row.version,
      importedVersion: row.imported_version,
    });
  }
  return existing;
}

/** Slugs among `slugs` whose comparison was deleted after it last existed (by the change log). */
async function loadDeleted(db: Db, slugs: string[]): Promise<Map<string, number | null>> {
  if (slugs.length === 0) return new Map();
  const rows = await selectRows<{ subject: string; version: number | null }>(
    db,
    sql`
      SELECT subject, version FROM (
        SELECT DISTINCT ON (subject) subject, action, version FROM changes
        WHERE subject = ANY(${sql.param(slugs)}::text[]) AND action LIKE 'comparison.%'
        ORDER BY subject, id DESC
      ) latest
      WHERE action = 'comparison.delete'
    `,
  );
  return new Map(rows.map((r) => [r.subject, r.version]));
}

function planTopics(pages: Page[]): PlannedTopic[] {
  const topics = new Map<string, PlannedTopic>();
  for (const page of pages) {
    for (const option of page.options) {
      for (const tag of option.relatedTo) {
        if (!topics.has(tag)) {
          topics.set(tag, {
            slug: tag,
            name: provisionalName(tag),
            summary: null,
            provisional: true,
          });
        }
      }
    }
  }
  // Options after tags: a page that names a topic beats a tag that only mentions it. As across
  // imports, the latest page's name wins. An option's summary stays the option's: a topic's own
  // summary comes only from a topic description or an editor.
  for (const page of pages) {
    for (const option of page.options) {
      const slug = slugify(option.name);
      topics.set(slug, { slug, name: option.name, summary: null, provisional: false });
    }
  }
  return [...topics.values()];
}

/**
 * Writes topics and returns the id of every slug. Merged-away slugs resolve to their survivor;
 * a provisional topic takes the name of the first page that names it. A described topic (one
 * with its own summary, from a topic description or an editor) keeps its name.
 */
async function upsertTopics(
  db: Db,
  planned: PlannedTopic[],
): Promise<{ ids: Map<string, number>; created: number }> {
  const created = await selectRows<{ count: number }>(
    db,
    sql`
      WITH input AS (
        SELECT a.topic_id AS alias_of, r.*
        FROM jsonb_to_recordset(${json(planned)})
          AS r(slug text, name text, summary text, provisional boolean)
        LEFT JOIN topic_aliases a ON a.slug = r.slug
      ),
      renamed AS (
        UPDATE topics t
        SET name = i.name,
            provisional = false,
            updated_at = now()
        FROM input i
        WHERE i.alias_of IS NULL AND t.slug = i.slug AND NOT i.provisional AND t.summary IS NULL
          AND (t.provisional OR t.name <> i.name)
        RETURNING t.id
      ),
      inserted AS (
        INSERT INTO topics (slug, name, summary, provisional)
        SELECT slug, name, summary, provisional FROM input WHERE alias_of IS NULL
        ON CONFLICT (slug) DO NOTHING
        RETURNING id
      )
      SELECT (SELECT count(*) FROM inserted)::int AS count, (SELECT count(*) FROM renamed)::int AS renamed
    `,
  );
  const slugs = planned.map((t) => t.slug);
  const rows = await selectRows<{ slug: string; id: number }>(
    db,
    sql`
      SELECT t.slug, t.id FROM topics t WHERE t.slug = ANY(${sql.param(slugs)}::text[])
      UNION ALL
      SELECT a.slug, a.topic_id FROM topic_aliases a WHERE a.slug = ANY(${sql.param(slugs)}::text[])
    `,
  );
  return { ids: new Map(rows.map((r) => [r.slug, r.id])), created: created[0]?.count ?? 0 };
}

async function writeChunk(
  db: Db,
  pages: Page[],
  topicIds: Map<string, number>,
  existing: Map<string, ExistingComparison>,
): Promise<number[]> {
  const topicId = (slug: string): number => {
    const id = topicIds.get(slug);
    if (id === undefined) throw new Error(`topic "${slug}" was not written`);
    return id;
  };
  const comparisons = pages.map((page) => ({
    slug: comparisonSlug(page.options.map((o) => o.name)),
    title: page.title,
    category: page.category,
    intro: page.intro,
    pick_summary: page.pick.summary,
    bottom_line: page.bottomLine,
    feedback_contact: page.feedbackContact,
  }));
  const changedIds = comparisons.flatMap((c) => existing.get(c.slug)?.id ?? []);

  const written = await selectRows<{ id: number; slug: string }>(
    db,
    sql`
      INSERT INTO comparisons (slug, title, category, intro, pick_summary, bottom_line, feedback_contact)
      SELECT * FROM jsonb_to_recordset(${json(comparisons)}) AS r(
        slug text, title text, category text, intro text, pick_summary text, bottom_line text,
        feedback_contact text)
      ON CONFLICT (slug) DO UPDATE SET
        title = EXCLUDED.title, category = EXCLUDED.category, intro = EXCLUDED.intro,
        pick_summary = EXCLUDED.pick_summary, bottom_line = EXCLUDED.bottom_line,
        feedback_contact = EXCLUDED.feedback_contact, pick_option_id = NULL,
        version = comparisons.version + 1, updated_at = now()
      RETURNING id, slug
    `,
  );
  const comparisonId = new Map(written.map((r) => [r.slug, r.id]));

  const options = pages.flatMap((page, index) => {
    const cid = comparisonId.get(comparisons[index]?.slug ?? "");
    return page.options.map((option, position) => ({
      comparison_id: cid,
      topic_id: topicId(slugify(option.name)),
      name: option.name,
      position,
      summary: option.summary,
      pros: option.pros,
      cons: option.cons,
      use_if: option.useIf,
      // A tag whose slug was merged into another tag, or into the option itself, is said once.
      tags: [...new Set(option.relatedTo.map(topicId))].filter(
        (tag) => tag !== topicId(slugify(option.name)),
      ),
      is_pick: slugify(option.name) === slugify(page.pick.name),
    }));
  });

  let oldTopics: number[] = [];
  if (changedIds.length > 0) {
    const ids = sql`${sql.param(changedIds)}::int[]`;
    // Positions are unique per comparison; move the old ones out of the way of the new order.
    await db.execute(
      sql`UPDATE options SET position = position + ${MAX_OPTIONS} WHERE comparison_id = ANY(${ids})`,
    );
    const removed = await selectRows<{ topic_id: number }>(
      db,
      sql`
        DELETE FROM options o
        WHERE o.comparison_id = ANY(${ids})
          AND NOT EXISTS (
            SELECT 1 FROM jsonb_to_recordset(${json(options)}) AS r(comparison_id int, topic_id int)
            WHERE r.comparison_id = o.comparison_id AND r.topic_id = o.topic_id)
        RETURNING o.topic_id
      `,
    );
    oldTopics = removed.map((r) => r.topic_id);
  }

  const optionRows = await selectRows<{ id: number; comparison_id: number; position: number }>(
    db,
    sql`
      INSERT INTO options (comparison_id, topic_id, name, position, summary, pros, cons, use_if)
      SELECT comparison_id, topic_id, name, position, summary, pros, cons, use_if
      FROM jsonb_to_recordset(${json(options)}) AS r(
        comparison_id int, topic_id int, name text, position smallint, summary text,
        pros text[], cons text[], use_if text)
      ON CONFLICT (comparison_id, topic_id) DO UPDATE SET
        name = EXCLUDED.name, position = EXCLUDED.position, summary = EXCLUDED.summary,
        pros = EXCLUDED.pros, cons = EXCLUDED.cons, use_if = EXCLUDED.use_if, updated_at = now()
      RETURNING id, comparison_id, position
    `,
  );
  const optionId = new Map(optionRows.map((r) => [`${r.comparison_id}:${r.position}`, r.id]));
  const idOf = (o: (typeof options)[number]) => optionId.get(`${o.comparison_id}:${o.position}`);

  if (changedIds.length > 0) {
    await db.execute(sql`
      DELETE FROM option_tags t USING options o
      WHERE o.id = t.option_id AND o.comparison_id = ANY(${sql.param(changedIds)}::int[])
    `);
  }
  const tags = options.flatMap((o) =>
    o.tags.map((topic, position) => ({ option_id: idOf(o), position, topic_id: topic })),
  );
  if (tags.length > 0) {
    await db.execute(sql`
      INSERT INTO option_tags (option_id, position, topic_id)
      SELECT * FROM jsonb_to_recordset(${json(tags)}) AS r(option_id int, position smallint, topic_id int)
    `);
  }
  const picks = options
    .filter((o) => o.is_pick)
    .map((o) => ({ comparison_id: o.comparison_id, option_id: idOf(o) }));
  await db.execute(sql`
    UPDATE comparisons c SET pick_option_id = r.option_id
    FROM jsonb_to_recordset(${json(picks)}) AS r(comparison_id int, option_id int)
    WHERE c.id = r.comparison_id
  `);
  await refreshComparisonSearch(
    db,
    written.map((r) => r.id),
  );
  return [...oldTopics, ...options.map((o) => o.topic_id)];
}

/**
 * Rewrites the search rows of these comparisons (`comparison_search`: the full-text document and
 * the distinct words highlights read), in one statement. They span a comparison and its options,
 * so whatever writes page text calls this in the same transaction: the importer for every page it
 * writes, and `setPick`, which rewrites the pick summary and the bottom line.
 */
export async function refreshComparisonSearch(db: Db, ids: readonly number[]): Promise<void> {
  await db.execute(sql`
    INSERT INTO comparison_search (comparison_id, document, words)
    SELECT d.comparison_id, d.document, w.words
    FROM pickgraph_comparison_search_documents(${sql.param(ids)}::int[]) d
    JOIN pickgraph_comparison_search_words(${sql.param(ids)}::int[]) w USING (comparison_id)
    ON CONFLICT (comparison_id) DO UPDATE SET document = EXCLUDED.document, words = EXCLUDED.words
  `);
}

/**
 * Imports parsed pages in one transaction: all of them, or (on any error) none. A page whose
 * comparison exists is updated in place: same comparison and option ids, version bumped only
 * when its content changed, stale options, tags and derived edges removed.
 */
export async function importPages(
  db: Db,
  pages: Page[],
  options: ImportOptions = {},
): Promise<ImportResult> {
  checkBatch(pages);
  const imported = await db.transaction(async (tx) => {
    await lockPageWrites(tx);
    const slugs = pages.map((p) => comparisonSlug(p.options.map((o) => o.name)));
    const existing = await loadExisting(tx, slugs);
    const canonical = existing.size > 0 ? await loadAliases(tx, pages) : new Map<string, string>();
    const guard = options.guardEdits;
    const deleted = guard
      ? await loadDeleted(
          tx,
          slugs.filter((slug) => !existing.has(slug)),
        )
      : new Map<string, number | null>();
    const result: ImportResult = {
      created: [],
      updated: [],
      unchanged: [],
      topicsCreated: 0,
      skipped: [],
      overwritten: [],
      upkeepFailure: null,
    };
    const toWrite: Page[] = [];
    const kept = new Set<Page>();
    // Says whether the page may be written; records an edit it would overwrite.
    const mayOverwrite = (edit: KeptEdit | null, page: Page): boolean => {
      if (edit === null || !guard) return true;
      if (guard.force) {
        result.overwritten.push(edit);
        return true;
      }
      result.skipped.push(edit);
      kept.add(page);
      return false;
    };
    pages.forEach((page, index) => {
      const slug = slugs[index] as string;
      const before = existing.get(slug);
      if (before === undefined) {
        const deletedAt = deleted.get(slug);
        const edit: KeptEdit | null =
          deletedAt === undefined
            ? null
            : { slug, reason: "deleted", importedVersion: null, version: deletedAt };
        if (!mayOverwrite(edit, page)) return;
        result.created.push(slug);
        toWrite.push(page);
      } else if (before.fingerprint !== fingerprintPage(page, canonical)) {
        const edit: KeptEdit | null =
          before.importedVersion === before.version
            ? null
            : {
                slug,
                reason: "edited",
                importedVersion: before.importedVersion,
                version: before.version,
              };
        if (!mayOverwrite(edit, page)) return;
        result.updated.push(slug);
        toWrite.push(page);
      } else {
        result.unchanged.push(slug);
      }
    });
    // A skipped page renames no topic either: its option names stay as the edit left them.
    const topics = await upsertTopics(tx, planTopics(pages.filter((page) => !kept.has(page))));
    result.topicsCreated = topics.created;
    checkMergedTopics(toWrite, topics.ids);
    const touched = new Set<number>();
    const chunkPages = options.chunkPages ?? CHUNK_PAGES;
    if (!Number.isInteger(chunkPages) || chunkPages < 1) {
      throw new RangeError(`chunkPages must be a whole number of at least 1, got ${chunkPages}`);
    }
    for (let start = 0; start < toWrite.length; start += chunkPages) {
      const chunk = toWrite.slice(start, start + chunkPages);
      for (const id of await writeChunk(tx, chunk, topics.ids, existing)) touched.add(id);
      options.onProgress?.(Math.min(start + chunkPages, toWrite.length), toWrite.length);
    }
    await syncPageEdges(tx, [...touched]);
    if (guard) {
      const asImported = [...result.created, ...result.updated, ...result.unchanged];
      await tx.execute(sql`
        UPDATE comparisons SET imported_version = version
        WHERE slug = ANY(${sql.param(asImported)}::text[])
          AND imported_version IS DISTINCT FROM version
      `);
    }
    return result;
  });
  // issue 9: a large import leaves planner statistics current (see refreshPlannerStatistics).
  // It runs after the commit, so its failure (a role that does not own the indexes, say) must not
  // turn a committed import into a reported failure.
  try {
    await refreshPlannerStatistics(db, imported.created.length + imported.updated.length);
  } catch (error) {
    imported.upkeepFailure = error instanceof Error ? error.message : String(error);
  }
  return imported;
}
