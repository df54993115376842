import type { Db } from "../db/client.ts";
import type { Page } from "./page.ts";
import { renderPage } from "./render-page.ts";

const comparisonWith = {
  pick: { columns: { name: true } },
  options: {
    orderBy: { position: "asc" },
    with: { tags: { orderBy: { position: "asc" }, with: { topic: { columns: { slug: true } } } } },
  },
} as const;

type StoredComparison = Awaited<ReturnType<typeof loadComparisons>>[number];

function loadComparisons(db: Db, filter: { slugs?: string[]; ids?: number[] }) {
  return db.query.comparisonsTable.findMany({
    where: {
      ...(filter.slugs ? { slug: { in: filter.slugs } } : {}),
      ...(filter.ids ? { id: { in: filter.ids } } : {}),
    },
    orderBy: { slug: "asc" },
    with: comparisonWith,
  });
}

/** A stored comparison as the page it was imported from (or would export to), with its version. */
export async function loadComparisonPage(
  db: Db,
  id: number,
): Promise<{ slug: string; version: number; page: Omit<Page, "source"> } | null> {
  const [row] = await loadComparisons(db, { ids: [id] });
  return row === undefined ? null : { slug: row.slug, version: row.version, page: toPage(row) };
}

function toPage(row: StoredComparison): Omit<Page, "source"> {
  if (row.pick === null) {
    throw new Error(`comparison "${row.slug}" has no pick yet; a page needs one to be exported`);
  }
  return {
    category: row.category,
    title: row.title,
    intro: row.intro,
    pick: { name: row.pick.name, summary: row.pickSummary },
    options: row.options.map((o) => ({
      name: o.name,
      summary: o.summary,
      pros: o.pros,
      cons: o.cons,
      relatedTo: o.tags.map((t) => t.topic.slug),
      useIf: o.useIf,
    })),
    bottomLine: row.bottomLine,
    feedbackContact: row.feedbackContact,
  };
}

/** The page text of one comparison, or null when no comparison has that slug. */
export async function exportComparison(db: Db, slug: string): Promise<string | null> {
  const [row] = await loadComparisons(db, { slugs: [slug] });
  return row === undefined ? null : renderPage(toPage(row));
}

/** Every comparison as `{ slug, text }`, in slug order. */
export async function exportAllComparisons(db: Db): Promise<{ slug: string; text: string }[]> {
  const rows = await loadComparisons(db, {});
  return rows.map((row) => ({ slug: row.slug, text: renderPage(toPage(row)) }));
}
