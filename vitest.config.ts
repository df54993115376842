import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

/**
 * Test files that never touch a database or a process (parser, renderer, slugs, config, module
 * boundaries, …) form the "pure" project; the rest the "database" project. CI runs everything on
 * PGlite and only the database project again on Postgres, where the pure files would repeat
 * themselves. Found from the imports, so a new test file lands in the right project by itself.
 */
const touchesDatabase = (file: string) =>
  /helpers\/(database|processes)\.ts"|src\/db\/client\.ts"/.test(readFileSync(file, "utf8"));
const pureTests = testFiles("tests").filter((file) => !touchesDatabase(file));

export default defineConfig({
  resolve: {
    // One copy of graphql for the whole run, or Pothos schemas fail with "another module or realm".
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ["tests/global-setup.ts"],
    projects: [
      { extends: true, test: { name: "pure", include: pureTests } },
      {
        extends: true,
        test: { name: "database", include: ["tests/**/*.test.ts"], exclude: pureTests },
      },
    ],
  },
});
