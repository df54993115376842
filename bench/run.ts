/**
 * `npm run bench`: every benchmark, each printing its figures next to a baseline measured in the
 * same run, so ratios hold on a noisy machine. Needs the local Postgres (127.0.0.1:5432).
 * `npm run bench -- import` or `-- traversal` runs one of them.
 */
import { benchImport, formatImportReport } from "./import.ts";

const only = process.argv[2];
const started = Date.now();

if (only === undefined || only === "import") {
  console.log("== import throughput ==");
  console.log(formatImportReport(await benchImport()));
}

console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
