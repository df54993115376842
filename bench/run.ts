/**
 * `npm run bench`: every benchmark, each printing its figures next to a baseline measured in the
 * same run, so ratios hold on a noisy machine. Needs the local Postgres (127.0.0.1:5432) as a
 * superuser. `npm run bench -- <name>` runs one of them (import, traversal, search, limits, walk, start, scale).
 */
import { benchImport, formatImportReport } from "./import.ts";
import { benchLimits, formatLimitsReport, limitsOptions } from "./limits.ts";
import { benchScale } from "./scale.ts";
import { benchSearch, formatSearchReport } from "./search.ts";
import { benchStart } from "./start.ts";
import { benchTraversal, formatReport as formatTraversalReport } from "./traversal.ts";
import { benchWalk, formatWalkReport } from "./walk.ts";

const only = process.argv[2];
const flags = process.argv.slice(3);
const BENCHMARKS = ["import", "traversal", "search", "limits", "walk", "start", "scale"];
if (only !== undefined && !BENCHMARKS.includes(only)) {
  console.error(`unknown benchmark "${only}" (${BENCHMARKS.join(", ")})`);
  process.exit(2);
}
const started = Date.now();

/** `--drivers=pglite` style flags of the walk bench: a subset of `allowed`, or all when absent. */
function listFlag<T extends string>(
  prefix: string,
  allowed: readonly T[],
  key: string,
): Record<string, T[]> {
  const flag = flags.find((f) => f.startsWith(prefix));
  if (flag === undefined) return {};
  const values = flag.slice(prefix.length).split(",");
  const wrong = values.filter((v) => !allowed.includes(v as T));
  if (wrong.length > 0) {
    console.error(`${prefix}${wrong.join(",")}: expected some of ${allowed.join(", ")}`);
    process.exit(2);
  }
  return { [key]: values as T[] };
}

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
if (only === undefined || only === "search") {
  console.log("\n== search: ranked search vs an ILIKE scan, same data, alternating rounds ==");
  const results = await benchSearch({ log: (line) => console.error(line) });
  console.log(formatSearchReport(results));
  if (results.some((r) => !r.targetMet)) process.exitCode = 1;
}

if (only === undefined || only === "limits") {
  console.log(
    "\n== limits: the costliest admissible requests on 10,000 pages, with a small query alongside ==",
  );
  const options = limitsOptions(only === "limits" ? process.argv.slice(3) : []);
  const report = await benchLimits(options);
  console.log(formatLimitsReport({ ...report, boundMs: options.boundMs }));
  if (report.failed.length > 0) process.exitCode = 1;
}

if (only === undefined || only === "walk") {
  console.log("\n== deep walk over HTTP: pickgraph vs the floor (one hand-written statement) ==");
  const serverDir = flags.find((f) => f.startsWith("--server-dir="))?.slice("--server-dir=".length);
  const report = await benchWalk({
    quick: flags.includes("--quick"),
    serverDir,
    log: (line) => console.error(line),
    ...listFlag<"postgres" | "pglite">("--drivers=", ["postgres", "pglite"], "drivers"),
    ...listFlag<"seeds" | "pages">("--datasets=", ["seeds", "pages"], "datasets"),
  });
  console.log(formatWalkReport(report));
}

if (only === undefined || only === "start") {
  console.log(
    "\n== start-up: spawn to first answered query, compiled vs tsx, empty vs existing folder ==",
  );
  const rounds = flags.find((f) => /^\d+$/.test(f));
  const baselineDir = flags.find((f) => f.startsWith("--baseline-dir="))?.slice(15);
  console.log(await benchStart(Number(rounds ?? 5), baselineDir));
}

if (only === undefined || only === "scale") {
  console.log("\n== scale-out: response cache cold vs warm, 1 vs 2 server processes (issue 13) ==");
  console.log(await benchScale((line) => console.error(line)));
}

console.log(`\nbench finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
