import { describe, expect, it } from "vitest";
import { loadConfig, parseDatabaseUrl, redactUrl } from "../src/config.ts";

describe("configuration", () => {
  it("defaults to the embedded database folder on port 4000", () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ driver: "pglite", dataDir: "./.data/pickgraph" });
    expect(config.PORT).toBe(4000);
    expect(config.SEED).toBe(true);
  });

  it("understands every DATABASE_URL form", () => {
    expect(parseDatabaseUrl("postgres://u:p@h:5432/db")).toEqual({
      driver: "postgres",
      url: "postgres://u:p@h:5432/db",
    });
    expect(parseDatabaseUrl("postgresql://h/db").driver).toBe("postgres");
    expect(parseDatabaseUrl("pglite:///var/lib/pickgraph")).toEqual({
      driver: "pglite",
      dataDir: "/var/lib/pickgraph",
    });
    expect(parseDatabaseUrl("memory://")).toEqual({ driver: "pglite", dataDir: null });
  });

  it("refuses an unknown DATABASE_URL without printing its password", () => {
    expect(() => parseDatabaseUrl("mysql://root:secret@h/db")).toThrow(
      /mysql:\/\/root:\*\*\*@h\/db/,
    );
    expect(redactUrl("postgres://u:secret@h/db")).toBe("postgres://u:***@h/db");
  });

  it("names every bad variable", () => {
    expect(() => loadConfig({ PORT: "eighty", SEED: "maybe" })).toThrow(/PORT[\s\S]*SEED/);
  });
});
