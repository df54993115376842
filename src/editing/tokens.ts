import { createHash, randomBytes } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { apiTokensTable } from "../db/tables.ts";
import { TOKEN_NAME_PATTERN, TOKEN_SCOPES, type TokenScope } from "../domain/rules.ts";
import { ConflictError, IssueList, NotFoundError } from "./errors.ts";

export type Scope = TokenScope;
const TOKEN_NAME = new RegExp(TOKEN_NAME_PATTERN);

export interface Viewer {
  tokenName: string;
  scopes: Scope[];
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates a token and returns it in clear, the only time it is ever shown. */
export async function createToken(
  db: Db,
  input: { name: string; scopes: string[] },
): Promise<{ name: string; token: string; scopes: Scope[] }> {
  const issues = new IssueList();
  if (!TOKEN_NAME.test(input.name)) {
    issues.add(
      ["name"],
      "must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
    );
  }
  const scopes = [...new Set(input.scopes)];
  if (scopes.length === 0) issues.add(["scopes"], "name at least one scope: editor or admin");
  for (const scope of scopes) {
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope)) {
      issues.add(["scopes"], `unknown scope "${scope}" (known: ${TOKEN_SCOPES.join(", ")})`);
    }
  }
  issues.throwIfAny();
  const token = `pgk_${randomBytes(32).toString("base64url")}`;
  const inserted = await db
    .insert(apiTokensTable)
    .values({ name: input.name, tokenHash: hashToken(token), scopes })
    .onConflictDoNothing({ target: apiTokensTable.name })
    .returning({ id: apiTokensTable.id });
  if (inserted.length === 0)
    throw new ConflictError(`a token named "${input.name}" already exists`);
  return { name: input.name, token, scopes: scopes as Scope[] };
}

export async function listTokens(db: Db) {
  return db
    .select({
      name: apiTokensTable.name,
      scopes: apiTokensTable.scopes,
      createdAt: apiTokensTable.createdAt,
      revokedAt: apiTokensTable.revokedAt,
    })
    .from(apiTokensTable)
    .orderBy(apiTokensTable.name);
}

export async function revokeToken(db: Db, name: string): Promise<void> {
  const revoked = await db
    .update(apiTokensTable)
    .set({ revokedAt: new Date().toISOString() })
    .where(and(eq(apiTokensTable.name, name), isNull(apiTokensTable.revokedAt)))
    .returning({ id: apiTokensTable.id });
  if (revoked.length === 0) throw new NotFoundError("active token named", `"${name}"`);
}

/** The writer a bearer token stands for; null for an unknown or revoked token. */
export async function findViewer(db: Db, token: string): Promise<Viewer | null> {
  const [row] = await db
    .select({ name: apiTokensTable.name, scopes: apiTokensTable.scopes })
    .from(apiTokensTable)
    .where(and(eq(apiTokensTable.tokenHash, hashToken(token)), isNull(apiTokensTable.revokedAt)));
  return row ? { tokenName: row.name, scopes: row.scopes as Scope[] } : null;
}
