/**
 * The floor of `npm run bench -- walk`: a bare node:http server that answers the deep walk with
 * one hand-written, prepared statement and nothing else (no GraphQL, no validation).
 *
 *   tsx bench/walk-floor.ts <postgres://… | pglite://folder>
 *
 * Prints `listening <port>` once it serves. Reads `{"variables":{"slug":…}}` from the body.
 */
import { createServer } from "node:http";
import { PGlite, protocol } from "@electric-sql/pglite";
import postgres from "postgres";
import { PGLITE_OPTIONS } from "../src/db/pglite-template.ts";
import { FLOOR_DEEP_WALK_SQL } from "./walk-queries.ts";

const url = process.argv[2];
if (!url) {
  console.error("usage: walk-floor.ts <postgres://… | pglite://folder>");
  process.exit(2);
}

let run: (slug: string) => Promise<string>;
if (url.startsWith("pglite://")) {
  const pg = await PGlite.create(url.slice("pglite://".length), PGLITE_OPTIONS);
  // A named prepared statement through the wire protocol: PGlite's query() re-plans every time.
  const { serialize } = protocol;
  const frame = (parts: Uint8Array[]) => Buffer.concat(parts);
  await pg.execProtocol(
    frame([
      serialize.parse({ name: "floor_walk", text: FLOOR_DEEP_WALK_SQL, types: [] }),
      serialize.sync(),
    ]),
  );
  run = async (slug) => {
    const message = frame([
      serialize.bind({ statement: "floor_walk", values: [slug] }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    const { messages } = await pg.runExclusive(() => pg.execProtocol(message));
    const row = messages.find((m) => m.name === "dataRow") as unknown as { fields: string[] };
    return row.fields[0] as string;
  };
} else {
  const sql = postgres(url, {
    max: 10,
    onnotice: () => {},
    connection: { application_name: "pickgraph-floor", jit: "off" },
  });
  run = async (slug) => {
    const rows = await sql.unsafe<{ body: string }[]>(FLOOR_DEEP_WALK_SQL, [slug], {
      prepare: true,
    });
    return rows[0]?.body as string;
  };
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    let slug: string;
    try {
      slug = JSON.parse(Buffer.concat(chunks).toString("utf8")).variables.slug;
    } catch {
      response.writeHead(400).end();
      return;
    }
    run(slug).then(
      (body) => {
        response.writeHead(200, { "content-type": "application/json" }).end(body);
      },
      (error: unknown) => {
        console.error(error);
        response.writeHead(500).end();
      },
    );
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(`listening ${typeof address === "object" && address ? address.port : 0}`);
});
process.on("SIGTERM", () => process.exit(0));
