import { isDeepStrictEqual } from "node:util";
import { sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/client.ts";
import { MAX_OPTIONS, MIN_OPTIONS, TEXT_LIMITS, unstorableText } from "../domain/rules.ts";
import { lockPageWrites, syncPageEdges } from "../graph/page-edges.ts";
import { loadComparisonPage } from "../ingest/export-pages.ts";
import { type ImportResult, importPages, refreshComparisonSearch } from "../ingest/import-pages.ts";
import {
  checkAliasesAgainstPages,
  type DescriptionImportResult,
  importTopicDescriptions,
} from "../ingest/import-topics.ts";
import { type Page, PageFormatError } from "../ingest/page.ts";
import { parsePage, parsePages } from "../ingest/parse-page.ts";
import { parseTopicDescriptions, type TopicDescription } from "../ingest/parse-topics.ts";
import { renderPage } from "../ingest/render-page.ts";
import { comparisonSlug, isSlug, slugify } from "../ingest/slug.ts";
import { recordChanges } from "./changes.ts";
import { ConflictError, IssueList, NotFoundError, ValidationError } from "./errors.ts";

export interface OptionInput {
  name: string;
  summary: string;
  pros?: string[] | null;
  cons?: string[] | null;
  /** Topic slugs (or names, slugified) this option is related to, in order. */
  relatedTo?: string[] | null;
  useIf?: string | null;
}

export interface ComparisonInput {
  category: string;
  intro: string;
  options: OptionInput[];
  /** The picked option, by name or slug. */
  pick: string;
  /** Defaults to the picked option's summary. */
  pickSummary?: string | null;
  bottomLine: string;
  feedbackContact?: string | null;
}

/** Limits of structured edits: the database's (TEXT_LIMITS) and those of the page format. */
export const LIMITS = {
  category: TEXT_LIMITS.category,
  intro: 10_000,
  name: TEXT_LIMITS.name,
  summary: TEXT_LIMITS.summary,
  point: 1_000,
  points: 20,
  tags: 10,
  useIf: 2_000,
  bottomLine: 10_000,
  contact: 200,
  pagesPerImport: 1_000,
  pageText: 100_000,
  slug: TEXT_LIMITS.slug,
  title: TEXT_LIMITS.title,
} as const;

const singleLine = (value: string | null | undefined) => !value || !/[\r\n]/.test(value);

function slugOrNull(name: string): string | null {
  try {
    return slugify(name);
  } catch {
    return null;
  }
}

/** Checks a structured comparison and turns it into the page it stands for. */
export function comparisonPage(input: ComparisonInput): Omit<Page, "source"> {
  const issues = new IssueList();
  issues.text(["category"], input.category, 1, LIMITS.category);
  if (!singleLine(input.category)) issues.add(["category"], "must be one line");
  issues.text(["intro"], input.intro, 1, LIMITS.intro);
  issues.text(["bottomLine"], input.bottomLine, 1, LIMITS.bottomLine);
  issues.text(["pickSummary"], input.pickSummary, 1, LIMITS.summary);
  issues.text(["feedbackContact"], input.feedbackContact, 1, LIMITS.contact);
  if (!singleLine(input.feedbackContact)) issues.add(["feedbackContact"], "must be one line");
  if (input.options.length < MIN_OPTIONS || input.options.length > MAX_OPTIONS) {
    issues.add(
      ["options"],
      `needs ${MIN_OPTIONS} to ${MAX_OPTIONS} options (got ${input.options.length})`,
    );
  }
  const seen = new Map<string, number>();
  input.options.forEach((option, i) => {
    const at = (...rest: (string | number)[]) => ["options", i, ...rest];
    issues.text(at("name"), option.name, 1, LIMITS.name);
    if (!singleLine(option.name)) issues.add(at("name"), "must be one line");
    const slug = slugOrNull(option.name);
    if (option.name.trim() !== "" && slug === null) {
      issues.add(at("name"), `"${option.name}" has no letters or digits to make a slug from`);
    }
    if (slug !== null && slug.length > LIMITS.slug && option.name.length <= LIMITS.name) {
      issues.add(
        at("name"),
        `makes a topic slug of ${slug.length} characters (at most ${LIMITS.slug}): shorten the name`,
      );
    }
    if (slug !== null) {
      const first = seen.get(slug);
      if (first !== undefined) {
        issues.add(
          at("name"),
          `is the same topic (${slug}) as option ${first + 1}; options must be distinct`,
        );
      }
      seen.set(slug, i);
    }
    issues.text(at("summary"), option.summary, 1, LIMITS.summary);
    for (const kind of ["pros", "cons"] as const) {
      const points = option[kind] ?? [];
      if (points.length > LIMITS.points) issues.add(at(kind), `at most ${LIMITS.points} points`);
      points.forEach((point, j) => {
        issues.text(at(kind, j), point, 1, LIMITS.point);
        if (!singleLine(point)) issues.add(at(kind, j), "must be one line");
      });
    }
    const tags = option.relatedTo ?? [];
    if (tags.length > LIMITS.tags) issues.add(at("relatedTo"), `at most ${LIMITS.tags} topics`);
    tags.forEach((tag, j) => {
      const tagSlug = isSlug(tag) ? tag : slugOrNull(tag);
      if (tagSlug === null) issues.add(at("relatedTo", j), `"${tag}" is not a topic slug`);
      else if (tagSlug.length > LIMITS.slug)
        issues.add(at("relatedTo", j), `a topic slug is at most ${LIMITS.slug} characters`);
      else if (tagSlug === slug)
        issues.add(at("relatedTo", j), "an option cannot be related to itself");
    });
    issues.text(at("useIf"), option.useIf, 1, LIMITS.useIf);
    if (!singleLine(option.useIf)) issues.add(at("useIf"), "must be one line");
  });
  const slugs = input.options.map((o) => slugOrNull(o.name));
  if (slugs.every((slug) => slug !== null && slug.length <= LIMITS.slug)) {
    const length =
      slugs.reduce((sum, slug) => sum + (slug?.length ?? 0), 0) + 4 * (slugs.length - 1);
    if (length > LIMITS.slug) {
      issues.add(
        ["options"],
        `the option names make a comparison slug of ${length} characters (at most ${LIMITS.slug}): shorten them`,
      );
    }
  }
  const title = input.options.map((o) => o.name.trim()).join(" vs ");
  if (title.length > LIMITS.title) {
    issues.add(
      ["options"],
      `the option names make a title of ${title.length} characters (at most ${LIMITS.title}): shorten them`,
    );
  }
  const pickSlug = slugOrNull(input.pick);
  const picked = input.options.find((o) => pickSlug !== null && slugOrNull(o.name) === pickSlug);
  if (!picked) issues.add(["pick"], `"${input.pick}" is not one of the options`);
  issues.throwIfAny();

  const page: Omit<Page, "source"> = {
    category: input.category.trim(),
    title,
    intro: input.intro.trim(),
    pick: {
      name: (picked as OptionInput).name.trim(),
      summary: (input.pickSummary ?? (picked as OptionInput).summary).trim(),
    },
    options: input.options.map((o) => ({
      name: o.name.trim(),
      summary: o.summary.trim(),
      pros: (o.pros ?? []).map((p) => p.trim()),
      cons: (o.cons ?? []).map((c) => c.trim()),
      relatedTo: [...new Set((o.relatedTo ?? []).map((t) => (isSlug(t) ? t : slugify(t))))],
      useIf: o.useIf?.trim() || null,
    })),
    bottomLine: input.bottomLine.trim(),
    feedbackContact: input.feedbackContact?.trim() || null,
  };
  // Whatever is stored must export as a page that reads back the same.
  try {
    const { source: _source, ...reparsed } = parsePage(renderPage(page), "input");
    if (!isDeepStrictEqual(reparsed, page)) {
      throw new ValidationError([
        { path: [], message: "the content cannot be written as a page without changing it" },
      ]);
    }
  } catch (error) {
    if (error instanceof PageFormatError) {
      throw new ValidationError(error.issues.map((i) => ({ path: [], message: i.message })));
    }
    throw error;
  }
  return page;
}

/** Writes one checked page; what only the importer can see (merged slugs) is a ValidationError. */
async function writePage(db: Db, page: Omit<Page, "source">): Promise<ImportResult> {
  try {
    return await importPages(db, [{ ...page, source: "input" }]);
  } catch (error) {
    if (error instanceof PageFormatError) {
      throw new ValidationError(
        error.issues.map((i) => ({ path: ["options"], message: i.message })),
      );
    }
    throw error;
  }
}

async function lockComparison(db: Db, id: number, expectedVersion: number | null) {
  const [row] = await selectRows<{ slug: string; version: number }>(
    db,
    sql`SELECT slug, version FROM comparisons WHERE id = ${id} FOR UPDATE`,
  );
  if (!row) throw new NotFoundError("comparison with id", String(id));
  if (expectedVersion !== null && row.version !== expectedVersion) {
    throw new ConflictError(
      `comparison ${row.slug} is at version ${row.version}, not ${expectedVersion}: read it again and reapply your change`,
      row.version,
    );
  }
  return row;
}

/**
 * Serialises writers that are about to give a comparison this slug (create, or an update that
 * renames): the importer upserts by slug, so two of them racing past the existence check would
 * otherwise have the second silently overwrite the first. Held until the transaction ends.
 */
async function lockSlug(db: Db, slug: string): Promise<void> {
  await db.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`comparison:${slug}`}, 0))`);
}

async function versionOf(db: Db, id: number): Promise<number> {
  const [row] = await selectRows<{ version: number }>(
    db,
    sql`SELECT version FROM comparisons WHERE id = ${id}`,
  );
  return row?.version ?? 0;
}

async function idOfSlug(db: Db, slug: string): Promise<number> {
  const [row] = await selectRows<{ id: number }>(
    db,
    sql`SELECT id FROM comparisons WHERE slug = ${slug}`,
  );
  if (!row) throw new Error(`comparison ${slug} vanished inside its own transaction`);
  return row.id;
}

/** Imports page texts as one batch (all or nothing) and logs each created or changed page. */
/** History for topics a description file created or changed, and for aliases folded in. */
async function recordDescriptionChanges(
  db: Db,
  actor: string,
  described: DescriptionImportResult,
): Promise<void> {
  const changed = [...described.created, ...described.updated];
  if (changed.length === 0) return;
  const rows = await selectRows<{ id: number; slug: string }>(
    db,
    sql`SELECT id, slug FROM topics WHERE slug = ANY(${sql.param(changed)}::text[]) ORDER BY slug`,
  );
  const created = new Set(described.created);
  await recordChanges(
    db,
    actor,
    rows.map((r) => ({
      action: created.has(r.slug) ? "topic.describe.create" : "topic.describe.update",
      subject: r.slug,
      summary: created.has(r.slug) ? "described a new topic" : "described the topic anew",
      topicId: r.id,
    })),
  );
}

/** A page-format problem as `file:line: message` (without the line when it has none). */
function located(issue: { source: string; line: number; message: string }): string {
  return issue.line > 0
    ? `${issue.source}:${issue.line}: ${issue.message}`
    : `${issue.source}: ${issue.message}`;
}

export async function importPageTexts(
  db: Db,
  actor: string,
  texts: { text: string; source: string }[],
  options: {
    maxPages?: number;
    onProgress?: (done: number, total: number) => void;
    /** Topic description files, written first in the same transaction. */
    descriptions?: { text: string; source: string }[];
    /** Command-line imports: keep edits made since the last one (see ImportOptions). */
    guardEdits?: { force: boolean };
  } = {},
): Promise<ImportResult & { descriptions?: DescriptionImportResult }> {
  const maxPages = options.maxPages ?? LIMITS.pagesPerImport;
  const issues = new IssueList();
  if (texts.length === 0 && !options.descriptions?.length) {
    issues.add(["pages"], "give at least one page");
  }
  if (texts.length > maxPages) {
    issues.add(
      ["pages"],
      `at most ${LIMITS.pagesPerImport} pages per import (got ${texts.length})`,
    );
  }
  texts.forEach((t, i) => {
    if (t.text.length > LIMITS.pageText) {
      issues.add(["pages", i], `a page is at most ${LIMITS.pageText} characters`);
    }
    const unstorable = unstorableText(t.text);
    if (unstorable) issues.add(["pages", i], `a page ${unstorable}`);
  });
  issues.throwIfAny();
  let pages: Page[];
  let descriptions: TopicDescription[] = [];
  try {
    descriptions = parseTopicDescriptions(options.descriptions ?? []);
    pages = parsePages(texts);
    checkAliasesAgainstPages(descriptions, pages);
  } catch (error) {
    if (!(error instanceof PageFormatError)) throw error;
    const index = new Map(texts.map((t, i) => [t.source, i]));
    throw new ValidationError(
      error.issues.map((i) => ({
        path: ["pages", index.get(i.source) ?? -1],
        message: located(i),
      })),
    );
  }
  return db.transaction(async (tx) => {
    await lockPageWrites(tx);
    let result: ImportResult & { descriptions?: DescriptionImportResult };
    let described: DescriptionImportResult | undefined;
    try {
      described =
        descriptions.length > 0 ? await importTopicDescriptions(tx, descriptions) : undefined;
      if (described) await recordDescriptionChanges(tx, actor, described);
      result = await importPages(tx, pages, {
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.guardEdits ? { guardEdits: options.guardEdits } : {}),
      });
    } catch (error) {
      if (error instanceof PageFormatError) {
        throw new ValidationError(
          error.issues.map((i) => ({ path: ["pages"], message: located(i) })),
        );
      }
      throw error;
    }
    if (described) result = { ...result, descriptions: described };
    const touched = [...result.created, ...result.updated];
    const rows = touched.length
      ? await selectRows<{ id: number; slug: string; version: number }>(
          tx,
          sql`SELECT id, slug, version FROM comparisons WHERE slug = ANY(${sql.param(touched)}::text[])`,
        )
      : [];
    const created = new Set(result.created);
    const overwritten = new Map(result.overwritten.map((edit) => [edit.slug, edit]));
    await recordChanges(
      tx,
      actor,
      rows.map((r) => {
        const edit = overwritten.get(r.slug);
        if (edit) {
          return {
            action: "comparison.import.overwrite",
            subject: r.slug,
            summary:
              edit.reason === "deleted"
                ? "imported a page deleted since its last import again (forced)"
                : `imported a page over the edits made since version ${edit.importedVersion ?? "(never imported)"} (forced)`,
            comparisonId: r.id,
            version: r.version,
          };
        }
        return {
          action: created.has(r.slug) ? "comparison.import.create" : "comparison.import.update",
          subject: r.slug,
          summary: created.has(r.slug) ? "imported a new page" : "imported a changed page",
          comparisonId: r.id,
          version: r.version,
        };
      }),
    );
    return result;
  });
}

export async function createComparison(
  db: Db,
  actor: string,
  input: ComparisonInput,
): Promise<number> {
  const page = comparisonPage(input);
  const slug = comparisonSlug(page.options.map((o) => o.name));
  return db.transaction(async (tx) => {
    // Always the page-write lock first, then rows: one order everywhere, so writers never deadlock.
    await lockPageWrites(tx);
    await lockSlug(tx, slug);
    const [existing] = await selectRows<{ id: number }>(
      tx,
      sql`SELECT id FROM comparisons WHERE slug = ${slug} FOR UPDATE`,
    );
    if (existing) throw new ConflictError(`a comparison with the slug ${slug} already exists`);
    await writePage(tx, page);
    const id = await idOfSlug(tx, slug);
    await recordChanges(tx, actor, [
      {
        action: "comparison.create",
        subject: slug,
        summary: `created "${page.title}"`,
        comparisonId: id,
        version: 1,
      },
    ]);
    return id;
  });
}

export type ComparisonPatch = Partial<ComparisonInput>;

function describePatch(patch: ComparisonPatch): string {
  const fields = Object.entries(patch)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key);
  return fields.length ? `updated ${fields.join(", ")}` : "no fields given";
}

/**
 * Applies a patch to a comparison at `expectedVersion`. Fields left out keep their value; a new
 * `options` list replaces the old one (options keep their ids when their topic stays).
 */
export async function updateComparison(
  db: Db,
  actor: string,
  id: number,
  expectedVersion: number,
  patch: ComparisonPatch,
): Promise<{ id: number; changed: boolean }> {
  return db.transaction(async (tx) => {
    await lockPageWrites(tx);
    const locked = await lockComparison(tx, id, expectedVersion);
    const current = await loadComparisonPage(tx, id);
    if (!current) throw new NotFoundError("comparison with id", String(id));
    const base: ComparisonInput = {
      category: current.page.category,
      intro: current.page.intro,
      options: current.page.options,
      pick: current.page.pick.name,
      pickSummary: current.page.pick.summary,
      bottomLine: current.page.bottomLine,
      feedbackContact: current.page.feedbackContact,
    };
    const merged: ComparisonInput = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
    }
    // A pick summary tied to the old pick follows the new pick unless the patch gives one.
    if (patch.pick !== undefined && patch.pickSummary === undefined) merged.pickSummary = null;
    const page = comparisonPage(merged);
    const slug = comparisonSlug(page.options.map((o) => o.name));
    // The same page as stored: nothing to write. (Asking the importer instead would see a change
    // wherever an option's name still slugifies to a topic since merged away.)
    if (slug === locked.slug && isDeepStrictEqual(page, current.page))
      return { id, changed: false };
    if (slug !== locked.slug) {
      await lockSlug(tx, slug);
      const [clash] = await selectRows<{ id: number }>(
        tx,
        sql`SELECT id FROM comparisons WHERE slug = ${slug}`,
      );
      if (clash) throw new ConflictError(`another comparison already has the slug ${slug}`);
      await tx.execute(sql`UPDATE comparisons SET slug = ${slug} WHERE id = ${id}`);
    }
    const result = await writePage(tx, page);
    const changed = result.updated.length > 0 || slug !== locked.slug;
    if (changed && result.updated.length === 0) {
      await tx.execute(
        sql`UPDATE comparisons SET version = version + 1, updated_at = now() WHERE id = ${id}`,
      );
    }
    if (changed) {
      await recordChanges(tx, actor, [
        {
          action: "comparison.update",
          subject: slug,
          summary: describePatch(patch),
          comparisonId: id,
          version: await versionOf(tx, id),
        },
      ]);
    }
    return { id, changed };
  });
}

export async function setPick(
  db: Db,
  actor: string,
  comparisonId: number,
  optionId: number,
  expectedVersion: number,
  bottomLine?: string | null,
): Promise<number> {
  return db.transaction(async (tx) => {
    const locked = await lockComparison(tx, comparisonId, expectedVersion);
    const [option] = await selectRows<{ name: string; comparison_id: number }>(
      tx,
      sql`SELECT name, comparison_id FROM options WHERE id = ${optionId}`,
    );
    if (!option) throw new NotFoundError("option with id", String(optionId));
    if (option.comparison_id !== comparisonId) {
      throw new ValidationError([
        { path: ["optionId"], message: `option ${option.name} belongs to another comparison` },
      ]);
    }
    const current = await loadComparisonPage(tx, comparisonId);
    if (!current) throw new NotFoundError("comparison with id", String(comparisonId));
    // The same checks as any edit, export round trip included, on the page as it will be.
    comparisonPage({
      category: current.page.category,
      intro: current.page.intro,
      options: current.page.options,
      pick: option.name,
      pickSummary: null,
      bottomLine: bottomLine ?? current.page.bottomLine,
      feedbackContact: current.page.feedbackContact,
    });
    // Stored trimmed, like every other text; picking the current pick again changes nothing.
    const [updated] = await selectRows<{ version: number }>(
      tx,
      sql`
      WITH next AS (
        SELECT (SELECT summary FROM options WHERE id = ${optionId}) AS pick_summary,
               coalesce(${bottomLine?.trim() ?? null}::text, c.bottom_line) AS bottom_line
        FROM comparisons c WHERE c.id = ${comparisonId}
      )
      UPDATE comparisons c
      SET pick_option_id = ${optionId}, pick_summary = next.pick_summary,
          bottom_line = next.bottom_line, version = c.version + 1, updated_at = now()
      FROM next
      WHERE c.id = ${comparisonId}
        AND (c.pick_option_id IS DISTINCT FROM ${optionId} OR c.pick_summary <> next.pick_summary
             OR c.bottom_line <> next.bottom_line)
      RETURNING c.version
    `,
    );
    if (updated) {
      // The pick summary and the bottom line are searched and highlighted (issue 11).
      await refreshComparisonSearch(tx, [comparisonId]);
      await recordChanges(tx, actor, [
        {
          action: "comparison.setPick",
          subject: locked.slug,
          summary: `picked ${option.name}`,
          comparisonId,
          version: updated.version,
        },
      ]);
    }
    return comparisonId;
  });
}

/** Deletes a comparison with its options and their edges; topics stay, as other pages use them. */
export async function deleteComparison(
  db: Db,
  actor: string,
  id: number,
  expectedVersion: number | null,
): Promise<{ id: number; slug: string }> {
  return db.transaction(async (tx) => {
    await lockPageWrites(tx);
    const locked = await lockComparison(tx, id, expectedVersion);
    const topics = await selectRows<{ topic_id: number }>(
      tx,
      sql`SELECT topic_id FROM options WHERE comparison_id = ${id}`,
    );
    await recordChanges(tx, actor, [
      {
        action: "comparison.delete",
        subject: locked.slug,
        summary: `deleted ${locked.slug}`,
        comparisonId: null,
        version: locked.version,
      },
    ]);
    await tx.execute(sql`DELETE FROM comparisons WHERE id = ${id}`);
    await syncPageEdges(
      tx,
      topics.map((t) => t.topic_id),
    );
    return { id, slug: locked.slug };
  });
}
