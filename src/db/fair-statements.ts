import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Fair turns at PGlite's one thread (issue 8: "a concurrent small query is never held up by more
 * than about a second ... PGlite, whose one thread must not be held by one request").
 *
 * PGlite runs each statement synchronously on the main thread, behind a first-come mutex that
 * hands over by promise continuation. So the statements one big request queued (30 aliased
 * neighbourhoods are 30 statements sent at once) all ran before a small request's one statement,
 * and as one unbroken chain of microtasks, during which Node read no socket: a concurrent
 * `{ __typename }` waited for the whole big request.
 *
 * The gate gives turns instead: each statement first waits for the event loop's check phase
 * (`setImmediate`), so sockets are read between any two statements; then, if another statement
 * runs, it waits in its owner's line, and the lines are served in turn (round robin), one
 * statement each. The owner is the HTTP request the statement runs for (`runAsStatementOwner`,
 * entered where each request is handed to yoga: app.ts's `nodeHandlerOf`); statements outside any request share one line. A small request
 * then waits for at most the statement running when it arrived, not for everything queued before
 * it.
 */
export class FairStatementGate {
  /** A statement runs, or the next one is being chosen. */
  private busy = false;
  /** Waiting statements per owner; the Map's order is the turn order. */
  private readonly lines = new Map<unknown, (() => void)[]>();
  private lastServed: unknown;

  /** Runs `statement` in its owner's turn. */
  async run<T>(owner: unknown, statement: () => Promise<T>): Promise<T> {
    await new Promise<void>((admit) => {
      const line = this.lines.get(owner);
      if (line) line.push(admit);
      else this.lines.set(owner, [admit]);
      if (!this.busy) {
        this.busy = true;
        this.chooseSoon();
      }
    });
    try {
      return await statement();
    } finally {
      this.chooseSoon();
    }
  }

  /**
   * Admits the next statement after the event loop's check phase. Admitted at once, it would run
   * in the same chain of microtasks as the last one, and a request arriving meanwhile would not
   * even be read; chosen after the pause, a request read during it is in the running. The line
   * served is the first one (in turn order) that was not served last, so one request's queued
   * statements never go twice in a row while another request waits; it then goes to the back.
   */
  private chooseSoon(): void {
    setImmediate(() => {
      let chosen: [unknown, (() => void)[]] | undefined;
      for (const entry of this.lines) {
        if (entry[0] !== this.lastServed) {
          chosen = entry;
          break;
        }
        chosen ??= entry;
      }
      if (chosen === undefined) {
        this.busy = false;
        return;
      }
      const [owner, line] = chosen;
      const admit = line.shift() as () => void;
      this.lines.delete(owner);
      if (line.length > 0) this.lines.set(owner, line);
      this.lastServed = owner;
      admit();
    });
  }
}

const owners = new AsyncLocalStorage<object>();

/** Runs `work` (the handling of one request) as one owner of statements for the fair gate. */
export function runAsStatementOwner<T>(work: () => T): T {
  return owners.run({}, work);
}

/** The owner of the statements sent from here: the request being handled, if any. */
export function currentStatementOwner(): unknown {
  return owners.getStore() ?? null;
}
