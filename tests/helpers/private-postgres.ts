import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * A Postgres server of our own, in a temporary folder on a free port, that a test (or the drill)
 * may stop and start at will. Never the shared server on 5432. Runs as the `postgres` user, which
 * Postgres requires when we are root.
 */
export interface PrivatePostgres {
  url: string;
  port: number;
  /** Asynchronous, so a load running in the same process keeps being measured meanwhile. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it if running and removes its folder. */
  destroy(): void;
}

/** Postgres 15's binaries, as Debian installs them. */
export const BIN = "/usr/lib/postgresql/15/bin";

/** Runs a Postgres binary as the `postgres` user (it refuses root); throws with its output. */
export function asPostgres(command: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const result = asRoot
    ? spawnSync("runuser", ["-u", "postgres", "--", command, ...args], { encoding: "utf8" })
    : spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`);
  }
}

async function asPostgresAsync(command: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  await promisify(execFile)(
    asRoot ? "runuser" : command,
    asRoot ? ["-u", "postgres", "--", command, ...args] : args,
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const folder = mkdtempSync(join(tmpdir(), "pickgraph-pg-"));
  chmodSync(folder, 0o777);
  const data = join(folder, "data");
  const log = join(folder, "log");
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres", folder]);
  asPostgres(`${BIN}/initdb`, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  const port = await freePort();
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  let running = false;
  const startArgs = ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"];
  const stopArgs = ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"];
  const self: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await asPostgresAsync(`${BIN}/pg_ctl`, startArgs);
      running = true;
    },
    async stop() {
      await asPostgresAsync(`${BIN}/pg_ctl`, stopArgs);
      running = false;
    },
    destroy() {
      if (running) asPostgres(`${BIN}/pg_ctl`, stopArgs);
      rmSync(folder, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
