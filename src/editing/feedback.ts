import { sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/client.ts";
import { TEXT_LIMITS } from "../domain/rules.ts";
import { IssueList, NotFoundError, ValidationError } from "./errors.ts";

/** Public "disagree with our pick" feedback: anyone may send it, nothing else changes. */
export async function submitFeedback(
  db: Db,
  input: { comparisonId: number; preferredOptionId: number; comment?: string | null },
): Promise<{ id: number }> {
  const issues = new IssueList();
  issues.text(["comment"], input.comment, 1, TEXT_LIMITS.comment);
  issues.throwIfAny();
  return db.transaction(async (tx) => {
    const [comparison] = await selectRows<{ id: number }>(
      tx,
      sql`SELECT id FROM comparisons WHERE id = ${input.comparisonId}`,
    );
    if (!comparison) throw new NotFoundError("comparison with id", String(input.comparisonId));
    const [option] = await selectRows<{ comparison_id: number }>(
      tx,
      sql`SELECT comparison_id FROM options WHERE id = ${input.preferredOptionId}`,
    );
    if (!option) throw new NotFoundError("option with id", String(input.preferredOptionId));
    if (option.comparison_id !== input.comparisonId) {
      throw new ValidationError([
        { path: ["preferredOptionId"], message: "the option belongs to another comparison" },
      ]);
    }
    const [row] = await selectRows<{ id: number }>(
      tx,
      sql`INSERT INTO feedback (comparison_id, preferred_option_id, comment)
          VALUES (${input.comparisonId}, ${input.preferredOptionId}, ${input.comment?.trim() || null})
          RETURNING id`,
    );
    return row as { id: number };
  });
}
