import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "./config.ts";
import { type Database, openDatabase } from "./db/client.ts";
import { migrateDatabase } from "./db/migrate.ts";
import { importPageTexts } from "./editing/comparisons.ts";
import { ValidationError } from "./editing/errors.ts";
import { createToken, listTokens, revokeToken } from "./editing/tokens.ts";
import { exportAllComparisons, exportComparison } from "./ingest/export-pages.ts";
import type { ImportResult } from "./ingest/import-pages.ts";
import { PageFormatError } from "./ingest/page.ts";
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
  documents:print [--check]        write schema/persisted-documents.json from documents/*.graphql
  token create --scope <editor|admin> [--scope …] --name <who>
                                   create a writer token and print it (shown only this once)
  token list                       list tokens (names, scopes, revoked or not)
  token revoke <name>              revoke a token at once

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

async function runToken(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { scope: { type: "string", multiple: true }, name: { type: "string" } },
  });
  switch (action) {
    case "create": {
      if (!values.name) throw new UsageError("token create needs --name <who>");
      if (!values.scope?.length)
        throw new UsageError("token create needs --scope editor or --scope admin");
      const name = values.name;
      const scopes = values.scope;
      await withDatabase(async (database) => {
        const created = await createToken(database.db, { name, scopes });
        console.error(
          `Created token "${created.name}" (${created.scopes.join(", ")}). It is shown only now:`,
        );
        console.log(created.token);
      });
      return;
    }
    case "list":
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
    case "revoke": {
      const [name] = positionals;
      if (name === undefined) throw new UsageError("token revoke needs the token's name");
      await withDatabase(async (database) => {
        await revokeToken(database.db, name);
        console.log(`Revoked token "${name}".`);
      });
      return;
    }
    default:
      throw new UsageError(`unknown token command "${action ?? ""}" (create, list, revoke)`);
  }
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
      const texts = await readPageFiles(rest);
      if (texts.length === 0) throw new UsageError(`no .txt pages found in ${rest.join(", ")}`);
      await withDatabase(async (database) =>
        reportImport(
          await importPageTexts(database.db, "cli", texts, {
            maxPages: Number.POSITIVE_INFINITY,
            onProgress: progress,
          }),
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
    // issue 13: the persisted-documents manifest, generated from documents/*.graphql
    case "documents:print": {
      const { buildDocumentManifest, renderDocumentManifest, MANIFEST_FILE } = await import(
        "./graphql/persisted-documents.ts"
      );
      const printed = renderDocumentManifest(buildDocumentManifest());
      if (rest.includes("--check")) {
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
    case "token":
      await runToken(rest);
      return;
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
  const parseArgsError = (error as { code?: unknown }).code;
  if (typeof parseArgsError === "string" && parseArgsError.startsWith("ERR_PARSE_ARGS")) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
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
