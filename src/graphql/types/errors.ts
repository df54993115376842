import { ConflictError, NotFoundError, ValidationError } from "../../editing/errors.ts";
import { builder } from "../builder.ts";

/**
 * The expected failures of src/editing/ as GraphQL types. builder.ts names them the errors
 * plugin's `defaultTypes`, so every mutation's `<Name>Result` union holds them.
 */

export const ErrorInterface = builder.interfaceRef<Error>("Error").implement({
  description: "An expected failure of a mutation, returned as data: nothing was written.",
  fields: (t) => ({
    message: t.exposeString("message", { description: "What went wrong, for people." }),
  }),
});

const ValidationIssue = builder
  .objectRef<ValidationError["issues"][number]>("ValidationIssue")
  .implement({
    description: "One problem with a mutation's input.",
    fields: (t) => ({
      path: t.stringList({
        description:
          'Where in the input, e.g. `["options", "1", "name"]`; empty for the whole input.',
        resolve: (issue) => issue.path.map(String),
      }),
      message: t.exposeString("message", { description: "What is wrong there." }),
    }),
  });

builder.objectType(ValidationError, {
  name: "ValidationError",
  description: "The input broke a rule (length, slug syntax, option list, pick, weight, …).",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [ValidationIssue],
      description: "Every problem found, not just the first.",
      resolve: (error) => error.issues,
    }),
  }),
});

builder.objectType(NotFoundError, {
  name: "NotFoundError",
  description: "Something the input refers to does not exist.",
  interfaces: [ErrorInterface],
});

builder.objectType(ConflictError, {
  name: "ConflictError",
  description:
    "The write collides with the current state: a stale `expectedVersion`, or a slug already taken.",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    currentVersion: t.int({
      nullable: true,
      description: "The comparison's version now, when the conflict is a stale version.",
      resolve: (error) => error.currentVersion,
    }),
  }),
});
