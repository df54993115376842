import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { cachedTemplate, migratedTemplate, templateKey } from "../db/pglite-template.ts";
import { SEEDS_FOLDER } from "../ingest/seed.ts";
import { seedDatabase } from "./seed.ts";

/** The running code (src/ through tsx, dist/ compiled): what seeding does depends on it. */
const CODE_FOLDER = fileURLToPath(new URL("..", import.meta.url));

function filesUnder(folder: string, keep: (name: string) => boolean): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return entry.name === "explorer" ? [] : filesUnder(path, keep);
      return keep(entry.name) ? [path] : [];
    })
    .sort();
}

/**
 * What a seeded database depends on: the migrated template (migrations, PGlite release), every
 * file of the seed corpus and the code that imports it. Any change makes a new template.
 */
export function seededTemplateKey(): string {
  const hash = createHash("sha256").update(templateKey());
  for (const [folder, keep] of [
    [SEEDS_FOLDER, () => true],
    [CODE_FOLDER, (name: string) => /\.(ts|js)$/.test(name)],
  ] as const) {
    for (const file of filesUnder(folder, keep)) {
      hash.update(`\0${relative(folder, file)}\0`).update(readFileSync(file));
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/**
 * A migrated and seeded PGlite data folder in node_modules/.cache, made once (by `npm install`,
 * or by the first start that needs it) and copied wherever `npm start` meets an empty folder:
 * seeding the corpus costs seconds on every first start, copying the folder tens of ms. The
 * copy's rows are exactly what seeding writes, with the template's creation time as their
 * timestamps. Null when the cache folder is not writable: the caller then seeds the usual way.
 */
export async function seededTemplate(): Promise<string | null> {
  const base = await migratedTemplate();
  if (base === null) return null;
  let made = false;
  const folder = await cachedTemplate(`pglite-seeded-${seededTemplateKey()}`, base, async (db) => {
    await seedDatabase(db);
    made = true;
  });
  if (folder !== null && made) dropStaleSeededTemplates(folder);
  if (folder !== null && !made) {
    // Used now: its age counts from its last use, so another code version's clean-up keeps it.
    try {
      const now = new Date();
      utimesSync(folder, now, now);
    } catch {
      // A read-only cache: nothing here drops templates either.
    }
  }
  return folder;
}

/** Each code change makes a new seeded template (~40 MB): those unused for a day are dropped. */
function dropStaleSeededTemplates(current: string): void {
  const cache = dirname(current);
  for (const name of readdirSync(cache)) {
    const path = join(cache, name);
    if (!/^pglite-seeded-[0-9a-f]{16}$/.test(name) || path === current) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 86_400_000) {
        rmSync(path, { recursive: true, force: true });
      }
    } catch {
      // Another process dropped it first.
    }
  }
}
