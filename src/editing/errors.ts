import { unstorableText } from "../domain/rules.ts";

/** Expected failures of a write. The GraphQL layer exposes each as a type of its result union. */

export interface Issue {
  /** Where in the input the problem is, e.g. `["options", 1, "name"]`. */
  path: (string | number)[];
  message: string;
}

export class ValidationError extends Error {
  constructor(readonly issues: Issue[]) {
    super(
      issues.length === 1
        ? `Invalid input: ${issues[0]?.message}`
        : `Invalid input: ${issues.length} problems`,
    );
    this.name = "ValidationError";
  }
}

export class NotFoundError extends Error {
  constructor(
    readonly entity: string,
    readonly key: string,
  ) {
    super(`No ${entity} ${key}`);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends Error {
  constructor(
    message: string,
    readonly currentVersion: number | null = null,
  ) {
    super(message);
    this.name = "ConflictError";
  }
}

/** Collects issues while checking an input, then throws them all at once. */
export class IssueList {
  readonly issues: Issue[] = [];
  add(path: Issue["path"], message: string): void {
    this.issues.push({ path, message });
  }
  /** Lengths count characters (code points), as the database's length() does. */
  text(path: Issue["path"], value: string | null | undefined, min: number, max: number): void {
    if (value === null || value === undefined) return;
    const length = characters(value.trim());
    if (length < min)
      this.add(path, min === 1 ? "must not be empty" : `must be at least ${min} characters`);
    else if (characters(value) > max)
      this.add(path, `must be at most ${max} characters (got ${characters(value)})`);
    // Refused here rather than by the database, which would fail the whole write.
    const unstorable = unstorableText(value);
    if (unstorable) this.add(path, unstorable);
  }
  throwIfAny(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }
}

function characters(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
