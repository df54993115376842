import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { parseDatabaseUrl } from "../../src/config.ts";
import { type Database, openDatabase, selectRows } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { createTestDatabase, type TestDatabase, testDriver } from "../helpers/database.ts";
import { type GraphQLResponse, graphql } from "../helpers/graphql.ts";
import { runScript } from "../helpers/processes.ts";

/**
 * `npm run cli -- token …` in a child process, then the same database opened in this process
 * once the CLI has exited (an embedded folder has one user at a time): a PGlite folder, or a
 * fresh Postgres database when TEST_DATABASE_URL is set. The tests run in order on one database.
 */

const CLI_TIMEOUT = 90_000;
let scratch: string | null = null;
let postgres: TestDatabase | null = null;
let url: string;
const tokens: Record<"alice" | "root", string> = { alice: "", root: "" };

beforeAll(async () => {
  if (testDriver === "postgres") {
    postgres = await createTestDatabase();
    url = postgres.url as string;
  } else {
    // Migrated here once: PGlite's first start on an empty folder is the slow part.
    scratch = await mkdtemp(join(tmpdir(), "pickgraph-token-"));
    const dataDir = join(scratch, "data");
    const database = await openDatabase({ driver: "pglite", dataDir });
    try {
      await migrateDatabase(database.db);
    } finally {
      await database.close();
    }
    url = `pglite://${dataDir}`;
  }
}, 120_000);

afterAll(async () => {
  await postgres?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function cli(...args: string[]) {
  return runScript("src/cli.ts", args, { DATABASE_URL: url }, CLI_TIMEOUT);
}

/** Opens the database the CLI wrote, serves the app on it, and closes it again. */
async function withApp<T>(
  run: (
    request: (query: string, token?: string) => Promise<GraphQLResponse>,
    database: Database,
  ) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(parseDatabaseUrl(url));
  try {
    const app = createApp({ database, logErrors: false });
    return await run(
      (query, token) => graphql(app, query, {}, token ? { authorization: `Bearer ${token}` } : {}),
      database,
    );
  } finally {
    await database.close();
  }
}

const UPSERT = (slug: string) =>
  `mutation { upsertTopic(input: { slug: "${slug}", name: "Written" }) { __typename } }`;

describe("npm run cli -- token", () => {
  it(
    "create prints the new token once on stdout and explains on stderr",
    async () => {
      const alice = await cli("token", "create", "--scope", "editor", "--name", "alice");
      expect(alice.code).toBe(0);
      expect(alice.stdout).toMatch(/^pgk_[A-Za-z0-9_-]{43}\n$/);
      tokens.alice = alice.stdout.trim();
      expect(alice.stderr).toContain('Created token "alice" (editor). It is shown only now');
      expect(alice.stderr).not.toContain(tokens.alice);

      const root = await cli(
        "token",
        "create",
        "--scope",
        "admin",
        "--scope",
        "editor",
        "--name",
        "root",
      );
      expect(root.code).toBe(0);
      tokens.root = root.stdout.trim();
      expect(root.stderr).toContain('Created token "root" (admin, editor)');
      expect(tokens.root).not.toBe(tokens.alice);
    },
    CLI_TIMEOUT * 2,
  );

  it(
    "refuses a name that is taken, a malformed name and an unknown scope, exiting 1",
    async () => {
      const taken = await cli("token", "create", "--scope", "admin", "--name", "alice");
      expect(taken.code).toBe(1);
      expect(taken.stdout).toBe("");
      expect(taken.stderr).toContain('a token named "alice" already exists');

      const bad = await cli("token", "create", "--scope", "root", "--name", "bad name");
      expect(bad.code).toBe(1);
      expect(bad.stdout).toBe("");
      expect(bad.stderr).toContain("name: must be 1-64 letters");
      expect(bad.stderr).toContain('scopes: unknown scope "root" (known: editor, admin)');
    },
    CLI_TIMEOUT * 2,
  );

  // No database is opened, so TEST_DATABASE_URL changes nothing here: the PGlite pass runs it.
  it.runIf(testDriver === "pglite")(
    "exits 2 with the usage on bad usage, before touching the database",
    async () => {
      const cases: [string[], string][] = [
        [["token", "create", "--name", "nobody"], "token create needs --scope"],
        [["token", "create", "--scope", "editor"], "token create needs --name"],
        [["token", "revoke"], "token revoke needs the token's name"],
        [["token", "rotate"], 'unknown token command "rotate"'],
        [["token"], 'unknown token command ""'],
        [
          ["token", "create", "--scope", "editor", "--name", "x", "--expires", "1d"],
          "Unknown option '--expires'",
        ],
      ];
      // None of them opens the database, so they can run side by side.
      const results = await Promise.all(cases.map(([args]) => cli(...args)));
      results.forEach((result, i) => {
        const [args, message] = cases[i] as [string[], string];
        expect(result.code, args.join(" ")).toBe(2);
        expect(result.stdout).toBe("");
        expect(result.stderr).toContain(message);
        expect(result.stderr).toContain("token create --scope <editor|admin>");
      });
    },
    CLI_TIMEOUT,
  );

  it(
    "list shows names, scopes and state, never a secret",
    async () => {
      const list = await cli("token", "list");
      expect(list.code).toBe(0);
      const lines = list.stdout.trim().split("\n");
      expect(lines.map((line) => line.split("\t")[0])).toEqual(["alice", "root"]);
      expect(lines[0]).toMatch(/^alice\teditor\tcreated \S.*\tactive$/);
      expect(lines[1]).toMatch(/^root\tadmin,editor\tcreated \S.*\tactive$/);
      for (const token of Object.values(tokens)) {
        expect(list.stdout).not.toContain(token);
        expect(list.stdout).not.toContain(createHash("sha256").update(token).digest("hex"));
      }
      expect(list.stdout).not.toContain("pgk_");
    },
    CLI_TIMEOUT,
  );

  it(
    "the tokens work over GraphQL on the same database, and only their hashes are stored",
    async () => {
      await withApp(async (request, database) => {
        const written = await request(UPSERT("by-alice"), tokens.alice);
        expect(written.errors).toBeUndefined();
        expect(written.data?.upsertTopic.__typename).toBe("UpsertTopicPayload");
        const forbidden = await request(`{ tokens { name } }`, tokens.alice);
        expect(forbidden.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
        const listed = await request(`{ tokens { name scopes revokedAt } }`, tokens.root);
        expect(listed.data?.tokens).toEqual([
          { name: "alice", scopes: ["editor"], revokedAt: null },
          { name: "root", scopes: ["admin", "editor"], revokedAt: null },
        ]);

        const rows = await selectRows<{ name: string; token_hash: string; row: string }>(
          database.db,
          sql`SELECT name, token_hash, row_to_json(t)::text AS row FROM api_tokens t ORDER BY name`,
        );
        for (const row of rows) {
          const token = tokens[row.name as keyof typeof tokens];
          expect(row.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
          expect(row.row).not.toContain(token);
        }
        const [change] = await selectRows<{ actor: string }>(
          database.db,
          sql`SELECT actor FROM changes WHERE subject = 'by-alice'`,
        );
        expect(change?.actor).toBe("alice");
      });
    },
    CLI_TIMEOUT,
  );

  it(
    "revoke revokes at once; revoking again exits 1",
    async () => {
      const revoked = await cli("token", "revoke", "alice");
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toBe('Revoked token "alice".\n');

      const again = await cli("token", "revoke", "alice");
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('No active token named "alice"');

      const list = await cli("token", "list");
      expect(list.code).toBe(0);
      const [alice, root] = list.stdout.trim().split("\n");
      expect(alice).toMatch(/^alice\teditor\tcreated .*\trevoked \S+/);
      expect(root).toMatch(/\tactive$/);
    },
    CLI_TIMEOUT * 3,
  );

  it(
    "the revoked token is refused with UNAUTHENTICATED and writes nothing; the other still works",
    async () => {
      await withApp(async (request, database) => {
        const count = async () => {
          const [row] = await selectRows<{ topics: number; changes: number }>(
            database.db,
            sql`SELECT (SELECT count(*)::int FROM topics) AS topics,
                       (SELECT count(*)::int FROM changes) AS changes`,
          );
          return row;
        };
        const before = await count();
        const refused = await request(UPSERT("by-alice-again"), tokens.alice);
        expect(refused.data ?? null).toBeNull();
        expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
        expect(refused.errors?.[0]?.message).toContain("unknown or revoked");
        expect(await count()).toEqual(before);
        // Reads stay public, with the revoked token too.
        const read = await request(`{ topic(slug: "by-alice") { name } }`, tokens.alice);
        expect(read.data?.topic).toEqual({ name: "Written" });

        const root = await request(UPSERT("by-root"), tokens.root);
        expect(root.data?.upsertTopic.__typename).toBe("UpsertTopicPayload");
      });
    },
    CLI_TIMEOUT,
  );
});
