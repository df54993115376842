import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, nodeHandlerOf } from "../../src/app.ts";
import { type Database, openDatabase, selectRows } from "../../src/db/client.ts";
import {
  currentStatementOwner,
  FairStatementGate,
  runAsStatementOwner,
} from "../../src/db/fair-statements.ts";
import { preparedReaderOf } from "../../src/db/prepared-reads.ts";

const WORK = sql`SELECT count(*) FROM generate_series(1, 20000)`;

describe("FairStatementGate", () => {
  it("serves owners in turn, one statement each, and one statement at a time", async () => {
    const gate = new FairStatementGate();
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const statement = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((done) => setTimeout(done, 2));
      order.push(name);
      running--;
    };
    const a = Array.from({ length: 5 }, (_, i) => gate.run("a", statement(`a${i}`)));
    await new Promise((done) => setTimeout(done, 1));
    const b = [gate.run("b", statement("b0")), gate.run("b", statement("b1"))];
    await Promise.all([...a, ...b]);
    expect(most).toBe(1);
    // a0 was running when b's arrived; then the lines take turns.
    expect(order.indexOf("b0")).toBeLessThanOrEqual(2);
    expect(order.indexOf("b1")).toBeLessThanOrEqual(4);
    expect(order.filter((n) => n.startsWith("a"))).toEqual(["a0", "a1", "a2", "a3", "a4"]);
  });

  it("goes on after a failed statement", async () => {
    const gate = new FairStatementGate();
    const failed = gate.run("a", async () => {
      throw new Error("boom");
    });
    await expect(failed).rejects.toThrow("boom");
    expect(await gate.run("b", async () => 42)).toBe(42);
  });
});

describe("PGlite takes turns between requests", () => {
  let database: Database;
  beforeAll(async () => {
    database = await openDatabase({ driver: "pglite", dataDir: null }, { fromTemplate: false });
  });
  afterAll(() => database?.close());

  it("fires a timer between the statements of one chain (sockets are read meanwhile)", async () => {
    const reader = preparedReaderOf(database.db);
    if (reader === undefined) throw new Error("no prepared reader");
    let done = 0;
    const chain = (async () => {
      for (let i = 0; i < 30; i++) {
        // Both paths: drizzle's statements and the prepared reads.
        if (i % 2 === 0) await selectRows(database.db, WORK);
        else
          await reader.readText("SELECT count(*)::text FROM generate_series(1, $1::int)", [20000]);
        done++;
      }
    })();
    // A timer is a macrotask, as reading a socket is: it runs only if the chain yields.
    const atTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
    await chain;
    expect(done).toBe(30);
    expect(atTimer).toBeLessThan(5);
  }, 60_000);

  it("answers a small request's statement before the many a big request queued first", async () => {
    let done = 0;
    const big = runAsStatementOwner(() =>
      Promise.all(
        Array.from({ length: 30 }, () => selectRows(database.db, WORK).then(() => done++)),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const small = await runAsStatementOwner(() =>
      selectRows(database.db, sql`SELECT 1 AS one`).then(() => done),
    );
    await big;
    expect(done).toBe(30);
    expect(small).toBeLessThan(3);
  }, 60_000);
});

describe("the Node handler", () => {
  it("makes each request yoga handles an owner of statements of its own", async () => {
    const owners: unknown[] = [];
    // Stands in for yoga: records the owner its statements would run under.
    const app = ((_request: IncomingMessage, response: ServerResponse) => {
      owners.push(currentStatementOwner());
      response.end("ok");
    }) as unknown as App;
    const server = createServer(nodeHandlerOf(app));
    await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
    try {
      const { port } = server.address() as AddressInfo;
      for (let i = 0; i < 3; i++) await (await fetch(`http://127.0.0.1:${port}/graphql`)).text();
    } finally {
      server.close();
    }
    expect(owners).toHaveLength(3);
    expect(owners.every((owner) => owner !== null)).toBe(true);
    expect(new Set(owners).size).toBe(3);
  });
});
