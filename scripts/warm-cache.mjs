// Run by `npm install` (prepare): makes the migrated PGlite template and the seeded one now, so
// the first `npm start` on an empty folder copies a seeded database instead of paying PGlite's
// initdb (~7 s) and seeding (seconds), and the tests start from the migrated template.
// A failure here only costs that time later, so it warns instead of failing the install.
try {
  const { migratedTemplate } = await import("../dist/db/pglite-template.js");
  const { seededTemplate } = await import("../dist/editing/seed-template.js");
  const started = performance.now();
  const migrated = await migratedTemplate();
  const seeded = migrated === null ? null : await seededTemplate();
  if (seeded)
    console.error(
      `PGlite templates ready (${Math.round(performance.now() - started)} ms): ${migrated}, ${seeded}`,
    );
} catch (error) {
  console.error(
    `warning: could not prepare the PGlite templates: ${error instanceof Error ? error.message : error}`,
  );
}
