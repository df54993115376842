// Whether dist/explorer must be rebuilt (web/build.ts builds it), in plain JavaScript so that
// `npm start` (scripts/start.mjs) can ask without starting tsx, which cost it ~1 s of CPU.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const EXPLORER_OUT = join(ROOT, "dist", "explorer");

/** The newest modification time under the given paths (the build's inputs). */
async function newestChange(paths) {
  let newest = 0;
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) {
      const entries = await readdir(path);
      newest = Math.max(newest, await newestChange(entries.map((entry) => join(path, entry))));
    } else {
      newest = Math.max(newest, info.mtimeMs);
    }
  }
  return newest;
}

/** True when the explorer build is missing or older than web/ or the installed packages. */
export async function explorerIsStale(outdir = EXPLORER_OUT) {
  const built = await stat(join(outdir, "index.html")).catch(() => null);
  if (!built) return true;
  const inputs = [
    join(ROOT, "web", "src"),
    join(ROOT, "web", "index.html"),
    join(ROOT, "web", "build.ts"),
    join(ROOT, "package-lock.json"),
  ];
  return (await newestChange(inputs)) > built.mtimeMs;
}
