import { fileURLToPath } from "node:url";
import { count } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { comparisonsTable } from "../db/tables.ts";
import { type ImportResult, importPages } from "./import-pages.ts";
import { parsePages } from "./parse-page.ts";
import { readPageFiles } from "./read-pages.ts";

export const SEEDS_FOLDER = fileURLToPath(new URL("../../seeds", import.meta.url));

/** Imports the seed corpus; importing is idempotent, so seeding twice changes nothing. */
export async function seedDatabase(db: Db, folder = SEEDS_FOLDER): Promise<ImportResult> {
  const pages = parsePages(await readPageFiles([folder]));
  return importPages(db, pages);
}

export async function hasComparisons(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(comparisonsTable);
  return Number(row?.n ?? 0) > 0;
}
