import { createHash } from "node:crypto";
import { type PGlite, protocol } from "@electric-sql/pglite";
import type postgres from "postgres";

/**
 * Runs one read statement that returns a single text column as a server-side prepared statement,
 * so Postgres parses and plans it once per connection instead of on every request (drizzle sends
 * its statements unprepared). Found by the `Db` handle, so whoever holds a handle (the request
 * context) reads through the database that handle belongs to.
 */
export interface PreparedReader {
  readText(text: string, parameters: readonly unknown[]): Promise<string | null>;
}

const readers = new WeakMap<object, PreparedReader>();

export function registerPreparedReader(db: object, reader: PreparedReader): void {
  readers.set(db, reader);
}

/** The reader of a handle opened by `openDatabase`; undefined for any other handle (a transaction). */
export function preparedReaderOf(db: object): PreparedReader | undefined {
  return readers.get(db);
}

/**
 * Distinct statements kept prepared per connection. Statement texts depend only on the shape of
 * a document, never on its values, but a client can send many shapes: past this many, new texts
 * run unprepared rather than growing every connection's memory without end.
 */
const MAX_PREPARED = 200;

type OnQuery = ((query: string, params: unknown[]) => void) | undefined;

export function postgresReader(client: postgres.Sql, onQuery: OnQuery): PreparedReader {
  const prepared = new Set<string>();
  return {
    async readText(text, parameters) {
      onQuery?.(text, [...parameters]);
      if (!prepared.has(text) && prepared.size < MAX_PREPARED) prepared.add(text);
      const rows = await client.unsafe<{ body: string | null }[]>(
        text,
        parameters as postgres.ParameterOrJSON<never>[],
        { prepare: prepared.has(text) },
      );
      return rows[0]?.body ?? null;
    },
  };
}

/**
 * PGlite's `query()` parses and plans every time; the wire protocol's named statements do not.
 * The statement is parsed once (Parse), then each read is Bind + Execute + Sync, run under the
 * same lock as `query()` so it never lands inside another caller's transaction.
 */
export function pgliteReader(client: PGlite, onQuery: OnQuery): PreparedReader {
  const { serialize } = protocol;
  const names = new Map<string, string>();
  const exclusive = client as unknown as {
    _runExclusiveTransaction<T>(fn: () => Promise<T>): Promise<T>;
  };
  return {
    async readText(text, parameters) {
      onQuery?.(text, [...parameters]);
      let name = names.get(text);
      const parts: Uint8Array[] = [];
      if (name === undefined) {
        name =
          names.size < MAX_PREPARED
            ? `pickgraph_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`
            : "";
        parts.push(serialize.parse({ name, text, types: [] }));
      }
      parts.push(
        serialize.bind({
          statement: name,
          values: parameters.map((v) => (v === null || v === undefined ? null : String(v))),
        }),
        serialize.execute({}),
        serialize.sync(),
      );
      const message = Buffer.concat(parts);
      const { messages } = await exclusive._runExclusiveTransaction(() =>
        client.runExclusive(() => client.execProtocol(message)),
      );
      if (name !== "" && !names.has(text)) names.set(text, name);
      const row = messages.find((m) => m.name === "dataRow") as
        | { fields: (string | null)[] }
        | undefined;
      return row?.fields[0] ?? null;
    },
  };
}
