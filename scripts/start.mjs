// `npm start`: one plain Node process that rebuilds what is stale and then runs the server.
// dist/ is recompiled when src/ changed (scripts/build.mjs), the explorer page only when web/
// changed (web/build.ts, through tsx, only then), and the server runs in this same process,
// from the one-file bundle the build makes (scripts/build.mjs).
// Before, `npm start` started tsx just to find the explorer fresh (~1 s of CPU, several seconds
// on a loaded machine) and then a second Node process for the server (issue 9: starts).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BUNDLE, buildServer } from "./build.mjs";
import { explorerIsStale } from "./explorer-stale.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

await buildServer({ ifStale: true });
if (await explorerIsStale()) {
  const built = spawnSync(process.execPath, ["--import", "tsx", "web/build.ts"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
// The one-file bundle when the build made one (esbuild is a devDependency), dist/main.js otherwise.
if (existsSync(BUNDLE)) await import(pathToFileURL(BUNDLE).href);
else await import("../dist/main.js");
