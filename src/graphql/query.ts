import { builder } from "./builder.ts";

/**
 * The Query root. Its fields are defined next to the type they return (`types/`); `node` and
 * `nodes` come from the relay plugin with the options of `node.ts`.
 */
builder.queryType({ description: "Reads of the comparison graph. Every read is public." });
