import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { createToken } from "../../src/editing/tokens.ts";
import type { Page } from "../../src/ingest/page.ts";
import { parsePage } from "../../src/ingest/parse-page.ts";
import {
  createTestDatabase,
  snapshotTables,
  type TestDatabase,
  testDriver,
} from "../helpers/database.ts";
import { graphql } from "../helpers/graphql.ts";
import { compiledEntry, NODE_FLAGS } from "../helpers/processes.ts";

/**
 * The real CLI in a child process, as a user runs it. Each test gets its own database: a copy of
 * a migrated PGlite folder (starting PGlite on an empty folder costs seconds), or a fresh
 * Postgres database when TEST_DATABASE_URL is set.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI_TIMEOUT = 90_000;

let scratch: string;
let template: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "pickgraph-cli-"));
  if (testDriver === "pglite") {
    template = join(scratch, "template");
    const database = await openDatabase({ driver: "pglite", dataDir: template });
    try {
      await migrateDatabase(database.db);
    } finally {
      await database.close();
    }
  }
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, compiledEntry("src/cli.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Workspace {
  /** A folder of its own for the test's files. */
  dir: string;
  /** Runs the CLI against the test's database. */
  run: (...args: string[]) => Promise<Run>;
  /** Opens the database in this process, once no CLI runs; closed by `dispose`. */
  open: () => Promise<Database>;
  /** Closes what `open` opened (an embedded folder admits one process at a time). */
  release: () => Promise<void>;
  dispose: () => Promise<void>;
}

async function workspace(): Promise<Workspace> {
  const dir = await mkdtemp(join(scratch, "test-"));
  let postgres: TestDatabase | null = null;
  let url: string;
  if (testDriver === "postgres") {
    postgres = await createTestDatabase();
    url = postgres.url as string;
  } else {
    await cp(template, join(dir, "db"), { recursive: true });
    url = `pglite://${join(dir, "db")}`;
  }
  let opened: Database | null = null;
  return {
    dir,
    run: (...args) => cli(args, { DATABASE_URL: url }),
    open: async () => {
      opened ??= postgres ?? (await openDatabase({ driver: "pglite", dataDir: join(dir, "db") }));
      return opened;
    },
    release: async () => {
      if (opened !== null && opened !== postgres) await opened.close();
      opened = null;
    },
    dispose: async () => {
      if (opened !== null && opened !== postgres) await opened.close();
      await postgres?.close();
    },
  };
}

async function writePages(dir: string, pages: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(pages)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
}

function withoutSource(page: Page): Omit<Page, "source"> {
  const { source: _source, ...rest } = page;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Pages no fixture has: CRLF, three options, symbols in names, bullet styles, no contact, no cons.

const LANGUAGES = `Languages

C# vs C++ vs Node.js

Backend teams keep weighing a managed runtime, a systems language and JavaScript on the server.
Here's our take.

🧊Nice Pick

C#

C# pairs a fast runtime with tooling that makes large codebases pleasant to change.

C#

Nice Pick

C# pairs a fast runtime with tooling that makes large codebases pleasant to change.

Pros

  • +Excellent IDE support and refactoring tools
  • +Related to: dot-net, Game Engines

Cons

  • -Its Windows-first history still shows in places

C++

C++ gives full control over memory and hardware for the hottest code paths.

Pros

- +Zero-cost abstractions
- +Related to: systems-programming, game-engines

Cons

- -Undefined behaviour is easy to write

Node.js

Node.js runs JavaScript on the server with a huge package ecosystem.

Pros

* Same language in the browser and on the server
* Related to: javascript, dot-net

Cons

* Callback-heavy code needs discipline

The Verdict

Use C# if: You want one language for services, tools and games.

Use C++ if: Every microsecond and byte matters.

Use Node.js if: Your team already writes JavaScript all day.

🧊
The Bottom Line
C# wins

C# gives the best balance of speed, safety and tooling for most backend teams.
`.replace(/\n/g, "\r\n");
const LANGUAGES_SLUG = "c-sharp-vs-c-plus-plus-vs-node-js";

const CAFE = `Operations   


Café Ops vs Night Shift

Small teams running a café-sized operation wonder whether to staff the night.

🧊 Nice Pick

Café Ops

Café Ops keeps the whole team on daytime hours and hands the night to automation.

Café Ops

Café Ops keeps the whole team on daytime hours and hands the night to automation.

Pros

  • +People sleep at night   
  • +Related to: on-call, automation

Night Shift

A night shift puts a person on duty while customers on other continents are awake.

Pros

  • +Someone is always awake when things break

Cons

  • -Night work wears people down

The Verdict

Use Café Ops if: Your customers sleep when you do.

Use Night Shift if: An outage at night costs more than a salary.

🧊 The Bottom Line

Café Ops wins

Automate the night and keep people rested.

Disagree with our pick? ops@example.com`;
const CAFE_SLUG = "cafe-ops-vs-night-shift";

const ON_CALL = `Operations

On-Call vs Follow the Sun

Global teams choose between paging whoever is on call and handing work across time zones.

🧊Nice Pick

Follow the Sun

Follow the Sun hands open work to the next region, so nobody is woken at night.

On-Call

On-Call puts one engineer per rotation in charge of incidents, day and night.

Pros

  • +One owner for every incident
  • +Related to: automation

Cons

  • -Pages at 3 a.m. burn people out

Follow the Sun

Nice Pick

Follow the Sun hands open work to the next region, so nobody is woken at night.

Pros

  • +Everyone works in daylight

Cons

  • -Needs teams in at least three regions

The Verdict

Use On-Call if: Your team sits in one time zone.

Use Follow the Sun if: You already have offices across the world.

🧊
The Bottom Line
Follow the Sun wins

Spread the day across regions when you can; page people only when you must.

Disagree with our pick? ops@example.com
`;
const ON_CALL_SLUG = "on-call-vs-follow-the-sun";

/** A good page made bad twice over: a condition for an unknown option, and `wins` disagrees. */
const BROKEN = ON_CALL.replace("Use On-Call if:", "Use Pager Duty if:").replace(
  "Follow the Sun wins",
  "On-Call wins",
);
const lineOf = (text: string, line: string) => text.split("\n").indexOf(line) + 1;
const BROKEN_USE_IF_LINE = lineOf(ON_CALL, "Use On-Call if: Your team sits in one time zone.");
const BROKEN_WINS_LINE = lineOf(ON_CALL, "Follow the Sun wins");

const NO_TITLE = "Operations\n\nJust some words about operations.\n";

// ---------------------------------------------------------------------------------------------

describe("npm run cli -- import", () => {
  it(
    "imports a folder of varied pages, reports what it created, and reads back over GraphQL",
    async () => {
      const ws = await workspace();
      try {
        const pages = join(ws.dir, "pages");
        await writePages(pages, {
          "languages.txt": LANGUAGES,
          "cafe.txt": CAFE,
          "nested/on-call.txt": ON_CALL,
          "notes.md": "not a page",
        });

        const first = await ws.run("import", pages);
        expect(first.stderr).toBe("");
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/^created: 3$/m);
        for (const slug of [LANGUAGES_SLUG, CAFE_SLUG, ON_CALL_SLUG]) {
          expect(first.stdout).toMatch(new RegExp(`^\\s+${slug}$`, "m"));
        }
        expect(first.stdout).toMatch(/^updated: 0$/m);
        expect(first.stdout).toMatch(/^unchanged: 0$/m);
        // c-sharp c-plus-plus node-js dot-net game-engines systems-programming javascript
        // cafe-ops night-shift on-call automation follow-the-sun
        expect(first.stdout).toMatch(/^topics created: 12$/m);

        const again = await ws.run("import", pages);
        expect(again.code).toBe(0);
        expect(again.stdout).toMatch(/^created: 0$/m);
        expect(again.stdout).toMatch(/^updated: 0$/m);
        expect(again.stdout).toMatch(/^unchanged: 3$/m);
        expect(again.stdout).toMatch(/^topics created: 0$/m);

        const app = createApp({ database: await ws.open(), logErrors: false });
        const { data, errors } = await graphql(
          app,
          `{
            languages: comparison(slug: "${LANGUAGES_SLUG}") {
              title intro feedbackContact version
              options { name isPick pros cons topic { slug } relatedTopics { slug } }
              verdict { pick { name } bottomLine }
            }
            cafe: comparison(slug: "${CAFE_SLUG}") {
              category feedbackContact
              options { name pros cons useIf }
            }
            onCall: topic(slug: "on-call") { name provisional comparisons(first: 5) { nodes { slug } } }
            engines: topic(slug: "game-engines") {
              name provisional
              related(first: 10) { edges { kind direction node { slug } } }
            }
          }`,
        );
        expect(errors).toBeUndefined();
        expect(data?.languages).toMatchObject({
          title: "C# vs C++ vs Node.js",
          intro:
            "Backend teams keep weighing a managed runtime, a systems language and JavaScript on the server.\nHere's our take.",
          feedbackContact: null,
          version: 1,
          verdict: {
            pick: { name: "C#" },
            bottomLine:
              "C# gives the best balance of speed, safety and tooling for most backend teams.",
          },
        });
        expect(
          data?.languages.options.map((o: any) => [
            o.name,
            o.isPick,
            o.topic.slug,
            o.relatedTopics.map((t: any) => t.slug),
          ]),
        ).toEqual([
          ["C#", true, "c-sharp", ["dot-net", "game-engines"]],
          ["C++", false, "c-plus-plus", ["systems-programming", "game-engines"]],
          ["Node.js", false, "node-js", ["javascript", "dot-net"]],
        ]);
        expect(data?.languages.options[2]).toMatchObject({
          pros: ["Same language in the browser and on the server"],
          cons: ["Callback-heavy code needs discipline"],
        });
        expect(data?.cafe).toMatchObject({
          category: "Operations",
          feedbackContact: "ops@example.com",
          options: [
            {
              name: "Café Ops",
              pros: ["People sleep at night"],
              cons: [],
              useIf: "Your customers sleep when you do.",
            },
            { name: "Night Shift", cons: ["Night work wears people down"] },
          ],
        });
        // Tagged by the café page, named by the on-call page of the same batch.
        expect(data?.onCall).toEqual({
          name: "On-Call",
          provisional: false,
          comparisons: { nodes: [{ slug: CAFE_SLUG }, { slug: ON_CALL_SLUG }] },
        });
        expect(data?.engines.name).toBe("Game Engines");
        expect(data?.engines.provisional).toBe(true);
        expect(
          data?.engines.related.edges.map((e: any) => `${e.kind} ${e.direction} ${e.node.slug}`),
        ).toEqual(["RELATED_TO IN c-plus-plus", "RELATED_TO IN c-sharp"]);
      } finally {
        await ws.dispose();
      }
    },
    CLI_TIMEOUT,
  );

  it(
    "refuses a batch with broken pages, naming each file and line, and writes nothing",
    async () => {
      const ws = await workspace();
      try {
        await writePages(ws.dir, { "before/cafe.txt": CAFE });
        expect((await ws.run("import", join(ws.dir, "before"))).code).toBe(0);

        const pages = join(ws.dir, "pages");
        await writePages(pages, {
          "cafe.txt": CAFE.replace("People sleep at night", "Everybody sleeps at night"),
          "languages.txt": LANGUAGES,
          "broken.txt": BROKEN,
          "untitled.txt": NO_TITLE,
        });
        const refused = await ws.run("import", pages);
        expect(refused.code).not.toBe(0);
        expect(refused.code).not.toBe(2);
        expect(refused.stdout).toBe("");
        const broken = join(pages, "broken.txt");
        expect(refused.stderr).toContain(
          `${broken}:${BROKEN_USE_IF_LINE}: expected "Use <option> if:" to name an option`,
        );
        expect(refused.stderr).toContain(
          `${broken}:${BROKEN_WINS_LINE}: expected "Follow the Sun wins" to agree with the pick`,
        );
        expect(refused.stderr).toMatch(
          new RegExp(`${join(pages, "untitled.txt").replace(/[.]/g, "\\.")}:3: expected a title`),
        );
        expect(refused.stderr).not.toContain("languages.txt");
        expect(refused.stderr).not.toContain("cafe.txt");

        const out = join(ws.dir, "out");
        const exported = await ws.run("export", "--all", "--out", out);
        expect(exported.code).toBe(0);
        expect(exported.stdout).toContain("Wrote 1 pages");
        expect(await readdir(out)).toEqual([`${CAFE_SLUG}.txt`]);
        const page = parsePage(await readFile(join(out, `${CAFE_SLUG}.txt`), "utf8"), "cafe");
        expect(page.options[0]?.pros).toEqual(["People sleep at night"]);
      } finally {
        await ws.dispose();
      }
    },
    CLI_TIMEOUT,
  );
});

describe("npm run cli -- import of topic descriptions", () => {
  it(
    "imports .topics files with the pages in one transaction, logs them, and refuses bad ones by file and line",
    async () => {
      const ws = await workspace();
      try {
        const pages = join(ws.dir, "pages");
        await writePages(pages, {
          "cafe.txt": CAFE,
          "topics/ops.topics":
            "Topic: Automation\nAliases: ops-automation\nSummary: Letting machines do the\nrepetitive work.\n",
        });
        const first = await ws.run("import", pages);
        expect(first.stderr).toBe("");
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/^topics described \(created\): 1$/m);
        expect(first.stdout).toMatch(/^aliases added: 1$/m);
        expect(first.stdout).toMatch(/^created: 1$/m);

        const bad = join(ws.dir, "bad.topics");
        await writeFile(bad, "Topic: Night Work\nColour: dark\nSummary: x\n");
        const refused = await ws.run("import", bad);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(
          `${bad}:2: unknown key "Colour:" (expected Topic:, Aliases: or Summary:)`,
        );

        const app = createApp({ database: await ws.open(), logErrors: false });
        const { data, errors } = await graphql(
          app,
          `{ topic(slug: "ops-automation") { slug name summary provisional
              history(first: 5) { nodes { actor action } } }
             night: topic(slug: "night-work") { slug } }`,
        );
        expect(errors).toBeUndefined();
        expect(data?.topic).toEqual({
          slug: "automation",
          name: "Automation",
          summary: "Letting machines do the repetitive work.",
          provisional: false,
          history: { nodes: [{ actor: "cli", action: "topic.describe.create" }] },
        });
        expect(data?.night).toBeNull();
      } finally {
        await ws.dispose();
      }
    },
    CLI_TIMEOUT,
  );
});

describe("npm run cli -- export", () => {
  it(
    "prints one comparison as a page, and writes one file per comparison with --all --out",
    async () => {
      const ws = await workspace();
      try {
        const pages = join(ws.dir, "pages");
        await writePages(pages, { "a.txt": LANGUAGES, "b.txt": CAFE, "c.txt": ON_CALL });
        expect((await ws.run("import", pages)).code).toBe(0);
        const originals = {
          [LANGUAGES_SLUG]: LANGUAGES,
          [CAFE_SLUG]: CAFE,
          [ON_CALL_SLUG]: ON_CALL,
        };
        const sameAsImported = (text: string, slug: keyof typeof originals) =>
          expect(withoutSource(parsePage(text, slug)), slug).toEqual(
            withoutSource(parsePage(originals[slug], slug)),
          );

        const one = await ws.run("export", LANGUAGES_SLUG);
        expect(one.stderr).toBe("");
        expect(one.code).toBe(0);
        sameAsImported(one.stdout, LANGUAGES_SLUG);
        expect(one.stdout).not.toContain("\r");

        const unknown = await ws.run("export", "no-such-comparison");
        expect(unknown.code).toBe(1);
        expect(unknown.stdout).toBe("");
        expect(unknown.stderr).toContain('no comparison has the slug "no-such-comparison"');

        const out = join(ws.dir, "out", "nested");
        const all = await ws.run("export", "--all", "--out", out);
        expect(all.code).toBe(0);
        expect(all.stdout).toContain("Wrote 3 pages");
        const slugs = Object.keys(originals) as (keyof typeof originals)[];
        expect((await readdir(out)).sort()).toEqual(slugs.map((slug) => `${slug}.txt`).sort());
        for (const slug of slugs) {
          sameAsImported(await readFile(join(out, `${slug}.txt`), "utf8"), slug);
        }
      } finally {
        await ws.dispose();
      }
    },
    CLI_TIMEOUT,
  );
});

// No database is opened, so TEST_DATABASE_URL changes nothing here: the PGlite pass runs it.
describe.runIf(testDriver === "pglite")("usage", () => {
  it(
    "exits 2 with the usage text for a malformed command, without touching a database",
    async () => {
      const env = { DATABASE_URL: `pglite://${join(scratch, "never-created")}` };
      const cases = [
        ["frobnicate"],
        ["import"],
        ["export"],
        ["export", "one-slug", "another-slug"],
        ["export", "--all"],
        ["export", "--all", "--out"],
        ["export", "--bogus"],
      ];
      const runs = await Promise.all([
        ...cases.map((args) => cli(args, env)),
        cli(["import", join(scratch, "no-such-folder")], env),
      ]);
      cases.forEach((args, i) => {
        const run = runs[i] as Run;
        expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
        expect(run.stderr, args.join(" ")).toContain("Usage: npm run cli --");
      });
      const missing = runs[cases.length] as Run;
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("no-such-folder: no such file or folder");
      await expect(readdir(join(scratch, "never-created"))).rejects.toThrow();
    },
    CLI_TIMEOUT,
  );
});

describe("import and seed keep edits made through the API", () => {
  const HISTORY = `query ($slug: String!) {
    comparison(slug: $slug) { intro version history(first: 10) { nodes { actor action summary version } } }
  }`;

  it(
    "skips and reports a page edited or deleted since its import, overwrites it with --force, and logs every write",
    async () => {
      const ws = await workspace();
      try {
        const pages = join(ws.dir, "pages");
        await writePages(pages, { "cafe.txt": CAFE, "on-call.txt": ON_CALL });
        expect((await ws.run("import", pages)).code).toBe(0);

        // An editor changes one comparison and deletes the other through GraphQL.
        let db = await ws.open();
        const { token } = await createToken(db.db, { name: "alice", scopes: ["editor"] });
        let app = createApp({ database: db, logErrors: false });
        const auth = { authorization: `Bearer ${token}` };
        const before = await graphql(app, HISTORY, { slug: CAFE_SLUG });
        expect(before.data?.comparison.history.nodes).toEqual([
          {
            actor: "cli",
            action: "comparison.import.create",
            summary: "imported a new page",
            version: 1,
          },
        ]);
        const ids = await graphql(
          app,
          `{ cafe: comparison(slug: "${CAFE_SLUG}") { id } onCall: comparison(slug: "${ON_CALL_SLUG}") { id } }`,
        );
        const edited = await graphql(
          app,
          `mutation ($id: ID!) { updateComparison(input: { id: $id, expectedVersion: 1, intro: "Alice's intro." }) { __typename } }`,
          { id: ids.data?.cafe.id },
          auth,
        );
        expect(edited.data?.updateComparison.__typename).toBe("UpdateComparisonPayload");
        const deleted = await graphql(
          app,
          `mutation ($id: ID!) { deleteComparison(input: { id: $id }) { __typename } }`,
          { id: ids.data?.onCall.id },
          auth,
        );
        expect(deleted.data?.deleteComparison.__typename).toBe("DeleteComparisonPayload");
        const edits = await snapshotTables(db.db);
        await ws.release();

        // The page file changes too; importing it again, twice, must not undo either edit.
        await writePages(pages, {
          "cafe.txt": CAFE.replace("People sleep at night", "Everybody sleeps at night"),
        });
        for (let round = 0; round < 2; round++) {
          const kept = await ws.run("import", pages);
          expect(kept.code).toBe(0);
          expect(kept.stdout).toMatch(/^created: 0$/m);
          expect(kept.stdout).toMatch(/^updated: 0$/m);
          expect(kept.stdout).toMatch(/^skipped, changed since the last import: 2$/m);
          expect(kept.stdout).toContain(`${CAFE_SLUG} (version 2, last imported at version 1)`);
          expect(kept.stdout).toContain(`${ON_CALL_SLUG} (deleted since its last import)`);
          expect(kept.stderr).toMatch(/2 page\(s\) were not imported.*--force/);
          db = await ws.open();
          // Nothing written at all, and the edit stands.
          expect(await snapshotTables(db.db)).toEqual(edits);
          app = createApp({ database: db, logErrors: false });
          expect((await graphql(app, HISTORY, { slug: CAFE_SLUG })).data?.comparison.intro).toBe(
            "Alice's intro.",
          );
          await ws.release();
        }

        const forced = await ws.run("import", "--force", pages);
        expect(forced.code).toBe(0);
        expect(forced.stdout).toMatch(/^created: 1$/m);
        expect(forced.stdout).toMatch(/^updated: 1$/m);
        expect(forced.stdout).toMatch(/^overwritten edits \(--force\): 2$/m);
        expect(forced.stderr).toBe("");
        db = await ws.open();
        app = createApp({ database: db, logErrors: false });
        const after = await graphql(app, HISTORY, { slug: CAFE_SLUG });
        expect(after.data?.comparison.intro).not.toBe("Alice's intro.");
        expect(
          after.data?.comparison.history.nodes.map((n: any) => [n.actor, n.action, n.version]),
        ).toEqual([
          ["cli", "comparison.import.overwrite", 3],
          ["alice", "comparison.update", 2],
          ["cli", "comparison.import.create", 1],
        ]);
        expect(after.data?.comparison.history.nodes[0].summary).toMatch(
          /since version 1 \(forced\)/,
        );
        const recreated = await graphql(app, HISTORY, { slug: ON_CALL_SLUG });
        expect(recreated.data?.comparison.history.nodes[0]).toMatchObject({
          actor: "cli",
          action: "comparison.import.overwrite",
        });
        const snapshot = await snapshotTables(db.db);
        await ws.release();

        // Forced once, the pages are as imported again: the next import has nothing to do.
        const settled = await ws.run("import", pages);
        expect(settled.stdout).toMatch(/^unchanged: 2$/m);
        expect(settled.stdout).not.toMatch(/skipped/);
        db = await ws.open();
        expect(await snapshotTables(db.db)).toEqual(snapshot);
      } finally {
        await ws.dispose();
      }
    },
    CLI_TIMEOUT * 2,
  );

  it(
    "seeds with history by actor cli, and seeding again writes nothing",
    async () => {
      const ws = await workspace();
      try {
        const first = await ws.run("seed");
        expect(first.code).toBe(0);
        expect(first.stdout).toMatch(/^created: \d{2,}$/m);
        let db = await ws.open();
        const snapshot = await snapshotTables(db.db);
        const app = createApp({ database: db, logErrors: false });
        const seeded = await graphql(app, HISTORY, {
          slug: "individual-contributor-model-vs-management-track",
        });
        expect(seeded.data?.comparison.history.nodes).toEqual([
          {
            actor: "cli",
            action: "comparison.import.create",
            summary: "imported a new page",
            version: 1,
          },
        ]);
        await ws.release();
        const again = await ws.run("seed");
        expect(again.code).toBe(0);
        expect(again.stdout).toMatch(/^created: 0$/m);
        expect(again.stdout).toMatch(/^updated: 0$/m);
        db = await ws.open();
        expect(await snapshotTables(db.db)).toEqual(snapshot);
      } finally {
        await ws.dispose();
      }
    },
    CLI_TIMEOUT,
  );
});
