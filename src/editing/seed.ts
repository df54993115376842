import type { Db } from "../db/client.ts";
import type { ImportResult } from "../ingest/import-pages.ts";
import type { DescriptionImportResult } from "../ingest/import-topics.ts";
import { readPageFiles, readTopicFiles } from "../ingest/read-pages.ts";
import { SEEDS_FOLDER } from "../ingest/seed.ts";
import { importPageTexts } from "./comparisons.ts";

export interface SeedResult extends ImportResult {
  descriptions: DescriptionImportResult;
}

/**
 * Imports a corpus folder, topic descriptions (`*.topics`) and pages (`*.txt`), in one
 * transaction through the same path as every import: descriptions first, so the pages' tags
 * resolve; logged under `actor`; a page whose comparison was edited since its last import is
 * kept (and reported) unless `force`. Both importers are idempotent, so seeding twice changes
 * nothing. The one way `npm start`, `npm run seed`, the tests and the benchmarks seed.
 */
export async function seedDatabase(
  db: Db,
  folder = SEEDS_FOLDER,
  { actor = "seed", force = false }: { actor?: string; force?: boolean } = {},
): Promise<SeedResult> {
  const result = await importPageTexts(db, actor, await readPageFiles([folder]), {
    maxPages: Number.POSITIVE_INFINITY,
    descriptions: await readTopicFiles([folder]),
    guardEdits: { force },
  });
  return {
    ...result,
    descriptions: result.descriptions ?? {
      created: [],
      updated: [],
      unchanged: [],
      aliasesAdded: [],
      folded: [],
    },
  };
}
