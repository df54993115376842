import { afterEach, describe, expect, it, vi } from "vitest";
import { flushThrottledWarnings, throttledWarnings } from "../src/logger.ts";
import { capturedLogger } from "./helpers/log-lines.ts";

const capture = () => capturedLogger("warn");

describe("throttled warnings", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("logs the first at once and the rest of the interval as one line with a count", async () => {
    vi.useFakeTimers();
    const { lines, logger } = capture();
    const warn = throttledWarnings(logger, 1_000);
    for (let i = 0; i < 500; i++) warn("DOWN", { fault: "DOWN", i }, "database fault");
    warn("TIMEOUT", { fault: "TIMEOUT" }, "database fault");
    await vi.advanceTimersByTimeAsync(0);
    expect(lines.map((l) => [l.fault, l.i, l.repeated])).toEqual([
      ["DOWN", 0, undefined],
      ["TIMEOUT", undefined, undefined],
    ]);
    await vi.advanceTimersByTimeAsync(1_000);
    // The count of the ones held back, with the last one's fields.
    expect(lines.slice(2).map((l) => [l.fault, l.i, l.repeated])).toEqual([["DOWN", 499, 499]]);
    // A new interval starts with a line of its own; one alone leaves no summary.
    warn("DOWN", { fault: "DOWN", i: 500 }, "database fault");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(lines.slice(3).map((l) => [l.fault, l.i, l.repeated])).toEqual([
      ["DOWN", 500, undefined],
    ]);
  });

  it("writes what open windows held back when flushed (a process about to exit), and only once", async () => {
    vi.useFakeTimers();
    const { lines, logger } = capture();
    const warn = throttledWarnings(logger, 1_000);
    for (let i = 0; i < 5; i++) warn("DOWN", { fault: "DOWN", i }, "database fault");
    warn("TIMEOUT", { fault: "TIMEOUT" }, "database fault");
    flushThrottledWarnings();
    expect(lines.map((l) => [l.fault, l.i, l.repeated])).toEqual([
      ["DOWN", 0, undefined],
      ["TIMEOUT", undefined, undefined],
      ["DOWN", 4, 4],
    ]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(lines).toHaveLength(3);
    // The windows are closed: the next warning is written at once.
    warn("DOWN", { fault: "DOWN", i: 5 }, "database fault");
    expect(lines.at(-1)).toMatchObject({ fault: "DOWN", i: 5 });
  });
});
