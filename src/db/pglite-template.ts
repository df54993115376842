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
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite, type PGliteOptions } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import type { Db } from "./client.ts";
import { MIGRATIONS_FOLDER, migrateDatabase } from "./migrate.ts";
import { relations } from "./relations.ts";

/**
 * How every embedded database is opened, the template included: pg_trgm (typo-tolerant search)
 * is a contrib extension PGlite ships but loads only on request, and the migrations create it.
 *
 * Postgres' own memory lives inside PGlite's WebAssembly memory, which never shrinks, and its
 * shared memory is written whole at start-up: the default `shared_buffers = 128MB` alone made
 * ~130 MB of the server's resident memory (idle RSS 415 MB, 275 MB with 16MB; issue 9). One
 * process is the only backend, so its pages are cached by the operating system below the small
 * buffer pool instead of twice.
 */
export const PGLITE_OPTIONS = {
  extensions: { pg_trgm },
  startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"],
} satisfies PGliteOptions;

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

/**
 * The path of the migrated template folder, made now if missing. Beside it, the same database as
 * a dump that an in-memory database loads (`migratedTemplateDump`). Null when the cache folder is
 * not writable (a read-only install without a template made at build time): the caller then lets
 * PGlite create the database the slow way.
 */
export function migratedTemplate(): Promise<string | null> {
  return cachedTemplate(`pglite-migrated-${templateKey()}`, null, (db) => migrateDatabase(db), {
    dump: true,
  });
}

/** Where `cachedTemplate(…, { dump: true })` keeps the template's dump: beside its folder. */
function dumpFileOf(folder: string): string {
  return `${folder}.tar`;
}

/**
 * A template folder in the cache, made once by `fill` and then reused: `fill` runs on a copy of
 * `base` (or a new database when null) in a folder of its own, which is renamed into place only
 * when complete, so a crash or a concurrent maker never leaves a half-made template behind.
 * Null when the cache folder is not writable.
 */
export async function cachedTemplate(
  name: string,
  base: string | null,
  fill: (db: Db) => Promise<void>,
  { dump = false }: { dump?: boolean } = {},
): Promise<string | null> {
  const folder = join(CACHE_FOLDER, name);
  const complete = () =>
    existsSync(join(folder, "PG_VERSION")) && (!dump || existsSync(dumpFileOf(folder)));
  if (complete()) return folder;
  const building = `${folder}.building-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(building, { recursive: true });
  } catch {
    return null;
  }
  try {
    if (base !== null) cpSync(base, building, { recursive: true });
    const client = await PGlite.create(building, PGLITE_OPTIONS);
    try {
      await fill(drizzle({ client, relations }) as unknown as Db);
      if (dump) {
        // PGlite's dumpDataDir (a tar) for PGlite.create({ loadDataDir }); in place before the
        // folder is, so a folder that exists always has its dump.
        const tar = await client.dumpDataDir("none");
        writeFileSync(`${building}.tar`, Buffer.from(await tar.arrayBuffer()));
        renameSync(`${building}.tar`, dumpFileOf(folder));
      }
    } finally {
      await client.close();
    }
    // Processes building at the same time race here; the first rename wins and the rest are dropped.
    try {
      renameSync(building, folder);
    } catch (error) {
      if (!existsSync(join(folder, "PG_VERSION"))) throw error;
    }
    return folder;
  } finally {
    rmSync(building, { recursive: true, force: true });
    rmSync(`${building}.tar`, { force: true });
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
  return new Blob([readFileSync(dumpFileOf(folder))]);
}

/** Fills an empty data folder with a copy of `template`. */
export function copyTemplate(template: string, target: string): void {
  cpSync(template, target, { recursive: true });
}
