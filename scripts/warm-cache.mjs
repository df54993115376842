// Run by `npm install` (prepare): makes the migrated PGlite template now, so the first
// `npm start` on an empty folder and the first test run do not pay PGlite's initdb (~7 s).
// A failure here only costs that time later, so it warns instead of failing the install.
try {
  const { migratedTemplate } = await import("../dist/db/pglite-template.js");
  const started = performance.now();
  const folder = await migratedTemplate();
  if (folder)
    console.error(
      `PGlite template ready (${Math.round(performance.now() - started)} ms): ${folder}`,
    );
} catch (error) {
  console.error(
    `warning: could not prepare the PGlite template: ${error instanceof Error ? error.message : error}`,
  );
}
