import {
  CIRCUIT_OPEN,
  describeDatabaseFailure,
  isCircuitRefusal,
  isConnectFailure,
  isDatabaseDown,
} from "./database-errors.ts";

/**
 * The circuit breaker of one Postgres pool (issue 8: "database down: answers fast").
 *
 * Without it, while the server is away every new statement queues inside postgres.js behind
 * connections that wait out their reconnect delay, and the client waits ~1–3 s for an error.
 * A statement that failed because the server is away (`isDatabaseDown`, the same rule the
 * replica router uses) makes the breaker ask: one probe, on a fresh connection of its own. When a
 * new connection could not be made (`isConnectFailure`: refused, not answered), or the probe
 * fails, the breaker is open: every new statement is refused at once with a `CircuitOpenError`
 * (answered `DATABASE_UNAVAILABLE`), and one probe at a time asks again every `probeIntervalMs`.
 * The first probe that succeeds closes it; statements flow again, and the pool reconnects as they
 * come. A lost connection alone (57P01 after a restart that is already over, one backend
 * terminated) only asks: while that probe runs, statements still flow, and it opens nothing if
 * the server answers. Query errors, statement timeouts and refused logins are not asked about,
 * and a probe that gets one of them (a full server, a refused login) found the server there.
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
  /** How often it opened: a probe begun before the latest opening says nothing about it. */
  private openings = 0;
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

  /**
   * Sees a failed statement: one that could not connect opens the breaker; one that lost its
   * connection has the server probed, and opens it if the probe fails.
   */
  failed(error: unknown): void {
    if (this.stopped || isCircuitRefusal(error) || !isDatabaseDown(error)) return;
    if (this.openSince !== null) {
      this.lastFailure = error;
      return;
    }
    if (isConnectFailure(error)) this.open(error);
    else this.probeSoon(0);
  }

  private open(reason: unknown): void {
    this.lastFailure = reason;
    if (this.openSince !== null) return;
    this.openSince = performance.now();
    this.openings++;
    this.options.onChange?.(true, describeDatabaseFailure(reason));
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
    if (this.stopped) return;
    this.probing = true;
    const openings = this.openings;
    let answered = false;
    try {
      await this.options.probe();
      answered = true;
    } catch (error) {
      // Only a server that is away counts: one that answered with an error (too many clients,
      // a refused login) is there, and the pool's open connections may well serve.
      if (isDatabaseDown(error)) {
        if (!this.stopped) this.open(error);
      } else answered = true;
    } finally {
      this.probing = false;
    }
    if (this.stopped) return;
    // A probe begun before the breaker last opened connected before the failure that opened it.
    if (answered && this.openSince !== null && this.openings === openings) {
      const downMs = performance.now() - this.openSince;
      this.openSince = null;
      this.lastFailure = null;
      this.options.onChange?.(false, `reachable again after ${Math.round(downMs)} ms`);
    }
    if (this.openSince !== null) this.probeSoon(this.probeIntervalMs);
  }
}
