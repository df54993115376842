import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseCommandLine, UsageError } from "./cli/arguments.ts";
import { loadConfig } from "./config.ts";
import { awaitCachesCoherent } from "./db/cache-coherence.ts";
import { type Database, openDatabase } from "./db/client.ts";
import { migrateDatabase } from "./db/migrate.ts";
import { importPageTexts } from "./editing/comparisons.ts";
import { ValidationError } from "./editing/errors.ts";
import { createToken, listTokens, revokeToken } from "./editing/tokens.ts";
import { exportAllComparisons, exportComparison } from "./ingest/export-pages.ts";
import type { ImportResult, KeptEdit } from "./ingest/import-pages.ts";
import type { DescriptionImportResult } from "./ingest/import-topics.ts";
import { PageFormatError } from "./ingest/page.ts";
import { readPageFiles, readTopicFiles } from "./ingest/read-pages.ts";
import { SEEDS_FOLDER } from "./ingest/seed.ts";

const USAGE = `Usage: npm run cli -- <command> [arguments]

Commands:
  migrate                          apply pending migrations
  seed [--force]                   import the seed corpus (seeds/); safe to repeat
  import [--force] <file-or-folder>...
                                   import comparison pages (.txt) and topic descriptions
                                   (.topics); all or nothing. A page
                                   whose comparison was edited (or deleted) since its last
                                   import is skipped and listed; --force overwrites it
  export <comparison-slug>         print one comparison as a page
  export --all --out <folder>      write every comparison to <folder>/<slug>.txt
  schema:print [--check]           write schema/schema.graphql (--check: fail if it is stale)
  documents:print [--check]        write schema/persisted-documents.json from documents/*.graphql
  token create --scope <editor|admin> [--scope …] --name <who>
                                   create a writer token and print it (shown only this once)
  token list                       list tokens (names, scopes, revoked or not)
  token revoke <name>              revoke a token at once

The database is DATABASE_URL (default: the embedded PGlite folder ./.data/pickgraph).`;

const SCHEMA_FILE = fileURLToPath(new URL("../schema/schema.graphql", import.meta.url));

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

function reportImport(
  result: ImportResult & { descriptions?: DescriptionImportResult | undefined },
  location: string,
): void {
  const line = (label: string, slugs: string[]) => {
    console.log(`${label}: ${slugs.length}`);
    if (slugs.length <= 50) for (const slug of slugs) console.log(`  ${slug}`);
  };
  console.log(`Imported into ${location}.`);
  const described = result.descriptions;
  if (described) {
    line("topics described (created)", described.created);
    line("topics described (updated)", described.updated);
    console.log(`topics described (unchanged): ${described.unchanged.length}`);
    line("aliases added", described.aliasesAdded);
    if (described.folded.length > 0) line("aliases folded in", described.folded);
  }
  line("created", result.created);
  line("updated", result.updated);
  console.log(`unchanged: ${result.unchanged.length}`);
  console.log(`topics created: ${result.topicsCreated}`);
  const describe = (edit: KeptEdit) =>
    edit.reason === "deleted"
      ? `  ${edit.slug} (deleted since its last import)`
      : `  ${edit.slug} (version ${edit.version}, last imported ${edit.importedVersion === null ? "never" : `at version ${edit.importedVersion}`})`;
  if (result.overwritten.length > 0) {
    console.log(`overwritten edits (--force): ${result.overwritten.length}`);
    for (const edit of result.overwritten) console.log(describe(edit));
  }
  if (result.upkeepFailure !== null) {
    console.error(
      `warning: the pages are imported, but refreshing planner statistics afterwards failed (${result.upkeepFailure}); run ANALYZE on the database, or let autovacuum do it.`,
    );
  }
  if (result.skipped.length > 0) {
    console.log(`skipped, changed since the last import: ${result.skipped.length}`);
    for (const edit of result.skipped) console.log(describe(edit));
    console.error(
      `${result.skipped.length} page(s) were not imported, to keep the edits made to them since their last import (see "history" of each comparison); run again with --force to overwrite them.`,
    );
  }
}

function progress(done: number, total: number): void {
  if (!process.stderr.isTTY || total < 500) return;
  process.stderr.write(`\rwriting pages ${done}/${total}${done === total ? "\n" : ""}`);
}

async function run(argv: string[]): Promise<void> {
  const { command, positionals, options } = parseCommandLine(argv);
  switch (command) {
    case "migrate":
      await withDatabase(async (database) => console.log(`Migrated ${database.location}.`));
      return;
    case "seed":
    case "import": {
      const force = options.force === true;
      const folders = command === "seed" ? [SEEDS_FOLDER] : positionals;
      const texts = await readPageFiles(folders);
      const descriptions = await readTopicFiles(folders);
      if (texts.length === 0 && descriptions.length === 0) {
        throw new UsageError(`no .txt pages or .topics files found in ${folders.join(", ")}`);
      }
      await withDatabase(async (database) => {
        // Logged like every write, as actor "cli", so Comparison.history tells the truth.
        const result = await importPageTexts(database.db, "cli", texts, {
          maxPages: Number.POSITIVE_INFINITY,
          onProgress: progress,
          descriptions,
          guardEdits: { force },
        });
        // Reported only once every server's response cache has taken the import in (issue 13).
        if (database.driver === "postgres") {
          await awaitCachesCoherent(database.db, loadConfig().CACHE_LEASE_MS);
        }
        reportImport(result, database.location);
      });
      return;
    }
    case "export": {
      if (options.all) {
        const out = options.out as string;
        await withDatabase(async (database) => {
          const pages = await exportAllComparisons(database.db);
          await mkdir(out, { recursive: true });
          for (const page of pages) await writeFile(join(out, `${page.slug}.txt`), page.text);
          console.log(`Wrote ${pages.length} pages to ${out}.`);
        });
        return;
      }
      const slug = positionals[0] as string;
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
      if (options.check) {
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
    // The persisted-documents manifest, generated from documents/*.graphql
    case "documents:print": {
      const { buildDocumentManifest, renderDocumentManifest, MANIFEST_FILE } = await import(
        "./graphql/persisted-documents.ts"
      );
      const printed = renderDocumentManifest(buildDocumentManifest());
      if (options.check) {
        const current = await readFile(MANIFEST_FILE, "utf8").catch(() => "");
        if (current !== printed) {
          throw new Error(
            "schema/persisted-documents.json is stale: run `npm run cli -- documents:print` and commit it",
          );
        }
        console.log("schema/persisted-documents.json is up to date.");
        return;
      }
      await writeFile(MANIFEST_FILE, printed);
      console.log(`Wrote ${MANIFEST_FILE}.`);
      return;
    }
    case "token create": {
      const name = options.name as string;
      const scopes = options.scope as string[];
      await withDatabase(async (database) => {
        const created = await createToken(database.db, { name, scopes });
        console.error(
          `Created token "${created.name}" (${created.scopes.join(", ")}). It is shown only now:`,
        );
        console.log(created.token);
      });
      return;
    }
    case "token list":
      await withDatabase(async (database) => {
        const tokens = await listTokens(database.db);
        if (tokens.length === 0) console.log("No tokens.");
        for (const token of tokens) {
          const state = token.revokedAt ? `revoked ${token.revokedAt}` : "active";
          console.log(
            `${token.name}\t${token.scopes.join(",")}\tcreated ${token.createdAt}\t${state}`,
          );
        }
      });
      return;
    case "token revoke": {
      const name = positionals[0] as string;
      await withDatabase(async (database) => {
        await revokeToken(database.db, name);
        console.log(`Revoked token "${name}".`);
      });
      return;
    }
    case "help":
      console.log(USAGE);
      return;
  }
}

run(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof ValidationError) {
    // Page problems already name their file and line; other problems name their input path.
    if (error.issues.every((issue) => issue.path[0] === "pages")) {
      console.error(`Nothing was imported: ${error.issues.length} problem(s) found.`);
    }
    for (const issue of error.issues) {
      const where =
        issue.path[0] === "pages" || issue.path.length === 0 ? "" : `${issue.path.join(".")}: `;
      console.error(`${where}${issue.message}`);
    }
    process.exit(1);
  }
  if (error instanceof PageFormatError) {
    console.error(`Nothing was imported: ${error.issues.length} problem(s) found.`);
  }
  // A failed statement's message repeats the whole SQL and its parameters; the cause says why.
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof Error && error.name === "DrizzleQueryError" && cause instanceof Error) {
    console.error(`The database refused the write, and nothing was written: ${cause.message}`);
  } else {
    console.error(error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
