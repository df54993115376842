import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import type { Db } from "./client.ts";
import { MIGRATIONS_FOLDER, migrateDatabase } from "./migrate.ts";

/**
 * How every embedded database is opened, the template included: pg_trgm (typo-tolerant search)
 * is a contrib extension PGlite ships but loads only on request, and the migrations create it.
 */
export const PGLITE_OPTIONS = { extensions: { pg_trgm } } satisfies PGliteOptions;

/**
 * A migrated PGlite data folder, made once and copied wherever an empty embedded database is
 * opened. PGlite's initdb costs ~7 s (26 s on a loaded 2-core machine) and the migrations ~1 s;
 * copying the ~40 MB folder costs tens of milliseconds, after which the copy opens like any
 * existing database. Keyed by a hash of the migrations and the PGlite version, so a new
 * migration or PGlite release makes a new template and never reuses a stale one.
 */
const CACHE_FOLDER = fileURLToPath(new URL("../../node_modules/.cache/pickgraph", import.meta.url));
const PGLITE_PACKAGE = fileURLToPath(
  new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url),
);

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      return entry.isDirectory() ? filesUnder(path) : [path];
    })
    .sort();
}

/** What the template's contents depend on: every migration file and the PGlite release. */
export function templateKey(): string {
  const hash = createHash("sha256");
  hash.update(existsSync(PGLITE_PACKAGE) ? readFileSync(PGLITE_PACKAGE) : "unknown pglite");
  for (const file of filesUnder(MIGRATIONS_FOLDER)) {
    hash.update(`\0${relative(MIGRATIONS_FOLDER, file)}\0`).update(readFileSync(file));
  }
  return hash.digest("hex").slice(0, 16);
}

/** True when `folder` holds no PGlite database yet (missing or empty), so a template may seed it. */
export function isEmptyDataFolder(folder: string): boolean {
  return !existsSync(folder) || readdirSync(folder).length === 0;
}

/** The template's database as a tar (PGlite's dumpDataDir), for in-memory databases. */
const DUMP_FILE = "data.tar";

/**
 * The path of the migrated template folder, made now if missing. Beside it, the same database as
 * a dump that an in-memory database loads (`migratedTemplateDump`). Null when the cache folder is
 * not writable (a read-only install without a template made at build time): the caller then lets
 * PGlite create the database the slow way.
 */
export async function migratedTemplate(): Promise<string | null> {
  const root = join(CACHE_FOLDER, `pglite-template-${templateKey()}`);
  const folder = join(root, "data");
  if (existsSync(join(folder, "PG_VERSION")) && existsSync(join(root, DUMP_FILE))) return folder;
  const building = `${root}.building-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(join(building, "data"), { recursive: true });
  } catch {
    return null;
  }
  try {
    const client = await PGlite.create(join(building, "data"), PGLITE_OPTIONS);
    try {
      await migrateDatabase(drizzle({ client }) as unknown as Db);
      const dump = await client.dumpDataDir("none");
      writeFileSync(join(building, DUMP_FILE), Buffer.from(await dump.arrayBuffer()));
    } finally {
      await client.close();
    }
    // Processes building at the same time race here; the first rename wins and the rest are dropped.
    try {
      renameSync(building, root);
    } catch (error) {
      if (!existsSync(join(folder, "PG_VERSION"))) throw error;
    }
    return folder;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/**
 * The migrated template as a dump for `PGlite.create({ loadDataDir })`: an in-memory database
 * (memory://, the end-to-end tests' server) starts from it instead of running initdb and the
 * migrations (~5 CPU-seconds); null when there is no template.
 */
export async function migratedTemplateDump(): Promise<Blob | null> {
  const folder = await migratedTemplate();
  if (folder === null) return null;
  return new Blob([readFileSync(join(dirname(folder), DUMP_FILE))]);
}

/** Fills an empty data folder with a copy of the migrated template; false when there is none. */
export async function copyMigratedTemplate(target: string): Promise<boolean> {
  const template = await migratedTemplate();
  if (template === null) return false;
  cpSync(template, target, { recursive: true });
  return true;
}
