import { fileURLToPath } from "node:url";
import { count } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { comparisonsTable } from "../db/tables.ts";
import { type ImportResult, importPages } from "./import-pages.ts";
import {
  checkAliasesAgainstPages,
  type DescriptionImportResult,
  importTopicDescriptions,
} from "./import-topics.ts";
import { parsePages } from "./parse-page.ts";
import { parseTopicDescriptions } from "./parse-topics.ts";
import { readPageFiles, readTopicFiles } from "./read-pages.ts";

export const SEEDS_FOLDER = fileURLToPath(new URL("../../seeds", import.meta.url));

export interface SeedResult extends ImportResult {
  descriptions: DescriptionImportResult;
}

/**
 * Imports the seed corpus, topic descriptions (`*.topics`) and pages (`*.txt`), in one
 * transaction: descriptions first, so the pages' tags resolve to described topics and aliases.
 * Both importers are idempotent, so seeding twice changes nothing.
 */
export async function seedDatabase(db: Db, folder = SEEDS_FOLDER): Promise<SeedResult> {
  const descriptions = parseTopicDescriptions(await readTopicFiles([folder]));
  const pages = parsePages(await readPageFiles([folder]));
  checkAliasesAgainstPages(descriptions, pages);
  return db.transaction(async (tx) => {
    const described = await importTopicDescriptions(tx, descriptions);
    const imported = await importPages(tx, pages);
    return { ...imported, descriptions: described };
  });
}

export async function hasComparisons(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(comparisonsTable);
  return Number(row?.n ?? 0) > 0;
}
