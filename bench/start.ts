/**
 * `npm run bench -- start`: how long until a started server answers its first GraphQL query, on
 * an empty embedded folder (create, migrate, seed) and on an existing one, for the compiled entry
 * (`node dist/main.js`, what `npm start` runs after its staleness check), `npm start` itself and,
 * as the baseline, the TypeScript entry through tsx (what `npm start` ran before). Alternating
 * rounds, medians. Targets (issue 9): existing folder 1.5 s, empty folder 4 s after `npm start`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { migratedTemplate } from "../src/db/pglite-template.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const QUERY = '{ comparison(slug: "individual-contributor-model-vs-management-track") { title } }';

interface Entry {
  name: string;
  command: string;
  args: string[];
}

const ENTRIES: Entry[] = [
  { name: "node dist/main.js", command: process.execPath, args: ["dist/main.js"] },
  { name: "npm start", command: "npm", args: ["start", "--silent"] },
  {
    name: "tsx src/main.ts (baseline)",
    command: join(ROOT, "node_modules/.bin/tsx"),
    args: ["src/main.ts"],
  },
];

/** Milliseconds from spawn to the first answered query. */
async function timeToFirstAnswer(entry: Entry, dataDir: string): Promise<number> {
  const started = performance.now();
  const child: ChildProcess = spawn(entry.command, entry.args, {
    cwd: ROOT,
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
    return performance.now() - started;
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export async function benchStart(rounds = 5): Promise<string> {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], {
    cwd: ROOT,
    stdio: "inherit",
  });
  const templateStarted = performance.now();
  await migratedTemplate();
  const templateMs = performance.now() - templateStarted;
  const scratch = mkdtempSync(join(tmpdir(), "pickgraph-bench-start-"));
  const times = new Map<string, { empty: number[]; existing: number[] }>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const entry of round % 2 ? [...ENTRIES].reverse() : ENTRIES) {
        const dataDir = join(scratch, `${round}-${entry.name.replace(/\W+/g, "-")}`);
        const empty = await timeToFirstAnswer(entry, dataDir);
        const existing = await timeToFirstAnswer(entry, dataDir);
        const entryTimes = times.get(entry.name) ?? { empty: [], existing: [] };
        entryTimes.empty.push(empty);
        entryTimes.existing.push(existing);
        times.set(entry.name, entryTimes);
        console.error(
          `round ${round + 1}/${rounds} ${entry.name}: empty ${empty.toFixed(0)} ms, existing ${existing.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const baseline = times.get(ENTRIES[2]?.name as string);
  const lines = [
    `migrated template ready in ${templateMs.toFixed(0)} ms (made once per migration set; 0 when cached)`,
    `median of ${rounds} rounds, spawn to first answered query:`,
    "entry                          empty folder          existing folder",
  ];
  for (const [name, entryTimes] of times) {
    const empty = median(entryTimes.empty);
    const existing = median(entryTimes.existing);
    const ratio = (value: number, base: number[] | undefined) =>
      base ? ` (${(value / median(base)).toFixed(2)}x)` : "";
    lines.push(
      `${name.padEnd(30)} ${`${(empty / 1000).toFixed(2)} s${ratio(empty, baseline?.empty)}`.padEnd(21)} ${(existing / 1000).toFixed(2)} s${ratio(existing, baseline?.existing)}`,
    );
  }
  const npmStart = times.get("npm start");
  if (npmStart) {
    const empty = median(npmStart.empty) / 1000;
    const existing = median(npmStart.existing) / 1000;
    lines.push(
      `targets for npm start: existing folder <= 1.5 s: ${existing.toFixed(2)} s ${existing <= 1.5 ? "met" : "NOT met"}; empty folder <= 4 s: ${empty.toFixed(2)} s ${empty <= 4 ? "met" : "NOT met"}`,
    );
  }
  return lines.join("\n");
}
