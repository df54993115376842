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
