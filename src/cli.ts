import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import { migrateDatabase } from "./db/migrate.ts";
import { exportAllComparisons, exportComparison } from "./ingest/export-pages.ts";
import { type ImportResult, importPages } from "./ingest/import-pages.ts";
import { PageFormatError } from "./ingest/page.ts";
import { parsePages } from "./ingest/parse-page.ts";
import { readPageFiles } from "./ingest/read-pages.ts";
import { SEEDS_FOLDER, seedDatabase } from "./ingest/seed.ts";

const USAGE = `Usage: npm run cli -- <command> [arguments]

Commands:
  migrate                          apply pending migrations
  seed                             import the seed corpus (seeds/); safe to repeat
  import <file-or-folder>...       import comparison pages (.txt); all or nothing
  export <comparison-slug>         print one comparison as a page
  export --all --out <folder>      write every comparison to <folder>/<slug>.txt
  schema:print [--check]           write schema/schema.graphql (--check: fail if it is stale)

The database is DATABASE_URL (default: the embedded PGlite folder ./.data/pickgraph).`;

const SCHEMA_FILE = fileURLToPath(new URL("../schema/schema.graphql", import.meta.url));

class UsageError extends Error {}

async function withDatabase<T>(run: (database: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = await openDatabase(config.database, {
    poolSize: 2,
    statementTimeoutMs: 600_000,
  });
  try {
    await migrateDatabase(database.db);
    return await run(database);
  } finally {
    await database.close();
  }
}

function reportImport(result: ImportResult, location: string): void {
  const line = (label: string, slugs: string[]) => {
    console.log(`${label}: ${slugs.length}`);
    if (slugs.length <= 50) for (const slug of slugs) console.log(`  ${slug}`);
  };
  console.log(`Imported into ${location}.`);
  line("created", result.created);
  line("updated", result.updated);
  console.log(`unchanged: ${result.unchanged.length}`);
  console.log(`topics created: ${result.topicsCreated}`);
}

function progress(done: number, total: number): void {
  if (!process.stderr.isTTY || total < 500) return;
  process.stderr.write(`\rwriting pages ${done}/${total}${done === total ? "\n" : ""}`);
}

async function run(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case "migrate":
      await withDatabase(async (database) => console.log(`Migrated ${database.location}.`));
      return;
    case "seed":
      await withDatabase(async (database) =>
        reportImport(await seedDatabase(database.db, SEEDS_FOLDER), database.location),
      );
      return;
    case "import": {
      if (rest.length === 0) throw new UsageError("import needs at least one file or folder");
      const pages = parsePages(await readPageFiles(rest));
      if (pages.length === 0) throw new UsageError(`no .txt pages found in ${rest.join(", ")}`);
      await withDatabase(async (database) =>
        reportImport(
          await importPages(database.db, pages, { onProgress: progress }),
          database.location,
        ),
      );
      return;
    }
    case "export": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { all: { type: "boolean" }, out: { type: "string" } },
      });
      if (values.all) {
        if (!values.out) throw new UsageError("export --all needs --out <folder>");
        const out = values.out;
        await withDatabase(async (database) => {
          const pages = await exportAllComparisons(database.db);
          await mkdir(out, { recursive: true });
          for (const page of pages) await writeFile(join(out, `${page.slug}.txt`), page.text);
          console.log(`Wrote ${pages.length} pages to ${out}.`);
        });
        return;
      }
      const [slug] = positionals;
      if (slug === undefined || positionals.length > 1) {
        throw new UsageError("export needs one comparison slug, or --all --out <folder>");
      }
      await withDatabase(async (database) => {
        const text = await exportComparison(database.db, slug);
        if (text === null) throw new Error(`no comparison has the slug "${slug}"`);
        process.stdout.write(text);
      });
      return;
    }
    case "schema:print": {
      // Imported here so the other commands do not pay for building the schema.
      const { printSortedSchema } = await import("./graphql/schema.ts");
      const printed = printSortedSchema();
      if (rest.includes("--check")) {
        const current = await readFile(SCHEMA_FILE, "utf8").catch(() => "");
        if (current !== printed) {
          throw new Error(
            "schema/schema.graphql is stale: run `npm run schema:print` and commit it",
          );
        }
        console.log("schema/schema.graphql is up to date.");
        return;
      }
      await writeFile(SCHEMA_FILE, printed);
      console.log(`Wrote ${SCHEMA_FILE}.`);
      return;
    }
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof PageFormatError) {
    console.error(`Nothing was imported: ${error.issues.length} problem(s) found.`);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
