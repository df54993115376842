import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/**
 * Two projects: `api` (everything but the browser) and `e2e` (tests/e2e, headless Chromium).
 * `npm test` runs e2e when Debian's chromium is installed and no TEST_DATABASE_URL is set (the
 * browser tests start their own in-memory server, so one run is enough); it says so otherwise.
 * `npm run test:e2e` (and .ci/run) always runs them, and they fail when chromium is missing.
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

const alias = { graphql: require.resolve("graphql") };

export default defineConfig({
  resolve: {
    // One copy of graphql for the whole run, or Pothos schemas fail with "another module or realm".
    alias,
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: "api", include: ["tests/**/*.test.ts"], exclude: ["tests/e2e/**"] },
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
