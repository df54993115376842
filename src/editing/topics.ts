import { sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/client.ts";
import { MAX_WEIGHT, TEXT_LIMITS } from "../domain/rules.ts";
import { lockPageWrites, syncPageEdges } from "../graph/page-edges.ts";
import { isSlug } from "../ingest/slug.ts";
import { recordChanges } from "./changes.ts";
import { IssueList, NotFoundError, ValidationError } from "./errors.ts";

interface TopicRow {
  id: number;
  slug: string;
  name: string;
  provisional: boolean;
}

/** Finds a topic by its slug or a former slug; throws NotFoundError naming the argument. */
async function topicBySlug(db: Db, slug: string, argument: string): Promise<TopicRow> {
  const [row] = await selectRows<TopicRow>(
    db,
    sql`SELECT t.id, t.slug, t.name, t.provisional FROM topics t
        WHERE t.slug = ${slug}
           OR t.id = (SELECT topic_id FROM topic_aliases WHERE slug = ${slug})
        LIMIT 1`,
  );
  if (!row) throw new NotFoundError(`topic (${argument})`, `"${slug}"`);
  return row;
}

function checkSlug(issues: IssueList, path: string, slug: string): void {
  if (!isSlug(slug) || slug.length > TEXT_LIMITS.slug) {
    issues.add(
      [path],
      `"${slug.slice(0, 100)}" is not a slug: lower-case letters and digits joined by single dashes`,
    );
  }
}

/** Creates a topic or renames/describes it; a named topic is no longer provisional. */
export async function upsertTopic(
  db: Db,
  actor: string,
  input: { slug: string; name: string; summary?: string | null },
): Promise<{ id: number; created: boolean }> {
  const issues = new IssueList();
  checkSlug(issues, "slug", input.slug);
  issues.text(["name"], input.name, 1, TEXT_LIMITS.name);
  if (/[\r\n]/.test(input.name)) issues.add(["name"], "must be one line");
  issues.text(["summary"], input.summary, 1, TEXT_LIMITS.summary);
  issues.throwIfAny();
  return db.transaction(async (tx) => {
    const [alias] = await selectRows<{ topic_id: number }>(
      tx,
      sql`SELECT topic_id FROM topic_aliases WHERE slug = ${input.slug}`,
    );
    if (alias) {
      throw new ValidationError([
        {
          path: ["slug"],
          message: `"${input.slug}" is a former slug of a merged topic; edit the topic it points to`,
        },
      ]);
    }
    const [row] = await selectRows<{ id: number; created: boolean }>(
      tx,
      sql`
        INSERT INTO topics (slug, name, summary, provisional)
        VALUES (${input.slug}, ${input.name.trim()}, ${input.summary?.trim() ?? null}, false)
        ON CONFLICT (slug) DO UPDATE SET
          name = EXCLUDED.name,
          summary = CASE WHEN ${input.summary === undefined} THEN topics.summary ELSE EXCLUDED.summary END,
          provisional = false,
          updated_at = now()
        RETURNING id, (xmax = 0) AS created
      `,
    );
    const result = row as { id: number; created: boolean };
    await recordChanges(tx, actor, [
      {
        action: result.created ? "topic.create" : "topic.update",
        subject: input.slug,
        summary: `${result.created ? "created" : "updated"} topic ${input.name.trim()}`,
        topicId: result.id,
      },
    ]);
    return result;
  });
}

/**
 * Folds a duplicate topic into a survivor: options, tags, editor edges and aliases move, the
 * duplicate's slug becomes an alias, page edges are rebuilt and affected comparisons bumped.
 */
export async function mergeTopics(
  db: Db,
  actor: string,
  input: { from: string; into: string },
): Promise<{ id: number }> {
  return db.transaction(async (tx) => {
    await lockPageWrites(tx);
    const from = await topicBySlug(tx, input.from, "from");
    const into = await topicBySlug(tx, input.into, "into");
    if (from.id === into.id) {
      throw new ValidationError([
        { path: ["from"], message: "a topic cannot be merged into itself" },
      ]);
    }
    const clashes = await selectRows<{ slug: string }>(
      tx,
      sql`SELECT c.slug FROM options a JOIN options b ON b.comparison_id = a.comparison_id
          JOIN comparisons c ON c.id = a.comparison_id
          WHERE a.topic_id = ${from.id} AND b.topic_id = ${into.id} ORDER BY c.slug`,
    );
    if (clashes.length > 0) {
      throw new ValidationError([
        {
          path: ["from"],
          message: `both topics are options of ${clashes.map((c) => c.slug).join(", ")}; a comparison cannot weigh a topic against itself`,
        },
      ]);
    }
    const affected = await selectRows<{ id: number; slug: string }>(
      tx,
      sql`SELECT DISTINCT c.id, c.slug FROM comparisons c JOIN topic_comparisons tc ON tc.comparison_id = c.id
          WHERE tc.topic_id = ${from.id} ORDER BY c.slug`,
    );
    const neighbours = await selectRows<{ topic_id: number }>(
      tx,
      sql`SELECT DISTINCT o.topic_id FROM options o JOIN option_tags t ON t.option_id = o.id
          WHERE t.topic_id = ${from.id}`,
    );
    await tx.execute(sql`UPDATE options SET topic_id = ${into.id} WHERE topic_id = ${from.id}`);
    // An option tagged with both keeps one tag: the survivor's.
    await tx.execute(sql`
      DELETE FROM option_tags t WHERE t.topic_id = ${from.id}
        AND EXISTS (SELECT 1 FROM option_tags u WHERE u.option_id = t.option_id AND u.topic_id = ${into.id})`);
    await tx.execute(sql`UPDATE option_tags SET topic_id = ${into.id} WHERE topic_id = ${from.id}`);
    // After the move: an option of either topic tagged with either one would now tag itself.
    await tx.execute(sql`DELETE FROM option_tags WHERE topic_id = ${into.id}
        AND option_id IN (SELECT id FROM options WHERE topic_id = ${into.id})`);
    // Editor edges move unless they would loop or repeat an editor edge the survivor has; over
    // a page edge of the survivor the editor's weight wins, as it does in linkTopics.
    await tx.execute(sql`
      INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)
      SELECT CASE WHEN from_topic_id = ${from.id} THEN ${into.id} ELSE from_topic_id END,
             CASE WHEN to_topic_id = ${from.id} THEN ${into.id} ELSE to_topic_id END,
             kind, weight, source
      FROM topic_relations
      WHERE source = 'EDITOR' AND (from_topic_id = ${from.id} OR to_topic_id = ${from.id})
        AND NOT (from_topic_id IN (${from.id}, ${into.id}) AND to_topic_id IN (${from.id}, ${into.id}))
      ON CONFLICT (from_topic_id, to_topic_id, kind)
      DO UPDATE SET weight = EXCLUDED.weight, source = 'EDITOR', updated_at = now()
      WHERE topic_relations.source = 'PAGE'`);
    await tx.execute(
      sql`UPDATE topic_aliases SET topic_id = ${into.id} WHERE topic_id = ${from.id}`,
    );
    await tx.execute(sql`UPDATE changes SET topic_id = ${into.id} WHERE topic_id = ${from.id}`);
    await tx.execute(sql`DELETE FROM topics WHERE id = ${from.id}`);
    await tx.execute(
      sql`INSERT INTO topic_aliases (slug, topic_id) VALUES (${from.slug}, ${into.id})`,
    );
    // The survivor changed (it took over the duplicate); a survivor known only from a tag takes
    // the duplicate's real name.
    const takeName = into.provisional && !from.provisional;
    await tx.execute(sql`UPDATE topics SET updated_at = now(),
          name = CASE WHEN ${takeName} THEN ${from.name} ELSE name END,
          provisional = provisional AND NOT ${takeName}
        WHERE id = ${into.id}`);
    await syncPageEdges(tx, [into.id, ...neighbours.map((n) => n.topic_id)]);
    const versions = new Map<number, number>();
    if (affected.length > 0) {
      const bumped = await selectRows<{ id: number; version: number }>(
        tx,
        sql`UPDATE comparisons SET version = version + 1, updated_at = now()
          WHERE id = ANY(${sql.param(affected.map((a) => a.id))}::int[]) RETURNING id, version`,
      );
      for (const row of bumped) versions.set(row.id, row.version);
    }
    await recordChanges(tx, actor, [
      {
        action: "topic.merge",
        subject: into.slug,
        summary: `merged ${from.slug} into ${into.slug}`,
        topicId: into.id,
      },
      ...affected.map((a) => ({
        action: "comparison.topicMerged",
        subject: a.slug,
        summary: `topic ${from.slug} merged into ${into.slug}`,
        comparisonId: a.id,
        version: versions.get(a.id) ?? null,
      })),
    ]);
    return { id: into.id };
  });
}

function checkEdgeInput(input: { from: string; to: string; weight?: number | null }): void {
  const issues = new IssueList();
  checkSlug(issues, "from", input.from);
  checkSlug(issues, "to", input.to);
  if (input.from === input.to) issues.add(["to"], "a topic cannot be related to itself");
  const weight = input.weight;
  if (
    weight !== undefined &&
    weight !== null &&
    !(Number.isFinite(weight) && weight > 0 && weight <= MAX_WEIGHT)
  ) {
    issues.add(["weight"], `must be greater than 0 and at most ${MAX_WEIGHT}`);
  }
  issues.throwIfAny();
}

/** Adds or reweights an editor's RELATED_TO edge; an edge pages assert becomes the editor's. */
export async function linkTopics(
  db: Db,
  actor: string,
  input: { from: string; to: string; weight?: number | null },
): Promise<{ fromId: number; toId: number; weight: number }> {
  checkEdgeInput(input);
  return db.transaction(async (tx) => {
    const from = await topicBySlug(tx, input.from, "from");
    const to = await topicBySlug(tx, input.to, "to");
    if (from.id === to.id) {
      throw new ValidationError([{ path: ["to"], message: "a topic cannot be related to itself" }]);
    }
    const weight = input.weight ?? 1;
    await tx.execute(sql`
      INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)
      VALUES (${from.id}, ${to.id}, 'RELATED_TO', ${weight}, 'EDITOR')
      ON CONFLICT (from_topic_id, to_topic_id, kind)
      DO UPDATE SET weight = EXCLUDED.weight, source = 'EDITOR', updated_at = now()`);
    await recordChanges(tx, actor, [
      {
        action: "topic.link",
        subject: from.slug,
        summary: `linked ${from.slug} → ${to.slug} (weight ${weight})`,
        topicId: from.id,
      },
    ]);
    return { fromId: from.id, toId: to.id, weight };
  });
}

/**
 * Removes an editor's RELATED_TO edge. An edge that pages assert is refused: it would come back
 * with the next import, so the pages are what to edit.
 */
export async function unlinkTopics(
  db: Db,
  actor: string,
  input: { from: string; to: string },
): Promise<{ fromId: number; toId: number }> {
  checkEdgeInput(input);
  return db.transaction(async (tx) => {
    const from = await topicBySlug(tx, input.from, "from");
    const to = await topicBySlug(tx, input.to, "to");
    const [edge] = await selectRows<{ id: number; source: string }>(
      tx,
      sql`SELECT id, source FROM topic_relations
          WHERE from_topic_id = ${from.id} AND to_topic_id = ${to.id} AND kind = 'RELATED_TO'`,
    );
    if (!edge) throw new NotFoundError("RELATED_TO edge", `${from.slug} → ${to.slug}`);
    const pages = await selectRows<{ slug: string }>(
      tx,
      sql`SELECT DISTINCT c.slug FROM option_tags t JOIN options o ON o.id = t.option_id
          JOIN comparisons c ON c.id = o.comparison_id
          WHERE o.topic_id = ${from.id} AND t.topic_id = ${to.id} ORDER BY c.slug`,
    );
    if (pages.length > 0) {
      throw new ValidationError([
        {
          path: ["to"],
          message: `the edge comes from the page(s) ${pages.map((p) => p.slug).join(", ")}; edit their Related to tags instead`,
        },
      ]);
    }
    await tx.execute(sql`DELETE FROM topic_relations WHERE id = ${edge.id}`);
    await recordChanges(tx, actor, [
      {
        action: "topic.unlink",
        subject: from.slug,
        summary: `unlinked ${from.slug} → ${to.slug}`,
        topicId: from.id,
      },
    ]);
    return { fromId: from.id, toId: to.id };
  });
}
