import { type ParseArgsConfig, parseArgs } from "node:util";

/** A command line that names no command we have, or misses or adds arguments: exit 2 with usage. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

interface CommandSpec {
  options: Options;
  /** How many positional arguments the command takes, and what to say when that is wrong. */
  positionals: { min: number; max: number; wrong: string };
  /** Checks between options that parseArgs cannot express; returns the problem, if any. */
  check?: (parsed: ParsedCommand) => string | null;
}

const NONE = (command: string) => ({ min: 0, max: 0, wrong: `${command} takes no arguments` });

/**
 * Every command and what it accepts, in one table: adding a command or a flag is a row here plus
 * its case in `src/cli.ts`. Token commands are two words.
 */
export const COMMANDS = {
  help: { options: {}, positionals: NONE("help") },
  migrate: { options: {}, positionals: NONE("migrate") },
  seed: { options: { force: { type: "boolean" } }, positionals: NONE("seed") },
  import: {
    options: { force: { type: "boolean" } },
    positionals: {
      min: 1,
      max: Number.POSITIVE_INFINITY,
      wrong: "import needs at least one file or folder",
    },
  },
  export: {
    options: { all: { type: "boolean" }, out: { type: "string" } },
    positionals: {
      min: 0,
      max: 1,
      wrong: "export needs one comparison slug, or --all --out <folder>",
    },
    check: ({ positionals, options }) => {
      if (options.all) return options.out ? null : "export --all needs --out <folder>";
      return positionals.length === 1
        ? null
        : "export needs one comparison slug, or --all --out <folder>";
    },
  },
  "schema:print": { options: { check: { type: "boolean" } }, positionals: NONE("schema:print") },
  "documents:print": {
    options: { check: { type: "boolean" } },
    positionals: NONE("documents:print"),
  },
  "token create": {
    options: { scope: { type: "string", multiple: true }, name: { type: "string" } },
    positionals: NONE("token create"),
    check: ({ options }) => {
      if (!options.name) return "token create needs --name <who>";
      if (!(options.scope as string[] | undefined)?.length) {
        return "token create needs --scope editor or --scope admin";
      }
      return null;
    },
  },
  "token list": { options: {}, positionals: NONE("token list") },
  "token revoke": {
    options: {},
    positionals: { min: 1, max: 1, wrong: "token revoke needs the token's name" },
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export interface ParsedCommand {
  command: CommandName;
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
}

/** Turns `process.argv.slice(2)` into a command, or throws a UsageError saying what is wrong. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help") return parseCommandLine(["help", ...rest]);
  let name: string = first;
  let args = rest;
  if (first === "token") {
    const [action, ...afterAction] = rest;
    name = `token ${action ?? ""}`;
    args = afterAction;
    if (!(name in COMMANDS)) {
      throw new UsageError(`unknown token command "${action ?? ""}" (create, list, revoke)`);
    }
  }
  if (!(name in COMMANDS)) throw new UsageError(`unknown command "${first}"`);
  const command = name as CommandName;
  const spec: CommandSpec = COMMANDS[command];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      options: spec.options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util names the unknown or malformed option; that is the user's mistake, not ours.
    throw new UsageError(`${command}: ${(error as Error).message}`);
  }
  const result: ParsedCommand = {
    command,
    positionals: parsed.positionals,
    options: parsed.values as ParsedCommand["options"],
  };
  const { min, max, wrong } = spec.positionals;
  if (result.positionals.length < min || result.positionals.length > max)
    throw new UsageError(wrong);
  const problem = spec.check?.(result);
  if (problem) throw new UsageError(problem);
  return result;
}
