import { existsSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataFolderLockedError, lockDataFolder } from "../../src/db/data-folder-lock.ts";

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "pickgraph-lock-"));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("data folder lock", () => {
  it("lets one holder in and refuses the next, naming the folder and the holder", () => {
    const data = join(folder, "db");
    const lock = lockDataFolder(data);
    try {
      expect(() => lockDataFolder(data)).toThrow(DataFolderLockedError);
      expect(() => lockDataFolder(data)).toThrow(`${data} is in use by process ${process.pid}`);
    } finally {
      lock.release();
    }
    expect(existsSync(`${data}.lock`)).toBe(false);
    lockDataFolder(data).release();
  });

  it("takes over a lock left by a process that no longer runs", () => {
    const data = join(folder, "db");
    // Pid 2^22+1 is above Linux's pid_max default ceiling, so no process has it.
    writeFileSync(
      `${data}.lock`,
      JSON.stringify({ pid: 4_194_305, host: hostname(), since: "then", command: "gone" }),
    );
    const lock = lockDataFolder(data);
    lock.release();
  });

  it("does not take over a lock held on another host", () => {
    const data = join(folder, "db");
    writeFileSync(
      `${data}.lock`,
      JSON.stringify({ pid: 4_194_305, host: `not-${hostname()}`, since: "then", command: "x" }),
    );
    expect(() => lockDataFolder(data)).toThrow(/in use by process 4194305 on not-/);
  });
});
