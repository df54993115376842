import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";

export interface PageText {
  text: string;
  /** The file's path as the user gave it (or relative to the folder given), for error messages. */
  source: string;
}

/** Reads page files: each path is a file, or a folder whose `.txt` files are read recursively. */
export async function readPageFiles(paths: string[]): Promise<PageText[]> {
  const pages: PageText[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new Error(`${path}: no such file or folder`);
    });
    if (info.isDirectory()) {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      const files = entries
        .filter((e) => e.isFile() && e.name.endsWith(".txt"))
        .map((e) => join(e.parentPath, e.name))
        .sort();
      for (const file of files) {
        pages.push({
          text: await readFile(file, "utf8"),
          source: join(path, relative(path, file)),
        });
      }
    } else {
      pages.push({ text: await readFile(path, "utf8"), source: path });
    }
  }
  return pages;
}
