import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The compiled entry for a source entry (`src/cli.ts` → `dist/cli.js`): tests run what production
 * runs, and spawning node on JavaScript costs ~0.4 s where tsx cost ~5 s. tests/global-setup.ts
 * compiles dist/ before the run whenever the sources changed.
 */
export function compiledEntry(source: string): string {
  const match = /^src\/(.+)\.ts$/.exec(source);
  if (!match) throw new Error(`not a source entry: ${source}`);
  return `dist/${match[1]}.js`;
}

/**
 * V8 flags of the Node processes tests start. `--liftoff-only`: PGlite's WebAssembly is compiled
 * by V8's baseline compiler alone. Optimising it pays in a long-lived server, but a process that
 * lives seconds spent half its CPU there (a CLI export 1.5 → 0.8 CPU-seconds, a seed 2.7 → 1.25).
 * It changes how the WebAssembly is compiled, not what runs.
 */
export const NODE_FLAGS = ["--liftoff-only"];

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `<script>` (a src/ entry, compiled; or a test script) with node from the repository root and waits for it. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    // src/ entries run compiled; test scripts (e.g. tests/db/lock-contender.ts) through tsx.
    const entry = script.startsWith("src/") ? [compiledEntry(script)] : ["--import", "tsx", script];
    const child = spawn(process.execPath, [...NODE_FLAGS, ...entry, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} ${args.join(" ")} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Server {
  process: ChildProcess;
  /** `http://127.0.0.1:<port>`, and its GraphQL endpoint. */
  base: string;
  url: string;
  output: () => string;
  /** The exit code once it has exited. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** What `startServer` waits for: the GraphQL URL it prints once serving, or only the socket. */
const READY = {
  serving: /(http:\/\/127\.0\.0\.1:\d+)\/graphql/,
  // main.ts listens before it migrates: a database that is down shows up after this.
  listening: /listening on (127\.0\.0\.1:\d+)/,
} as const;

/**
 * Starts the compiled `src/main.ts` on a free port and resolves once it prints its GraphQL URL
 * (`until: "serving"`) or once it listens, before it has migrated (`until: "listening"`).
 * `nodeFlags`: the tests' NODE_FLAGS unless told; a benchmark passes `[]` to measure the server
 * as `npm start` runs it (with `--liftoff-only` a PGlite statement costs up to twice the CPU).
 */
export function startServer(
  env: Record<string, string>,
  timeoutMs = 60_000,
  until: keyof typeof READY = "serving",
  nodeFlags: readonly string[] = NODE_FLAGS,
): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, compiledEntry("src/main.ts")], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start (${until}) in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      // The last 64 KB: enough for any test's look at the log, bounded for long load runs.
      output = (output + chunk).slice(-65_536);
      const match = READY[until].exec(output);
      if (match) {
        clearTimeout(timer);
        const base = until === "serving" ? (match[1] as string) : `http://${match[1]}`;
        resolve({
          process: child,
          base,
          url: `${base}/graphql`,
          output: () => output,
          exited,
          stop: async () => {
            child.kill("SIGTERM");
            return exited;
          },
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
}
