/**
 * `npm run bench -- start`: how long until a started server answers its first GraphQL query, on
 * an empty embedded folder (create, migrate, seed) and on an existing one, for the compiled entry
 * (`node dist/main.js`, what `npm start` runs after its staleness check), `npm start` itself and,
 * as the baseline, the TypeScript entry through tsx (what `npm start` ran before). Alternating
 * rounds, medians. Targets (issue 9): existing folder 1.5 s, empty folder 4 s after `npm start`.
 * The baseline is what `npm start` ran before (tsx for the explorer's staleness check, then the
 * build check, then node); CPU time is summed over each start's processes, since wall-clock
 * time on a loaded machine says little.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { migratedTemplate } from "../src/db/pglite-template.ts";
import { median } from "./http-load.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const QUERY = '{ comparison(slug: "individual-contributor-model-vs-management-track") { title } }';

interface Entry {
  name: string;
  command: string;
  args: string[];
  /** Where it runs (default: this checkout); the baseline may run another checkout's code. */
  cwd?: string;
}

const ENTRIES: Entry[] = [
  { name: "node dist/main.js", command: process.execPath, args: ["dist/main.js"] },
  { name: "npm start", command: "npm", args: ["start", "--silent"] },
  {
    // What `npm start` ran before issue 9's start work (prestart, then start), without npm.
    name: "tsx check + node (baseline)",
    command: "sh",
    args: [
      "-c",
      "node_modules/.bin/tsx web/build.ts --if-stale && node scripts/build.mjs --if-stale && exec node dist/main.js",
    ],
  },
];

const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU (ms) of every process in a process group, reaped children included, and the largest RSS (MB). */
function groupUsage(group: number): { cpuMs: number; rssMb: number } {
  let cpuMs = 0;
  let rssMb = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      if (Number(fields[2]) !== group) continue;
      // utime, stime, cutime, cstime
      cpuMs += [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * CLOCK_TICK_MS;
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      rssMb = Math.max(rssMb, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch {
      // The process ended while being read.
    }
  }
  return { cpuMs, rssMb };
}

interface Start {
  ms: number;
  cpuMs: number;
  /** Largest resident set of the started processes 2 s after the first answer. */
  idleRssMb: number;
}

/** Milliseconds from spawn to the first answered query, the CPU it took, and RSS after. */
async function timeToFirstAnswer(entry: Entry, dataDir: string): Promise<Start> {
  const started = performance.now();
  const child: ChildProcess = spawn(entry.command, entry.args, {
    cwd: entry.cwd ?? ROOT,
    env: {
      ...process.env,
      DATABASE_URL: `pglite://${dataDir}`,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk;
        const match = /(http:\/\/127\.0\.0\.1:\d+\/graphql)/.exec(output);
        if (match) resolve(match[1] as string);
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.on("exit", (code) =>
        reject(new Error(`${entry.name} exited with ${code}:\n${output}`)),
      );
    });
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await response.json()) as { data?: { comparison?: { title?: string } } };
    if (!body.data?.comparison?.title) throw new Error(`unexpected answer ${JSON.stringify(body)}`);
    const ms = performance.now() - started;
    const { cpuMs } = groupUsage(child.pid as number);
    await new Promise((done) => setTimeout(done, 2000));
    return { ms, cpuMs, idleRssMb: groupUsage(child.pid as number).rssMb };
  } finally {
    const exited = new Promise((done) => child.on("exit", done));
    process.kill(-(child.pid as number), "SIGTERM");
    await exited;
    // npm exits before node has closed the database; wait for the folder lock to go.
    for (
      let i = 0;
      i < 100 &&
      execFileSync("sh", ["-c", `test -e '${dataDir}.lock' && echo held || true`]).toString();
      i++
    ) {
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

/**
 * `baselineDir`: a checkout of the code before (with dist/ built and node_modules), whose start
 * chain is the baseline; without it the baseline runs this checkout's code the old way.
 */
export async function benchStart(rounds = 5, baselineDir?: string): Promise<string> {
  const entries = ENTRIES.map((entry, i) =>
    i === 2 && baselineDir ? { ...entry, name: "before (baseline dir)", cwd: baselineDir } : entry,
  );
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  const templateStarted = performance.now();
  await migratedTemplate();
  // What `npm install` made (scripts/warm-cache.mjs), for the compiled code the entries run.
  execFileSync(process.execPath, ["scripts/warm-cache.mjs"], { cwd: ROOT, stdio: "inherit" });
  const templateMs = performance.now() - templateStarted;
  const scratch = mkdtempSync(join(tmpdir(), "pickgraph-bench-start-"));
  const times = new Map<string, { empty: Start[]; existing: Start[] }>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const entry of round % 2 ? [...entries].reverse() : entries) {
        const dataDir = join(scratch, `${round}-${entry.name.replace(/\W+/g, "-")}`);
        const empty = await timeToFirstAnswer(entry, dataDir);
        const existing = await timeToFirstAnswer(entry, dataDir);
        const entryTimes = times.get(entry.name) ?? { empty: [], existing: [] };
        entryTimes.empty.push(empty);
        entryTimes.existing.push(existing);
        times.set(entry.name, entryTimes);
        console.error(
          `round ${round + 1}/${rounds} ${entry.name}: empty ${empty.ms.toFixed(0)} ms (CPU ${empty.cpuMs} ms), existing ${existing.ms.toFixed(0)} ms (CPU ${existing.cpuMs} ms)`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const baseline = times.get(entries[2]?.name as string);
  const lines = [
    `migrated and seeded templates ready in ${templateMs.toFixed(0)} ms (made once per migration set, seed corpus and code; 0 when cached)`,
    `median of ${rounds} rounds, spawn to first answered query (CPU of all its processes; largest RSS 2 s after; wall/CPU vs the baseline):`,
    "entry                          empty folder                         existing folder",
  ];
  const cell = (starts: Start[], base: Start[] | undefined) => {
    const ms = median(starts.map((s) => s.ms));
    const cpu = median(starts.map((s) => s.cpuMs));
    const rss = median(starts.map((s) => s.idleRssMb));
    const ratio = base
      ? ` (${(ms / median(base.map((s) => s.ms))).toFixed(2)}x/${(cpu / median(base.map((s) => s.cpuMs))).toFixed(2)}x)`
      : "";
    return `${(ms / 1000).toFixed(2)} s, CPU ${(cpu / 1000).toFixed(2)} s, ${rss.toFixed(0)} MB${ratio}`;
  };
  for (const [name, entryTimes] of times) {
    lines.push(
      `${name.padEnd(30)} ${cell(entryTimes.empty, baseline?.empty).padEnd(36)} ${cell(entryTimes.existing, baseline?.existing)}`,
    );
  }
  const npmStart = times.get("npm start");
  if (npmStart) {
    const empty = median(npmStart.empty.map((s) => s.ms)) / 1000;
    const existing = median(npmStart.existing.map((s) => s.ms)) / 1000;
    lines.push(
      `targets for npm start (wall clock, so only on an idle machine): existing folder <= 1.5 s: ${existing.toFixed(2)} s ${existing <= 1.5 ? "met" : "NOT met"}; empty folder <= 4 s: ${empty.toFixed(2)} s ${empty <= 4 ? "met" : "NOT met"}`,
    );
  }
  return lines.join("\n");
}
