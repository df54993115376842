import { fileURLToPath } from "node:url";
import { count } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { comparisonsTable } from "../db/tables.ts";

export const SEEDS_FOLDER = fileURLToPath(new URL("../../seeds", import.meta.url));

export async function hasComparisons(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(comparisonsTable);
  return Number(row?.n ?? 0) > 0;
}
