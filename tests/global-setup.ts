import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { migratedTemplate, templateKey } from "../src/db/pglite-template.ts";
import { REPO_ROOT } from "./helpers/processes.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** A migrated Postgres database that each test file clones (TEST_DATABASE_URL runs only). */
    postgresTemplate: string | null;
  }
}

/**
 * Once per run, before any test file: compile dist/ if the sources changed (tests spawn the
 * compiled entries, as production runs them), make the migrated PGlite template, and on Postgres
 * a migrated template database. Each file then clones instead of migrating from scratch.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  await migratedTemplate();

  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    project.provide("postgresTemplate", null);
    return async () => {};
  }
  const name = `pickgraph_template_${templateKey()}_${randomBytes(3).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const template = await openDatabase({ driver: "postgres", url: url.toString() }, { poolSize: 1 });
  try {
    await migrateDatabase(template.db);
  } finally {
    // CREATE DATABASE … TEMPLATE refuses a template that has open connections.
    await template.close();
  }
  project.provide("postgresTemplate", name);
  return async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
}
