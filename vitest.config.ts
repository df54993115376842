import { existsSync, readdirSync, readFileSync } from "node:fs";
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

const E2E = "tests/e2e/**";

/**
 * Test files that never touch a database or a process (parser, renderer, slugs, config, module
 * boundaries, …) form the "pure" project; the rest the "database" project. CI runs everything on
 * PGlite and only the database project again on Postgres, where the pure files would repeat
 * themselves. Found from the imports, so a new test file lands in the right project by itself.
 */
const touchesDatabase = (file: string) =>
  /helpers\/(database|processes)\.ts"|src\/db\/client\.ts"/.test(readFileSync(file, "utf8"));
const pureTests = testFiles("tests")
  .filter((file) => !file.startsWith(join("tests", "e2e")))
  .filter((file) => !touchesDatabase(file));

/**
 * The "e2e" project (tests/e2e, headless Chromium) runs in `npm test` when Debian's chromium is
 * installed and no TEST_DATABASE_URL is set (the browser tests start their own in-memory server,
 * so one run is enough); it says so otherwise. `npm run test:e2e` (and .ci/run) always runs
 * them, and they fail when chromium is missing.
 */
const CHROMIUM = "/usr/bin/chromium";
const wantsE2e = process.argv.some((arg) => arg === "e2e" || arg.includes("tests/e2e"));
const runE2e = wantsE2e || (existsSync(CHROMIUM) && !process.env.TEST_DATABASE_URL);
// The config is evaluated more than once per run; say it once.
if (!runE2e && !process.env.PICKGRAPH_E2E_NOTE_SHOWN) {
  process.env.PICKGRAPH_E2E_NOTE_SHOWN = "1";
  console.log(
    existsSync(CHROMIUM)
      ? "e2e: not run with TEST_DATABASE_URL (they use their own in-memory server); npm run test:e2e runs them"
      : `e2e: not run, ${CHROMIUM} is missing (apt-get install -y chromium); CI installs it and requires them`,
  );
}

export default defineConfig({
  resolve: {
    // One copy of graphql for the whole run, or Pothos schemas fail with "another module or realm".
    alias: { graphql: require.resolve("graphql") },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files share their worker's modules instead of loading them again each: every file
    // imports the app (schema, drizzle, yoga), ~1.5 s of CPU a file under vitest, which was a
    // third of the suites' CPU. The files share no state but what they open and close
    // themselves (each its own database or folder, no mocks, no environment edits).
    isolate: false,
    globalSetup: ["tests/global-setup.ts"],
    projects: [
      { extends: true, test: { name: "pure", include: pureTests } },
      {
        extends: true,
        test: {
          name: "database",
          include: ["tests/**/*.test.ts"],
          exclude: [...pureTests, E2E],
        },
      },
      ...(runE2e
        ? [
            {
              extends: true as const,
              test: {
                name: "e2e",
                include: ["tests/e2e/**/*.test.ts"],
                testTimeout: 60_000,
                hookTimeout: 180_000,
              },
            },
          ]
        : []),
    ],
  },
});
