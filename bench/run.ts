/**
 * `npm run bench`: every benchmark, each printing its figures next to a baseline measured in the
 * same run, so ratios hold on a noisy machine. Needs the local Postgres (127.0.0.1:5432) as a
 * superuser. `npm run bench -- import` or `npm run bench -- traversal` runs one of them.
 */
import { benchImport, formatImportReport } from "./import.ts";
import { benchScale } from "./scale.ts";
import { benchTraversal, formatReport as formatTraversalReport } from "./traversal.ts";

const only = process.argv[2];
if (only !== undefined && only !== "import" && only !== "traversal" && only !== "scale") {
  console.error(`unknown benchmark "${only}" (import, traversal, scale)`);
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

if (only === undefined || only === "scale") {
  console.log("\n== scale-out: response cache cold vs warm, 1 vs 2 server processes (issue 13) ==");
  console.log(await benchScale((line) => console.error(line)));
}

console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
