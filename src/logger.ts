import { type Logger as PinoLogger, pino } from "pino";

/** The structured JSON logger every module logs through; built once by the entries from config. */
export type Logger = PinoLogger;

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/**
 * One line of JSON per event on stdout. Values that could carry credentials are redacted, and
 * strings are cut so that one request can never write a megabyte of log.
 */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: "pickgraph" },
      redact: {
        paths: ["req.headers.authorization", "headers.authorization", "token", "*.token"],
        censor: "[redacted]",
      },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}

/** A logger that writes nothing, for tests and tools that do not log. */
export const silentLogger: Logger = pino({ level: "silent" });

/** The held-back counts of every open window, written by `flushThrottledWarnings`. */
const openWindows = new Set<() => void>();

/**
 * A warning that may repeat thousands of times a second (every request refused while the
 * database is away), logged per key in windows of `intervalMs`: the first of a window at once,
 * the others counted and logged as one line with `repeated` when the window ends (so a steady
 * stream writes two lines a window). A process that exits calls `flushThrottledWarnings` first,
 * or the counts of windows still open are lost.
 */
export function throttledWarnings(
  logger: Logger,
  intervalMs = 1_000,
): (key: string, fields: Record<string, unknown>, message: string) => void {
  const open = new Map<string, { repeated: number; fields: Record<string, unknown> }>();
  return (key, fields, message) => {
    const window = open.get(key);
    if (window) {
      window.repeated++;
      window.fields = fields;
      return;
    }
    logger.warn(fields, message);
    const opened = { repeated: 0, fields };
    open.set(key, opened);
    const close = () => {
      clearTimeout(timer);
      openWindows.delete(close);
      open.delete(key);
      if (opened.repeated > 0) {
        logger.warn({ ...opened.fields, repeated: opened.repeated }, message);
      }
    };
    const timer = setTimeout(close, intervalMs).unref();
    openWindows.add(close);
  };
}

/** Ends every open window of `throttledWarnings` now, writing what each held back. */
export function flushThrottledWarnings(): void {
  for (const close of [...openWindows]) close();
}
