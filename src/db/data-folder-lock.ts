import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";

/** A second process opening the same PGlite folder would corrupt it; PGlite itself does not lock. */
export class DataFolderLockedError extends Error {
  constructor(
    readonly folder: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The database folder ${folder} is in use by process ${holder.pid} on ${holder.host} ` +
        `(since ${holder.since}, "${holder.command}"). Stop that process, or point DATABASE_URL at ` +
        "another folder or at Postgres.",
    );
    this.name = "DataFolderLockedError";
  }
}

interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export interface DataFolderLock {
  readonly path: string;
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as LockHolder;
  } catch {
    return null;
  }
}

/**
 * Takes `<folder>.lock` beside the data folder with an exclusive create, so exactly one process
 * wins. A lock left by a process that no longer runs on this host is taken over.
 */
export function lockDataFolder(folder: string): DataFolderLock {
  const absolute = resolve(folder);
  const path = `${absolute}.lock`;
  mkdirSync(dirname(absolute), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(1).join(" "),
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
        process.off("exit", release);
      };
      process.on("exit", release);
      return { path, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readHolder(path);
      if (holder && holder.host === me.host && !isAlive(holder.pid)) {
        rmSync(path, { force: true });
        continue;
      }
      if (holder === null) {
        // Written this instant by another process, or truncated: look again before judging.
        continue;
      }
      throw new DataFolderLockedError(absolute, holder);
    }
  }
  const holder = readHolder(path) ?? { pid: 0, host: "unknown", since: "unknown", command: "" };
  throw new DataFolderLockedError(absolute, holder);
}
