import { randomUUID } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { Worker } from "node:worker_threads";

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

/**
 * Who holds a lock. A pid alone names a process only within one boot of one kernel and one pid
 * namespace: a container restarted after a crash is PID 1 again, often on a new host name. So
 * the holder also records the kernel's boot id, its pid namespace, the start time of its process
 * and a random nonce; when those cannot prove it alive or dead, its heartbeat decides.
 */
interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
  nonce?: string;
  bootId?: string | null;
  pidNamespace?: string | null;
  startTicks?: string | null;
}

export interface DataFolderLock {
  readonly path: string;
  release(): void;
}

export interface LockTiming {
  /** How often the holder touches its lock file (from a worker thread, so a busy PGlite query cannot stop it). */
  heartbeatMs: number;
  /** A lock untouched for this long belongs to no live process. */
  staleMs: number;
}

const DEFAULT_TIMING: LockTiming = { heartbeatMs: 2_000, staleMs: 10_000 };

function readOptional(read: () => string): string | null {
  try {
    return read().trim();
  } catch {
    return null;
  }
}

const bootId = () => readOptional(() => readFileSync("/proc/sys/kernel/random/boot_id", "utf8"));
const pidNamespace = () => readOptional(() => readlinkSync("/proc/self/ns/pid"));

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTicksOf(pid: number): string | null {
  const stat = readOptional(() => readFileSync(`/proc/${pid}/stat`, "utf8"));
  if (stat === null) return null;
  // The command name (field 2) may hold spaces and parentheses: count from its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[19] ?? null;
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

function readHolder(path: string): { holder: LockHolder; touchedAt: number } | null {
  try {
    const touchedAt = statSync(path).mtimeMs;
    return { holder: JSON.parse(readFileSync(path, "utf8")) as LockHolder, touchedAt };
  } catch {
    return null;
  }
}

type Verdict = "alive" | "dead" | "unknown";

/**
 * Whether the holder runs. Exact when it ran on this kernel boot in our pid namespace (pid and
 * start time together name one process: a reused pid has another start time); "unknown" when it
 * ran elsewhere (another container, a namespace since gone, another machine), left to the heartbeat.
 */
function judge(holder: LockHolder, me: LockHolder): Verdict {
  const comparable =
    holder.bootId != null &&
    holder.bootId === me.bootId &&
    holder.pidNamespace != null &&
    holder.pidNamespace === me.pidNamespace;
  if (comparable) {
    if (!isAlive(holder.pid)) return "dead";
    return startTicksOf(holder.pid) === holder.startTicks ? "alive" : "dead";
  }
  // Written by an older pickgraph (pid and host only, no heartbeat): the old rule.
  if (holder.nonce === undefined) {
    return holder.host === me.host && !isAlive(holder.pid) ? "dead" : "alive";
  }
  return "unknown";
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Creates `path` holding `content`, failing with EEXIST when it exists. */
function createExclusive(path: string, content: string): void {
  const fd = openSync(path, "wx");
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removing a stale lock and creating ours are two steps; two processes finding the same stale lock
 * could both pass the first and, with bad timing, one delete the other's fresh lock. The takeover
 * is therefore done under a second, short-lived lock file, and the staleness judged again there.
 */
function takeOver(path: string, stale: LockHolder, me: LockHolder, staleMs: number): boolean {
  const mutex = `${path}.takeover`;
  try {
    createExclusive(mutex, me.nonce ?? "");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Held for milliseconds by a live taker; one this old was left by a process that died in it.
    const age = readOptional(() => String(Date.now() - statSync(mutex).mtimeMs));
    if (age !== null && Number(age) > staleMs) rmSync(mutex, { force: true });
    return false;
  }
  try {
    const current = readHolder(path);
    if (
      current !== null &&
      current.holder.nonce === stale.nonce &&
      current.holder.pid === stale.pid
    ) {
      rmSync(path, { force: true });
    }
    return true;
  } finally {
    rmSync(mutex, { force: true });
  }
}

/** Touches the lock file from a worker thread for as long as we hold it. */
function startHeartbeat(path: string, nonce: string, intervalMs: number): Worker {
  const worker = new Worker(
    `const { readFileSync, utimesSync } = require("node:fs");
     const { workerData } = require("node:worker_threads");
     setInterval(() => {
       try {
         if (JSON.parse(readFileSync(workerData.path, "utf8")).nonce !== workerData.nonce) return;
         const now = new Date();
         utimesSync(workerData.path, now, now);
       } catch {}
     }, workerData.intervalMs);`,
    { eval: true, workerData: { path, nonce, intervalMs } },
  );
  worker.unref();
  return worker;
}

/**
 * Takes `<folder>.lock` beside the data folder with an exclusive create, so exactly one process
 * wins. A lock whose holder is proven dead is taken over at once; one whose holder cannot be
 * checked from here (another pid namespace or machine) is taken over once its heartbeat stops,
 * which a crashed container's restart waits for (at most `staleMs`).
 */
export function lockDataFolder(
  folder: string,
  timing: LockTiming = DEFAULT_TIMING,
): DataFolderLock {
  const absolute = resolve(folder);
  const path = `${absolute}.lock`;
  mkdirSync(dirname(absolute), { recursive: true });
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(1).join(" "),
    nonce: randomUUID(),
    bootId: bootId(),
    pidNamespace: pidNamespace(),
    startTicks: startTicksOf(process.pid),
  };
  const nonce = me.nonce as string;
  // Long enough to see a live holder's heartbeat twice, or a dead one's go stale.
  const deadline = Date.now() + timing.staleMs + 2 * timing.heartbeatMs;
  let last: LockHolder | null = null;
  while (Date.now() < deadline) {
    try {
      createExclusive(path, JSON.stringify(me));
      const heartbeat = startHeartbeat(path, nonce, timing.heartbeatMs);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        void heartbeat.terminate();
        if (readHolder(path)?.holder.nonce === nonce) rmSync(path, { force: true });
        process.off("exit", release);
      };
      process.on("exit", release);
      return { path, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const found = readHolder(path);
    if (found === null) {
      // Written this instant by another process, or removed: look again before judging.
      sleep(20);
      continue;
    }
    last = found.holder;
    const verdict = judge(found.holder, me);
    if (verdict === "alive") throw new DataFolderLockedError(absolute, found.holder);
    const silentFor = Date.now() - found.touchedAt;
    if (verdict === "dead" || silentFor > timing.staleMs) {
      takeOver(path, found.holder, me, timing.staleMs);
      sleep(Math.floor(Math.random() * 20));
      continue;
    }
    sleep(Math.min(timing.heartbeatMs, 250));
  }
  throw new DataFolderLockedError(
    absolute,
    last ?? { pid: 0, host: "unknown", since: "unknown", command: "" },
  );
}
