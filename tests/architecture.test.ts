import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The layering of ARCHITECTURE.md, enforced: each module of src/ may import only the layers
 * listed for it. Entries (main, cli) may import anything.
 */
const LAYERS: Record<string, string[]> = {
  config: [],
  logger: [],
  domain: ["domain"],
  db: ["config", "logger", "domain", "db"],
  ingest: ["config", "logger", "domain", "db", "graph", "ingest"],
  graph: ["config", "logger", "domain", "db", "graph"],
  search: ["config", "logger", "domain", "db", "graph", "ingest", "search"],
  editing: ["config", "logger", "domain", "db", "graph", "ingest", "editing"],
  graphql: ["config", "logger", "domain", "db", "graph", "ingest", "search", "editing", "graphql"],
  http: ["config", "logger", "domain", "db", "graphql", "http"],
  app: ["config", "logger", "domain", "db", "graphql", "http"],
};

const SRC = fileURLToPath(new URL("../src", import.meta.url));

function layerOf(file: string): string {
  const path = relative(SRC, file);
  const [first] = path.split("/");
  return (first as string).replace(/\.ts$/, "");
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("module boundaries", () => {
  const files = sourceFiles(SRC);

  it("knows the layer of every module", () => {
    const unknown = files
      .map(layerOf)
      .filter((layer) => !(layer in LAYERS) && layer !== "main" && layer !== "cli");
    expect(unknown).toEqual([]);
  });

  it("never imports upward", () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      const allowed = LAYERS[layer];
      if (allowed === undefined) continue;
      const source = readFileSync(file, "utf8");
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
        const target = layerOf(join(file, "..", match[1] as string));
        if (!allowed.includes(target)) {
          violations.push(`${relative(SRC, file)} imports ${match[1]} (${layer} → ${target})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it("reads process.env only in config.ts", () => {
    const readers = files
      .filter((file) => readFileSync(file, "utf8").includes("process.env"))
      .map((file) => relative(SRC, file));
    expect(readers).toEqual(["config.ts"]);
  });
});
