/**
 * Builds the explorer page into dist/explorer: one bundle of web/src (TypeScript, Cytoscape.js and
 * the styles), content-hashed asset names, an index.html naming them, and a .br and .gz copy of
 * every file so the server sends compressed bytes without compressing per request.
 * Run by `npm run build:web`, `npm run build` and before `npm start`.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlibConstants } from "node:zlib";
import { build } from "esbuild";
import { explorerIsStale } from "../scripts/explorer-stale.mjs";

const WEB = dirname(fileURLToPath(import.meta.url));
const OUT = join(WEB, "..", "dist", "explorer");

export async function buildExplorer(outdir = OUT): Promise<{ files: string[]; bytes: number }> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: [join(WEB, "src", "main.ts")],
    outdir: join(outdir, "assets"),
    entryNames: "[name]-[hash]",
    bundle: true,
    minify: true,
    format: "esm",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    tsconfig: join(WEB, "tsconfig.json"),
    metafile: true,
    logLevel: "warning",
    legalComments: "linked",
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const script = outputs.find((file) => file.endsWith(".js"));
  const style = outputs.find((file) => file.endsWith(".css"));
  if (!script || !style) throw new Error(`esbuild wrote no script or style: ${outputs.join(", ")}`);
  const template = await readFile(join(WEB, "index.html"), "utf8");
  const html = template
    .replace("%STYLE%", `/assets/${style}`)
    .replace("%SCRIPT%", `/assets/${script}`);
  await writeFile(join(outdir, "index.html"), html);

  const files = ["index.html", ...outputs.map((file) => `assets/${file}`)];
  let bytes = 0;
  for (const file of files) {
    const path = join(outdir, file);
    const body = await readFile(path);
    bytes += body.byteLength;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      `${path}.br`,
      brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    await writeFile(`${path}.gz`, gzipSync(body, { level: 9 }));
  }
  return { files, bytes };
}

/** True when dist/explorer is missing or older than web/ or the installed packages. */
export function isStale(outdir = OUT): Promise<boolean> {
  return explorerIsStale(outdir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `npm start` passes --if-stale: a fresh build is kept, so starting stays fast.
  if (process.argv.includes("--if-stale") && !(await isStale())) process.exit(0);
  const started = performance.now();
  const { files, bytes } = await buildExplorer();
  const ms = Math.round(performance.now() - started);
  console.log(
    `explorer: built ${files.length} files (${Math.round(bytes / 1024)} KiB) in ${ms} ms`,
  );
}
