import { spawn } from "node:child_process";
import {
  existsSync,
  readFileSync,
  readlinkSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataFolderLockedError, lockDataFolder } from "../../src/db/data-folder-lock.ts";
import { REPO_ROOT, runScript } from "../helpers/processes.ts";

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), "pickgraph-lock-"));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const FAST = { heartbeatMs: 100, staleMs: 1_000 };
const bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
const pidNamespace = readlinkSync("/proc/self/ns/pid");

function writeLock(data: string, holder: Record<string, unknown>, ageMs = 0): void {
  const path = `${data}.lock`;
  writeFileSync(
    path,
    JSON.stringify({ host: hostname(), since: "then", command: "old", ...holder }),
  );
  const at = new Date(Date.now() - ageMs);
  utimesSync(path, at, at);
}

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
    writeLock(data, { pid: 4_194_305 });
    lockDataFolder(data).release();
  });

  it("does not take over a lock of an older version held on another host", () => {
    const data = join(folder, "db");
    writeLock(data, { pid: 4_194_305, host: `not-${hostname()}` });
    expect(() => lockDataFolder(data)).toThrow(/in use by process 4194305 on not-/);
  });

  it("takes over its own stale lock when restarted with the same pid on a new host name", () => {
    const data = join(folder, "db");
    // PID 1 of a restarted container: our pid, but another process start and another host name.
    writeLock(data, {
      pid: process.pid,
      host: "old-container",
      nonce: "before-the-restart",
      bootId,
      pidNamespace,
      startTicks: "1",
    });
    const started = performance.now();
    const lock = lockDataFolder(data, FAST);
    expect(performance.now() - started).toBeLessThan(500);
    lock.release();
  });

  it("takes over a lock from another pid namespace once its heartbeat has stopped", () => {
    const data = join(folder, "db");
    writeLock(
      data,
      { pid: 1, nonce: "gone", bootId, pidNamespace: "pid:[1]", startTicks: "5" },
      60_000,
    );
    const started = performance.now();
    lockDataFolder(data, FAST).release();
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("waits for a lock from another pid namespace while its heartbeat goes on, then refuses", async () => {
    const data = join(folder, "db");
    writeLock(data, { pid: 1, nonce: "alive", bootId, pidNamespace: "pid:[1]", startTicks: "5" });
    // The heartbeat of a holder we cannot see, from another process.
    const beating = spawn(
      process.execPath,
      [
        "-e",
        `setInterval(() => { const n = new Date(); require("fs").utimesSync(${JSON.stringify(`${data}.lock`)}, n, n); }, 100)`,
      ],
      { stdio: "ignore" },
    );
    try {
      // Wait until the heartbeat runs (a node process can take a while to start here).
      const written = statSync(`${data}.lock`).mtimeMs;
      while (statSync(`${data}.lock`).mtimeMs === written) {
        await new Promise((done) => setTimeout(done, 50));
      }
      const started = performance.now();
      expect(() => lockDataFolder(data, FAST)).toThrow(/in use by process 1 /);
      expect(performance.now() - started).toBeGreaterThan(FAST.staleMs);
    } finally {
      beating.kill("SIGKILL");
    }
    // Heartbeat stopped: taken over once it is stale.
    lockDataFolder(data, FAST).release();
  });

  it("never lets two live processes in together, and takes over at once from a killed one", async () => {
    const data = join(folder, "db");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "tests/db/lock-contender.ts", data, "60000"],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    const exited = new Promise((done) => child.on("exit", done));
    try {
      const deadline = Date.now() + 60_000;
      while (!output.includes("HOLDING") && Date.now() < deadline) {
        await new Promise((done) => setTimeout(done, 100));
      }
      expect(() => lockDataFolder(data, FAST)).toThrow(`in use by process ${child.pid}`);
      // Past the stale time too: the holder's heartbeat keeps it.
      await new Promise((done) => setTimeout(done, 1_500));
      expect(() => lockDataFolder(data, FAST)).toThrow(`in use by process ${child.pid}`);
      child.kill("SIGKILL");
      await exited;
      const started = performance.now();
      lockDataFolder(data, FAST).release();
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      child.kill("SIGKILL");
    }
  }, 90_000);

  it("lets exactly one of many processes racing for a stale lock in at a time", async () => {
    const data = join(folder, "db");
    writeLock(data, { pid: 4_194_305, nonce: "dead", bootId, pidNamespace, startTicks: "7" });
    const runs = await Promise.all(
      Array.from({ length: 5 }, () =>
        runScript("tests/db/lock-contender.ts", [data, "1500"], {}, 120_000),
      ),
    );
    const held = runs
      .flatMap((run) => [...run.stdout.matchAll(/GOT (\d+) (\d+)/g)])
      .map((m) => [Number(m[1]), Number(m[2])] as const)
      .sort((a, b) => a[0] - b[0]);
    expect(held.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < held.length; i++) {
      expect(held[i]?.[0]).toBeGreaterThanOrEqual(held[i - 1]?.[1] as number);
    }
    expect(runs.every((run) => run.code === 0)).toBe(true);
  }, 150_000);
});
