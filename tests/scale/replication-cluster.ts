import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asPostgres, BIN, freePort } from "../helpers/private-postgres.ts";

/**
 * A real Postgres primary and a streaming replica of it, on ports of their own, in a temp folder
 * (issue 13). The shared Postgres on 5432 has no replication entry in pg_hba and stays untouched.
 * The binaries run as the `postgres` user (they refuse root).
 */
export interface ReplicatedPostgres {
  primaryUrl: string;
  replicaUrl: string;
  primaryPort: number;
  replicaPort: number;
  stopPrimary(): void;
  startPrimary(): void;
  stopReplica(): void;
  startReplica(): void;
  /** Stops both servers and removes the folder; safe to call more than once and after failures. */
  destroy(): void;
}

export async function startReplicatedPostgres(): Promise<ReplicatedPostgres> {
  const folder = mkdtempSync(join(tmpdir(), "pickgraph-replication-"));
  const postgresUid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const postgresGid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  chownSync(folder, postgresUid, postgresGid);
  const primaryDir = join(folder, "primary");
  const replicaDir = join(folder, "replica");
  const primaryPort = await freePort();
  const replicaPort = await freePort();
  const options = (port: number) =>
    `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c jit=off -c wal_sender_timeout=5s`;
  const start = (dir: string, port: number) =>
    asPostgres(`${BIN}/pg_ctl`, [
      "-D",
      dir,
      "-o",
      options(port),
      "-l",
      `${dir}.log`,
      "-w",
      "start",
    ]);
  const stop = (dir: string) => {
    try {
      asPostgres(`${BIN}/pg_ctl`, ["-D", dir, "-m", "fast", "-w", "stop"]);
    } catch {
      // Already stopped.
    }
  };
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    stop(replicaDir);
    stop(primaryDir);
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    asPostgres(`${BIN}/initdb`, ["-D", primaryDir, "-A", "trust", "-U", "postgres", "--no-sync"]);
    asPostgres("/bin/sh", [
      "-c",
      `echo 'host replication all 127.0.0.1/32 trust' >> ${primaryDir}/pg_hba.conf`,
    ]);
    start(primaryDir, primaryPort);
    asPostgres(`${BIN}/pg_basebackup`, [
      ...["-h", "127.0.0.1", "-p", String(primaryPort), "-U", "postgres"],
      ...["-D", replicaDir, "-R", "-X", "stream"],
    ]);
    start(replicaDir, replicaPort);
  } catch (error) {
    destroy();
    throw error;
  }
  return {
    primaryUrl: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
    replicaUrl: `postgres://postgres@127.0.0.1:${replicaPort}/postgres`,
    primaryPort,
    replicaPort,
    stopPrimary: () => stop(primaryDir),
    startPrimary: () => start(primaryDir, primaryPort),
    stopReplica: () => stop(replicaDir),
    startReplica: () => start(replicaDir, replicaPort),
    destroy,
  };
}
