import { defineConfig } from "drizzle-kit";

// Generation only needs the schema; it never connects. Migrations are applied by `npm run db:migrate`
// (and automatically at start), which works on PGlite and Postgres alike.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/tables.ts",
  out: "./schema/migrations",
});
