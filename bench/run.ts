/**
 * `npm run bench`: every benchmark, each printing its figures next to a baseline measured in the
 * same run, so ratios hold on a noisy machine. Needs the local Postgres (127.0.0.1:5432) as a
 * superuser. `npm run bench -- import` or `npm run bench -- traversal` runs one of them.
 */
import { benchImport, formatImportReport } from "./import.ts";
import { benchStart } from "./start.ts";
import { benchTraversal, formatReport as formatTraversalReport } from "./traversal.ts";

const only = process.argv[2];
if (only !== undefined && only !== "import" && only !== "traversal" && only !== "start") {
  console.error(`unknown benchmark "${only}" (import, traversal, start)`);
  process.exit(2);
}
const started = Date.now();

if (only === undefined || only === "import") {
  console.log("== import throughput: importer vs plain multi-row INSERT of the same rows ==");
  console.log(formatImportReport(await benchImport()));
}
if (only === undefined || only === "traversal") {
  console.log(
    "\n== traversal: pickgraph vs the textbook recursive CTE, same graph, same samples ==",
  );
  console.log(formatTraversalReport(await benchTraversal({ log: (line) => console.error(line) })));
}
if (only === undefined || only === "start") {
  console.log(
    "\n== start-up: spawn to first answered query, compiled vs tsx, empty vs existing folder ==",
  );
  console.log(await benchStart(Number(process.argv[3] ?? 5)));
}

console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
