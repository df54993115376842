/**
 * `npm run drill [-- --seconds 40 --connections 10 --outage 10]`: the load of `npm run load`
 * while the server's Postgres is stopped for `--outage` seconds and started again. The Postgres
 * is one of its own (initdb into a temporary folder, another port), never the shared one.
 * Prints errors before, during and after the outage, the time to recover and the driver's reasons
 * behind the server's fault answers; exits 1 when the server died or failed outside the outage,
 * and then prints each late error's timing and the server's last fault lines.
 */
import { parseArgs } from "node:util";
import { openDatabase } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { seedDatabase } from "../src/editing/seed.ts";
import { createPrivatePostgres } from "../tests/helpers/private-postgres.ts";
import { loadTargets, type Outcome, percentile, rssMb, runLoad, startServer } from "./http-load.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "40" },
    connections: { type: "string", default: "10" },
    outage: { type: "string", default: "10" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const outageSeconds = Number(values.outage);
const outageStartsAt = Math.min(10, seconds / 4) * 1000;

const pg = await createPrivatePostgres();
let exitCode = 0;
try {
  const database = await openDatabase({ driver: "postgres", url: pg.url });
  await migrateDatabase(database.db);
  await seedDatabase(database.db);
  await database.close();
  // warn: the server's kept log tail (64 KB) then holds its database-fault lines with their
  // reasons, not thousands of request lines, for a run that fails to be explained afterwards.
  const server = await startServer({ DATABASE_URL: pg.url, LOG_LEVEL: "warn" });
  try {
    const targets = await loadTargets(server.url);
    await runLoad({ url: server.url, targets, connections, seconds: 3 }); // warm-up
    console.log(
      `drill: ${connections} connections for ${seconds} s; Postgres stopped at ${outageStartsAt / 1000} s for ${outageSeconds} s`,
    );
    let loadStarted = 0;
    let stoppedAt = Number.NaN;
    let startedAt = Number.NaN;
    const outage = (async () => {
      await new Promise((done) => setTimeout(done, outageStartsAt));
      // The outage starts when stopping starts: Postgres refuses new work while it shuts down.
      stoppedAt = performance.now() - loadStarted;
      await pg.stop();
      await new Promise((done) => setTimeout(done, outageSeconds * 1000));
      await pg.start();
      startedAt = performance.now() - loadStarted;
    })();
    loadStarted = performance.now();
    const wallStart = Date.now();
    const outcomes: Outcome[] = await runLoad({ url: server.url, targets, connections, seconds });
    await outage;
    const finished = (o: Outcome) => o.at + o.ms;
    const before = outcomes.filter((o) => finished(o) < stoppedAt);
    const during = outcomes.filter((o) => finished(o) >= stoppedAt && o.at < startedAt);
    const after = outcomes.filter((o) => o.at >= startedAt);
    const firstOk = after.filter((o) => o.ok).sort((a, b) => finished(a) - finished(b))[0];
    const recovery = firstOk ? finished(firstOk) - startedAt : Number.NaN;
    const lastError = after.filter((o) => !o.ok).sort((a, b) => finished(b) - finished(a))[0];
    const count = (list: Outcome[]) =>
      `${list.length} requests, ${list.filter((o) => !o.ok).length} errors`;
    console.log(`before the outage: ${count(before)}`);
    console.log(
      `during the outage (${((startedAt - stoppedAt) / 1000).toFixed(1)} s, from the stop's start, start included): ${count(during)}; error answers p50 ${percentile(
        during.filter((o) => !o.ok).map((o) => o.ms),
        50,
      ).toFixed(0)} ms, p99 ${percentile(
        during.filter((o) => !o.ok).map((o) => o.ms),
        99,
      ).toFixed(0)} ms, max ${percentile(
        during.map((o) => o.ms),
        100,
      ).toFixed(0)} ms`,
    );
    console.log(`after Postgres was back: ${count(after)}`);
    console.log(
      `time to recover: first answer ${recovery.toFixed(0)} ms after Postgres was started; last error ${lastError ? `${(finished(lastError) - startedAt).toFixed(0)} ms` : "none"} after`,
    );
    const codes = new Map<string, number>();
    for (const o of during.filter((o) => !o.ok)) {
      const code = (o.error ?? "").split(": ")[1]?.split(" ")[0] ?? "?";
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    console.log(
      `error codes during the outage: ${[...codes].map(([c, n]) => `${c} ×${n}`).join(", ") || "none"}`,
    );
    for (const [phase, list] of [
      ["before", before],
      ["after", after],
    ] as const) {
      for (const error of [...new Set(list.filter((o) => !o.ok).map((o) => o.error))].slice(0, 5)) {
        console.log(`  error ${phase} the outage: ${error}`);
      }
    }
    // The driver's reasons behind the server's fault answers (from its warn log), counted.
    const reasons = new Map<string, number>();
    for (const line of server.output().split("\n")) {
      if (!line.includes("database fault")) continue;
      try {
        const reason = String((JSON.parse(line) as { reason?: unknown }).reason)
          .replace(/\d+\.\d+\.\d+\.\d+:\d+/g, "host:port")
          .replace(/\d+ ms ago/g, "… ms ago")
          .slice(0, 120);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      } catch {
        // A line cut by the 64 KB tail.
      }
    }
    console.log(
      `server's reasons for fault answers: ${[...reasons].map(([r, n]) => `${r} ×${n}`).join("; ") || "none logged"}`,
    );
    // The circuit breaker's own lines: when the server refused statements, and when it asked
    // the database again and found it back (src/db/circuit-breaker.ts).
    for (const line of server.output().split("\n")) {
      if (!/"msg":"database (down|up)/.test(line)) continue;
      try {
        const { time, msg, reason } = JSON.parse(line) as {
          time: string;
          msg: string;
          reason: string;
        };
        console.log(`  server ${time.slice(11, 23)}: ${msg} (${String(reason).slice(0, 100)})`);
      } catch {
        // A line cut by the 64 KB tail.
      }
    }
    console.log(
      `  drill: Postgres stop began ${new Date(wallStart + stoppedAt).toISOString().slice(11, 23)}, start done ${new Date(wallStart + startedAt).toISOString().slice(11, 23)}`,
    );
    const alive = server.child.exitCode === null;
    console.log(
      `server process: ${alive ? `alive, RSS ${rssMb(server.pid).toFixed(0)} MB` : "DIED"}`,
    );
    if (!alive || before.some((o) => !o.ok) || Number.isNaN(recovery) || recovery > 2_000)
      exitCode = 1;
    const lateErrors = after.filter((o) => !o.ok && finished(o) - startedAt > 2_000);
    if (lateErrors.length > 0) {
      console.log(`errors more than 2 s after Postgres was back: ${lateErrors.length}`);
      for (const o of lateErrors.slice(0, 10)) {
        console.log(
          `  sent ${(o.at - startedAt).toFixed(0)} ms after Postgres was back, answered in ${o.ms.toFixed(0)} ms: ${o.error}`,
        );
      }
      // Why the server failed them: its last database-fault lines (the driver's reason, no SQL).
      const faults = server
        .output()
        .split("\n")
        .filter((line) => line.includes("database fault"));
      for (const line of faults.slice(-10)) console.log(`  server: ${line.slice(0, 400)}`);
      exitCode = 1;
    }
  } finally {
    await server.stop();
  }
} finally {
  pg.destroy();
}
process.exit(exitCode);
