import { CIRCUIT_OPEN, describeDatabaseFailure, isDatabaseDown } from "./database-errors.ts";

/**
 * The circuit breaker of one Postgres pool (issue 8: "database down: answers fast").
 *
 * Without it, while the server is away every new statement queues inside postgres.js behind
 * connections that wait out their reconnect delay, and the client waits ~1–3 s for an error.
 * Once a statement has failed because the server went away (`isDatabaseDown`, the same rule the
 * replica router uses), the breaker is open: every new statement is refused at once with a
 * `CircuitOpenError` (answered `DATABASE_UNAVAILABLE`), and one probe at a time, on a fresh
 * connection of its own, asks whether the server is back, every `probeIntervalMs`. The first
 * probe that succeeds closes the breaker; statements flow again, and the pool reconnects as they
 * come. Query errors, statement timeouts and refused logins never open it.
 *
 * A single broken connection (a backend terminated by an administrator) opens it too, for as
 * long as one probe takes (a few milliseconds when the server is up).
 */

export class CircuitOpenError extends Error {
  readonly code = CIRCUIT_OPEN;
  constructor(openSince: number, cause: unknown) {
    super(
      `the database was found unreachable ${Math.round(performance.now() - openSince)} ms ago ` +
        `(${describeDatabaseFailure(cause)}); statements are refused until it answers again`,
      { cause },
    );
    this.name = "CircuitOpenError";
  }
}

export interface CircuitBreakerOptions {
  /** Asks the server once, on a connection of its own; resolves when it answered. */
  probe(): Promise<void>;
  /** Pause between probes while the server stays away. */
  probeIntervalMs?: number;
  /** Told when the breaker opens (with the reason) and when it closes. */
  onChange?(open: boolean, reason: string): void;
}

export class CircuitBreaker {
  private openSince: number | null = null;
  private lastFailure: unknown = null;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  private stopped = false;
  private readonly probeIntervalMs: number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.probeIntervalMs = options.probeIntervalMs ?? 250;
  }

  get isOpen(): boolean {
    return this.openSince !== null;
  }

  /** The error to refuse a new statement with while open; null while closed. */
  refusal(): CircuitOpenError | null {
    return this.openSince === null ? null : new CircuitOpenError(this.openSince, this.lastFailure);
  }

  /** Sees a failed statement: one that failed because the server is away opens the breaker. */
  failed(error: unknown): void {
    if (this.stopped || error instanceof CircuitOpenError || !isDatabaseDown(error)) return;
    this.lastFailure = error;
    if (this.openSince !== null) return;
    this.openSince = performance.now();
    this.options.onChange?.(true, describeDatabaseFailure(error));
    this.probeSoon(0);
  }

  /** No more probes (the pool is closing). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private probeSoon(delayMs: number): void {
    if (this.stopped || this.probing || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runProbe();
    }, delayMs);
    this.timer.unref();
  }

  private async runProbe(): Promise<void> {
    if (this.stopped || this.openSince === null) return;
    this.probing = true;
    try {
      await this.options.probe();
      if (this.stopped) return;
      const downMs = performance.now() - this.openSince;
      this.openSince = null;
      this.lastFailure = null;
      this.options.onChange?.(false, `reachable again after ${Math.round(downMs)} ms`);
    } catch (error) {
      this.lastFailure = error;
    } finally {
      this.probing = false;
    }
    if (this.openSince !== null) this.probeSoon(this.probeIntervalMs);
  }
}
