import { type SQL, sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/client.ts";
import { lockPageWrites, syncPageEdges } from "../graph/page-edges.ts";
import type { Page } from "./page.ts";
import { PageFormatError, type PageIssue } from "./page.ts";
import type { TopicDescription } from "./parse-topics.ts";
import { slugify } from "./slug.ts";

export interface DescriptionImportResult {
  /** Slugs of described topics that did not exist before. */
  created: string[];
  /** Slugs of topics whose name or summary changed (or that stopped being provisional). */
  updated: string[];
  /** Slugs of described topics already exactly as described. */
  unchanged: string[];
  /** Aliases written for the first time. */
  aliasesAdded: string[];
  /** Aliases that were topics of their own (known only from tags) and were folded in. */
  folded: string[];
}

function json(value: unknown): SQL {
  return sql`${JSON.stringify(value)}::jsonb`;
}

/**
 * Aliases the pages of the same batch use as an option: an option is a topic of its own, so it
 * cannot also be another topic's alias. Refused with the page and the alias's line.
 */
export function checkAliasesAgainstPages(descriptions: TopicDescription[], pages: Page[]): void {
  const aliases = new Map<string, { source: string; line: number; topic: string }>();
  for (const d of descriptions) {
    for (const a of d.aliases)
      aliases.set(a.slug, { source: d.source, line: a.line, topic: d.slug });
  }
  const issues: PageIssue[] = [];
  for (const page of pages) {
    for (const option of page.options) {
      const alias = aliases.get(slugify(option.name));
      if (alias) {
        issues.push({
          source: alias.source,
          line: alias.line,
          message: `the alias "${slugify(option.name)}" of "${alias.topic}" is an option of the page ${page.source}; an option is a topic of its own`,
        });
      }
    }
  }
  if (issues.length > 0) throw new PageFormatError(issues);
}

/**
 * Writes topic descriptions in one transaction: each described topic gets its name and summary
 * (created, or updated in place with the same id), and each alias resolves to its topic through
 * `topic_aliases`, the same mechanism that keeps merged topics' former slugs working. An alias
 * that is already a topic known only from tags is folded into the described topic: its tags move
 * and the page edges around it are rebuilt. Writing the same descriptions again changes nothing.
 * Refused (PageFormatError, `file:line`): an alias that is an option of a stored page or already
 * an alias of another topic, a described topic whose slug was merged into another.
 */
export async function importTopicDescriptions(
  db: Db,
  descriptions: TopicDescription[],
): Promise<DescriptionImportResult> {
  return db.transaction(async (tx) => {
    await lockPageWrites(tx);
    const result: DescriptionImportResult = {
      created: [],
      updated: [],
      unchanged: [],
      aliasesAdded: [],
      folded: [],
    };
    if (descriptions.length === 0) return result;
    const aliasRows = descriptions.flatMap((d) =>
      d.aliases.map((a) => ({ alias: a.slug, topic: d.slug, source: d.source, line: a.line })),
    );
    const where = new Map(aliasRows.map((a) => [a.alias, a]));
    const issues: PageIssue[] = [];

    // What the stored graph says about every slug involved, in one statement.
    const known = await selectRows<{
      slug: string;
      is_option: boolean;
      alias_of: string | null;
    }>(
      tx,
      sql`
        SELECT s.slug,
          EXISTS (SELECT 1 FROM topics t JOIN options o ON o.topic_id = t.id WHERE t.slug = s.slug)
            AS is_option,
          (SELECT t.slug FROM topic_aliases a JOIN topics t ON t.id = a.topic_id
           WHERE a.slug = s.slug) AS alias_of
        FROM unnest(${sql.param([...descriptions.map((d) => d.slug), ...aliasRows.map((a) => a.alias)])}::text[]) AS s(slug)
      `,
    );
    const described = new Map(descriptions.map((d) => [d.slug, d]));
    for (const row of known) {
      const description = described.get(row.slug);
      if (description && row.alias_of !== null) {
        issues.push({
          source: description.source,
          line: description.line,
          message: `topic "${row.slug}" was merged into "${row.alias_of}"; describe "${row.alias_of}" instead`,
        });
      }
      const alias = where.get(row.slug);
      if (!alias) continue;
      if (row.is_option) {
        issues.push({
          source: alias.source,
          line: alias.line,
          message: `the alias "${row.slug}" of "${alias.topic}" is an option of a stored page; an option is a topic of its own`,
        });
      } else if (row.alias_of !== null && row.alias_of !== alias.topic) {
        issues.push({
          source: alias.source,
          line: alias.line,
          message: `the alias "${row.slug}" already names the topic "${row.alias_of}"`,
        });
      }
    }
    if (issues.length > 0) throw new PageFormatError(issues);

    const written = await selectRows<{ slug: string; state: "created" | "updated" | "unchanged" }>(
      tx,
      sql`
        WITH input AS (
          SELECT * FROM jsonb_to_recordset(${json(
            descriptions.map((d) => ({ slug: d.slug, name: d.name, summary: d.summary })),
          )}) AS r(slug text, name text, summary text)
        ),
        before AS (
          SELECT t.slug FROM topics t JOIN input i ON i.slug = t.slug
        ),
        upserted AS (
          INSERT INTO topics (slug, name, summary, provisional)
          SELECT slug, name, summary, false FROM input
          ON CONFLICT (slug) DO UPDATE SET
            name = EXCLUDED.name, summary = EXCLUDED.summary, provisional = false, updated_at = now()
          WHERE topics.name IS DISTINCT FROM EXCLUDED.name
             OR topics.summary IS DISTINCT FROM EXCLUDED.summary
             OR topics.provisional
          RETURNING slug
        )
        SELECT i.slug,
          CASE WHEN u.slug IS NULL THEN 'unchanged'
               WHEN b.slug IS NULL THEN 'created' ELSE 'updated' END AS state
        FROM input i
        LEFT JOIN upserted u ON u.slug = i.slug
        LEFT JOIN before b ON b.slug = i.slug
        ORDER BY i.slug
      `,
    );
    for (const row of written) result[row.state].push(row.slug);

    if (aliasRows.length > 0) {
      const input = json(aliasRows.map((a) => ({ alias: a.alias, topic: a.topic })));
      // Aliases that are topics of their own (only ever tags, checked above): fold them in.
      const folds = await selectRows<{ alias_id: number; target_id: number; slug: string }>(
        tx,
        sql`
          SELECT a.id AS alias_id, t.id AS target_id, a.slug
          FROM jsonb_to_recordset(${input}) AS r(alias text, topic text)
          JOIN topics a ON a.slug = r.alias
          JOIN topics t ON t.slug = r.topic
          ORDER BY a.slug
        `,
      );
      if (folds.length > 0) {
        const pairs = json(folds.map((f) => ({ alias_id: f.alias_id, target_id: f.target_id })));
        const neighbours = await selectRows<{ topic_id: number }>(
          tx,
          sql`
            SELECT DISTINCT o.topic_id FROM option_tags g JOIN options o ON o.id = g.option_id
            WHERE g.topic_id = ANY(${sql.param(folds.map((f) => f.alias_id))}::int[])
          `,
        );
        const pairsTable = sql`jsonb_to_recordset(${pairs}) AS p(alias_id int, target_id int)`;
        // An option tagged with both keeps the target's tag; a tag of the target's own option
        // would tag itself and goes.
        await tx.execute(sql`
          DELETE FROM option_tags g USING ${pairsTable}
          WHERE g.topic_id = p.alias_id AND (
            EXISTS (SELECT 1 FROM option_tags u WHERE u.option_id = g.option_id AND u.topic_id = p.target_id)
            OR EXISTS (SELECT 1 FROM options o WHERE o.id = g.option_id AND o.topic_id = p.target_id))
        `);
        await tx.execute(sql`
          UPDATE option_tags g SET topic_id = p.target_id FROM ${pairsTable} WHERE g.topic_id = p.alias_id
        `);
        // Editor edges move as in mergeTopics; page edges are rebuilt below.
        await tx.execute(sql`
          INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)
          SELECT CASE WHEN r.from_topic_id = p.alias_id THEN p.target_id ELSE r.from_topic_id END,
                 CASE WHEN r.to_topic_id = p.alias_id THEN p.target_id ELSE r.to_topic_id END,
                 r.kind, r.weight, r.source
          FROM topic_relations r JOIN ${pairsTable}
            ON r.from_topic_id = p.alias_id OR r.to_topic_id = p.alias_id
          WHERE r.source = 'EDITOR'
            AND NOT (r.from_topic_id IN (p.alias_id, p.target_id) AND r.to_topic_id IN (p.alias_id, p.target_id))
          ON CONFLICT (from_topic_id, to_topic_id, kind)
          DO UPDATE SET weight = EXCLUDED.weight, source = 'EDITOR', updated_at = now()
          WHERE topic_relations.source = 'PAGE'
        `);
        await tx.execute(sql`
          UPDATE topic_aliases a SET topic_id = p.target_id FROM ${pairsTable} WHERE a.topic_id = p.alias_id
        `);
        await tx.execute(sql`
          UPDATE changes c SET topic_id = p.target_id FROM ${pairsTable} WHERE c.topic_id = p.alias_id
        `);
        await tx.execute(sql`
          DELETE FROM topics WHERE id = ANY(${sql.param(folds.map((f) => f.alias_id))}::int[])
        `);
        await syncPageEdges(tx, [
          ...new Set([...folds.map((f) => f.target_id), ...neighbours.map((n) => n.topic_id)]),
        ]);
        result.folded = folds.map((f) => f.slug);
      }
      const added = await selectRows<{ slug: string }>(
        tx,
        sql`
          INSERT INTO topic_aliases (slug, topic_id)
          SELECT r.alias, t.id FROM jsonb_to_recordset(${input}) AS r(alias text, topic text)
          JOIN topics t ON t.slug = r.topic
          ON CONFLICT (slug) DO NOTHING
          RETURNING slug
        `,
      );
      result.aliasesAdded = added.map((a) => a.slug).sort();
    }
    return result;
  });
}
