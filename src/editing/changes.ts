import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";

export interface ChangeRecord {
  action: string;
  subject: string;
  summary: string;
  comparisonId?: number | null;
  topicId?: number | null;
  version?: number | null;
}

/** Appends to the change log inside the caller's transaction, in one statement. */
export async function recordChanges(db: Db, actor: string, records: ChangeRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map((r) => ({
    actor,
    action: r.action,
    subject: r.subject,
    summary: r.summary,
    comparison_id: r.comparisonId ?? null,
    topic_id: r.topicId ?? null,
    version: r.version ?? null,
  }));
  await db.execute(sql`
    INSERT INTO changes (actor, action, subject, summary, comparison_id, topic_id, version)
    SELECT actor, action, subject, summary, comparison_id, topic_id, version
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(
      actor text, action text, subject text, summary text, comparison_id int, topic_id int,
      version int)
  `);
}
