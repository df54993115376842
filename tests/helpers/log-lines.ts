import { Writable } from "node:stream";
import { createLogger, type Logger, type LogLevel } from "../../src/logger.ts";

/** One parsed JSON log line. */
type LogLine = { level: string; msg: string } & Record<string, unknown>;

/** A real logger at `level` whose lines are kept, parsed, in `lines` (the order written). */
export function capturedLogger(level: LogLevel = "info"): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger(
    level,
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  return { logger, lines };
}
