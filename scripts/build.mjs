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

/**
 * What the output depends on: every source file, the build settings, this script, and the
 * installed dependencies (the bundle inlines most of node_modules, patched postgres.js included):
 * the lock file and the patches stand for them.
 */
function sourceHash(files) {
  const hash = createHash("sha256");
  const patches = join(ROOT, "patches");
  const patchFiles = existsSync(patches)
    ? readdirSync(patches)
        .sort()
        .map((name) => join(patches, name))
    : [];
  for (const path of [
    CONFIG,
    join(ROOT, "tsconfig.json"),
    fileURLToPath(import.meta.url),
    join(ROOT, "package-lock.json"),
    ...patchFiles,
  ]) {
    if (existsSync(path)) hash.update(`\0${relative(ROOT, path)}\0`).update(readFileSync(path));
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
  await bundleServer();
  writeFileSync(STAMP, hash);
  console.error(
    `Built ${files.length} files into dist/ in ${Math.round(performance.now() - started)} ms.`,
  );
}

/** The server as one file, what `npm start` runs (scripts/start.mjs). */
export const BUNDLE = join(DIST, "bundle", "main.js");

/**
 * @whatwg-node/server compares its Request class with `globalThis.Request` once, when yoga is
 * created, and touching that global makes Node load its internal fetch (undici): ~270 ms of CPU
 * at every start, for a comparison whose answer is known when the class is the package's own
 * ponyfill (it is on Node). The comparison still runs for any other class.
 */
const skipNativeFetchLoad = {
  name: "skip-native-fetch-load",
  setup(build) {
    build.onLoad(
      { filter: /@whatwg-node[\\/]server[\\/]esm[\\/]createServerAdapter\.js$/ },
      (args) => {
        const source = readFileSync(args.path, "utf8");
        const comparison = "fetchAPI.Request !== globalThis.Request";
        if (!source.includes(comparison)) return undefined;
        return {
          contents: source.replace(
            comparison,
            `(fetchAPI.Request.name === "PonyfillRequest" || ${comparison})`,
          ),
          loader: "js",
        };
      },
    );
  },
};

/**
 * Bundles dist/main.js and the packages it loads into dist/bundle/main.js (issue 9: starts). Node
 * spent ~0.75 s of a ~3.8 s-CPU start resolving, reading and compiling ~1,000 module files; one
 * file skips most of that. It sits two folders deep like every dist/<layer>/ module, so the paths
 * the modules compute from import.meta.url (migrations, seeds, the cache) stay right. Kept
 * external: PGlite, which finds its WebAssembly and data files next to its own modules, and pino,
 * whose transports load files by path, and the GraphiQL page. Without esbuild (a production install) there is no
 * bundle and `npm start` runs dist/main.js.
 */

async function bundleServer() {
  rmSync(dirname(BUNDLE), { recursive: true, force: true });
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    return;
  }
  // The bundle is only faster: if it cannot be made, say so and run the files it would hold.
  await esbuild
    .build({
      entryPoints: [join(DIST, "main.js")],
      outfile: BUNDLE,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      // The GraphiQL page (9 MB) is loaded from its package when first asked for (src/app.ts).
      external: [
        "@electric-sql/pglite",
        "pino",
        "thread-stream",
        "typescript",
        "@graphql-yoga/render-graphiql",
      ],
      // CommonJS packages inside an ES module bundle still call require() for Node's modules.
      banner: {
        js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
      },
      plugins: [skipNativeFetchLoad],
      logLevel: "silent",
    })
    .catch((error) => {
      rmSync(dirname(BUNDLE), { recursive: true, force: true });
      console.error(`warning: no server bundle, npm start runs dist/main.js: ${error.message}`);
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildServer({ ifStale: process.argv.includes("--if-stale") });
}
