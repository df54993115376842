import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { selectRows } from "../../src/db/client.ts";
import { useTestDatabase } from "../helpers/database.ts";

const database = useTestDatabase();

async function run(statement: ReturnType<typeof sql>) {
  return database().db.execute(statement);
}

/** Two comparisons (ids 1, 2) with two options each (1, 2 and 3, 4) over topics a, b, c. */
beforeEach(async () => {
  await database().truncate();
  await run(sql`INSERT INTO topics (slug, name) VALUES ('a', 'A'), ('b', 'B'), ('c', 'C')`);
  await run(sql`
    INSERT INTO comparisons (slug, title, category, intro, pick_summary, bottom_line)
    VALUES ('a-vs-b', 'A vs B', 'Test', 'i', 'p', 'b'), ('b-vs-c', 'B vs C', 'Test', 'i', 'p', 'b')`);
  await run(sql`
    INSERT INTO options (comparison_id, topic_id, name, position, summary)
    VALUES (1, 1, 'A', 0, 's'), (1, 2, 'B', 1, 's'), (2, 2, 'B', 0, 's'), (2, 3, 'C', 1, 's')`);
});

describe("database constraints", () => {
  it("accepts a pick that is one of the comparison's own options", async () => {
    await run(sql`UPDATE comparisons SET pick_option_id = 2 WHERE id = 1`);
  });

  it("refuses a pick that belongs to another comparison", async () => {
    await expect(
      run(sql`UPDATE comparisons SET pick_option_id = 3 WHERE id = 1`),
    ).rejects.toThrow();
  });

  it("refuses the same topic twice in one comparison", async () => {
    await expect(
      run(sql`INSERT INTO options (comparison_id, topic_id, name, position, summary)
              VALUES (1, 1, 'A again', 2, 's')`),
    ).rejects.toThrow();
  });

  it("refuses a self-loop, a duplicate edge and a weight out of range", async () => {
    await expect(
      run(sql`INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, source)
              VALUES (1, 1, 'RELATED_TO', 'EDITOR')`),
    ).rejects.toThrow();
    await run(sql`INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, source)
                  VALUES (1, 2, 'RELATED_TO', 'EDITOR')`);
    await expect(
      run(sql`INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, source)
              VALUES (1, 2, 'RELATED_TO', 'PAGE')`),
    ).rejects.toThrow();
    await expect(
      run(sql`INSERT INTO topic_relations (from_topic_id, to_topic_id, kind, weight, source)
              VALUES (2, 1, 'RELATED_TO', 0, 'EDITOR')`),
    ).rejects.toThrow();
  });

  it("refuses malformed slugs", async () => {
    for (const slug of ["Upper", "has space", "-leading", "trailing-", "double--dash", ""]) {
      await expect(
        run(sql`INSERT INTO topics (slug, name) VALUES (${slug}, 'x')`),
        slug,
      ).rejects.toThrow();
    }
  });

  it("removes a comparison's options and tags with it, but keeps the topics", async () => {
    await run(sql`INSERT INTO option_tags (option_id, position, topic_id) VALUES (1, 0, 3)`);
    await run(sql`DELETE FROM comparisons WHERE id = 1`);
    const [counts] = await selectRows<{ options: number; tags: number; topics: number }>(
      database().db,
      sql`SELECT (SELECT count(*) FROM options)::int AS options,
                 (SELECT count(*) FROM option_tags)::int AS tags,
                 (SELECT count(*) FROM topics)::int AS topics`,
    );
    expect(counts).toEqual({ options: 2, tags: 0, topics: 3 });
  });
});
