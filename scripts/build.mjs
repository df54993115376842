// Compiles src/ to dist/ file by file with the TypeScript compiler's transpiler (no type check:
// that is `npm run typecheck`), in about a second instead of tsc's 6-16 s here.
// `--if-stale` rebuilds only when the sources changed since the last build, so `npm start`,
// `npm run cli` and the tests can run compiled JavaScript without anyone remembering to build.
// scripts/start.mjs (`npm start`) calls buildServer in its own process.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(ROOT, "src");
const DIST = join(ROOT, "dist");
const STAMP = join(DIST, ".source-hash");
const CONFIG = join(ROOT, "tsconfig.build.json");

function sourceFiles(folder) {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
    })
    .sort();
}

/** What the output depends on: every source file, the build settings and this script. */
function sourceHash(files) {
  const hash = createHash("sha256");
  for (const path of [CONFIG, join(ROOT, "tsconfig.json"), fileURLToPath(import.meta.url)]) {
    hash.update(readFileSync(path));
  }
  for (const file of files) hash.update(`\0${relative(ROOT, file)}\0`).update(readFileSync(file));
  return hash.digest("hex");
}

/**
 * Compiles src/ into dist/; with `ifStale`, only when the sources changed since the last build.
 * Also called in-process by scripts/start.mjs.
 */
export async function buildServer({ ifStale = false } = {}) {
  const files = sourceFiles(SRC);
  const hash = sourceHash(files);
  if (ifStale) {
    let built = "";
    try {
      built = readFileSync(STAMP, "utf8");
    } catch {}
    if (built === hash) return;
  }

  const started = performance.now();
  // Loaded only when there is something to compile: it is a devDependency and takes ~0.5 s to load.
  const { default: ts } = await import("typescript");
  const parsed = ts.getParsedCommandLineOfConfigFile(
    CONFIG,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!parsed) throw new Error(`cannot read ${CONFIG}`);
  // dist/explorer is the web build's (web/build.ts): only the compiled server code is replaced.
  for (const entry of existsSync(DIST) ? readdirSync(DIST) : []) {
    if (entry !== "explorer") rmSync(join(DIST, entry), { recursive: true, force: true });
  }
  for (const file of files) {
    const output = ts.transpileModule(readFileSync(file, "utf8"), {
      // The package is "type": "module"; the transpiler alone cannot see that, so say it.
      compilerOptions: {
        ...parsed.options,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
      },
      fileName: file,
      reportDiagnostics: true,
    });
    const problems = output.diagnostics ?? [];
    if (problems.length > 0) {
      const text = problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      throw new Error(`${relative(ROOT, file)}: ${text.join("; ")}`);
    }
    const target = join(DIST, relative(SRC, file)).replace(/\.ts$/, ".js");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  writeFileSync(STAMP, hash);
  console.error(
    `Built ${files.length} files into dist/ in ${Math.round(performance.now() - started)} ms.`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildServer({ ifStale: process.argv.includes("--if-stale") });
}
