import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";

export interface PageText {
  text: string;
  /** The file's path as the user gave it (or relative to the folder given), for error messages. */
  source: string;
}

/** Page files end in `.txt`; topic description files in `.topics` (docs/topic-descriptions.md). */
export const PAGE_EXTENSION = ".txt";
export const TOPICS_EXTENSION = ".topics";

/** Reads page files: each path is a file, or a folder whose `.txt` files are read recursively. */
export async function readPageFiles(paths: string[]): Promise<PageText[]> {
  return readFiles(paths, PAGE_EXTENSION, true);
}

/**
 * Reads topic description files: each path is a `.topics` file, or a folder whose `.topics`
 * files are read recursively. A named file with another extension is left to readPageFiles.
 */
export async function readTopicFiles(paths: string[]): Promise<PageText[]> {
  return readFiles(paths, TOPICS_EXTENSION, false);
}

async function readFiles(
  paths: string[],
  extension: string,
  namedFilesOfAnyExtension: boolean,
): Promise<PageText[]> {
  const texts: PageText[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new Error(`${path}: no such file or folder`);
    });
    if (info.isDirectory()) {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      const files = entries
        .filter((e) => e.isFile() && e.name.endsWith(extension))
        .map((e) => join(e.parentPath, e.name))
        .sort();
      for (const file of files) {
        texts.push({
          text: await readFile(file, "utf8"),
          source: join(path, relative(path, file)),
        });
      }
    } else if (
      path.endsWith(extension) ||
      (namedFilesOfAnyExtension && !path.endsWith(TOPICS_EXTENSION))
    ) {
      texts.push({ text: await readFile(path, "utf8"), source: path });
    }
  }
  return texts;
}
