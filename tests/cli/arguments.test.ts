import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError } from "../../src/cli/arguments.ts";

/** The command-line table without a process: what each command accepts and what it refuses. */
describe("parseCommandLine", () => {
  it("parses every command with its positionals and options", () => {
    expect(parseCommandLine([])).toEqual({ command: "help", positionals: [], options: {} });
    expect(parseCommandLine(["--help"]).command).toBe("help");
    expect(parseCommandLine(["migrate"]).command).toBe("migrate");
    expect(parseCommandLine(["import", "a/", "b.txt"]).positionals).toEqual(["a/", "b.txt"]);
    expect(parseCommandLine(["export", "one-slug"]).positionals).toEqual(["one-slug"]);
    expect(parseCommandLine(["export", "--all", "--out", "dir"]).options).toEqual({
      all: true,
      out: "dir",
    });
    expect(parseCommandLine(["schema:print", "--check"]).options).toEqual({ check: true });
    expect(
      parseCommandLine(["token", "create", "--scope", "editor", "--scope", "admin", "--name", "a"]),
    ).toEqual({
      command: "token create",
      positionals: [],
      options: { scope: ["editor", "admin"], name: "a" },
    });
    expect(parseCommandLine(["token", "revoke", "alice"]).positionals).toEqual(["alice"]);
  });

  it.each([
    [["frobnicate"], 'unknown command "frobnicate"'],
    [["import"], "import needs at least one file or folder"],
    [["export"], "export needs one comparison slug, or --all --out <folder>"],
    [["export", "one-slug", "another-slug"], "export needs one comparison slug"],
    [["export", "--all"], "export --all needs --out <folder>"],
    [["export", "--all", "--out"], "export: Option '--out <value>' argument missing"],
    [["export", "--bogus"], "export: Unknown option '--bogus'"],
    [["migrate", "now"], "migrate takes no arguments"],
    [["schema:print", "--chek"], "Unknown option '--chek'"],
    [["token"], 'unknown token command "" (create, list, revoke)'],
    [["token", "delete"], 'unknown token command "delete"'],
    [["token", "create", "--name", "a"], "token create needs --scope editor or --scope admin"],
    [["token", "create", "--scope", "editor"], "token create needs --name <who>"],
    [["token", "revoke"], "token revoke needs the token's name"],
  ])("refuses %j, saying what is wrong", (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
