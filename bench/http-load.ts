import { type ChildProcess, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startServer as startCompiledServer } from "../tests/helpers/processes.ts";
import { mulberry32 } from "./random.ts";

/**
 * The load `npm run load` and `npm run drill` put on a real server: a fixed number of
 * connections, each sending the next request as soon as the last one is answered, drawn from a
 * mix of the reads clients make.
 */

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface Targets {
  comparisons: string[];
  topics: string[];
}

interface Request {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

const DEEP_WALK = `query DeepWalk($slug: String!) { comparison(slug: $slug) { title verdict { pick { name } bottomLine conditions { option { name } useIf } }
  options { name isPick pros cons relatedTopics { slug name } }
  topics { slug name comparisons(first: 5) { totalCount nodes { title verdict { pick { name } bottomLine } } } } } }`;
const TOPIC_PAGE = `query TopicPage($slug: String!) { topic(slug: $slug) { name summary record { comparisons wins }
  related(first: 10) { totalCount edges { kind weight direction node { slug name } } }
  comparisons(first: 10) { nodes { slug title } pageInfo { hasNextPage endCursor } } } }`;
const NEIGHBOURHOOD = `query Neighbourhood($slug: String!) { topic(slug: $slug) { neighborhood(depth: 2, limit: 200) { truncated nodes { depth topic { slug } } edges { kind weight from { slug } to { slug } } } } }`;
const PATH = `query Path($from: String!, $to: String!) { path(from: $from, to: $to, maxDepth: 6) { length topics { slug } } }`;
const LISTS = `query Lists { topics(first: 20) { totalCount nodes { slug name } } comparisons(first: 20) { totalCount nodes { slug title category } } }`;

export function requestMix(targets: Targets, seed = 7): () => Request {
  const random = mulberry32(seed);
  const pick = (list: string[]) => list[Math.floor(random() * list.length)] as string;
  return () => {
    const roll = random();
    if (roll < 0.3)
      return {
        name: "deep walk",
        query: DEEP_WALK,
        variables: { slug: pick(targets.comparisons) },
      };
    if (roll < 0.5)
      return { name: "topic page", query: TOPIC_PAGE, variables: { slug: pick(targets.topics) } };
    if (roll < 0.7)
      return {
        name: "neighbourhood",
        query: NEIGHBOURHOOD,
        variables: { slug: pick(targets.topics) },
      };
    if (roll < 0.85)
      return {
        name: "path",
        query: PATH,
        variables: { from: pick(targets.topics), to: pick(targets.topics) },
      };
    return { name: "lists", query: LISTS, variables: {} };
  };
}

export interface Outcome {
  /** When the request was sent, ms since the load started. */
  at: number;
  ms: number;
  ok: boolean;
  /** The error code or message of a failed answer. */
  error?: string;
}

interface Answer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function post(url: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

/** Runs the mix for `seconds` over `connections` concurrent loops; every answer is checked. */
export async function runLoad(options: {
  url: string;
  targets: Targets;
  connections: number;
  seconds: number;
  onOutcome?: (outcome: Outcome) => void;
}): Promise<Outcome[]> {
  const next = requestMix(options.targets);
  const outcomes: Outcome[] = [];
  const started = performance.now();
  const end = started + options.seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const request = next();
      const sent = performance.now();
      let outcome: Outcome;
      try {
        const { status, body } = await post(options.url, request.query, request.variables);
        const error = body.errors?.[0];
        outcome =
          status === 200 && !error && body.data
            ? { at: sent - started, ms: performance.now() - sent, ok: true }
            : {
                at: sent - started,
                ms: performance.now() - sent,
                ok: false,
                error: `${request.name}: ${error?.extensions?.code ?? status} ${error?.message ?? ""}`,
              };
      } catch (error) {
        outcome = {
          at: sent - started,
          ms: performance.now() - sent,
          ok: false,
          error: `${request.name}: ${(error as Error).message}`,
        };
        // A refused connection answers at once; do not spin.
        await new Promise((done) => setTimeout(done, 50));
      }
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  return outcomes;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** The median of rounds' figures (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Resident memory of a process, MB (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  /** The pid of the node process serving (not a wrapper). */
  pid: number;
  /** The last 64 KB the server printed. */
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts the server as production runs it (`node dist/main.js`, built first when the sources
 * changed, no wrapper) through the tests' helper, and resolves once it serves GraphQL.
 */
export async function startServer(
  env: Record<string, string>,
  timeoutMs = 180_000,
): Promise<RunningServer> {
  execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: ROOT });
  // Without the tests' `--liftoff-only`: measured is the server as `npm start` runs it.
  const server = await startCompiledServer({ LOG_LEVEL: "info", ...env }, timeoutMs, "serving", []);
  return {
    child: server.process,
    url: server.url,
    pid: server.process.pid as number,
    output: server.output,
    stop: server.stop,
  };
}

/** Slugs to aim the mix at, read from the server itself. */
export async function loadTargets(url: string): Promise<Targets> {
  const { body } = await post(
    url,
    `{ comparisons(first: 100) { nodes { slug } } topics(first: 100) { nodes { slug } } }`,
    {},
  );
  const data = body.data as Record<"comparisons" | "topics", { nodes: { slug: string }[] }>;
  return {
    comparisons: data.comparisons.nodes.map((n) => n.slug),
    topics: data.topics.nodes.map((n) => n.slug),
  };
}
