import { describe, expect, it } from "vitest";
import { CircuitBreaker, CircuitOpenError } from "../../src/db/circuit-breaker.ts";
import {
  classifyDatabaseError,
  describeDatabaseFailure,
  isDatabaseDown,
} from "../../src/db/database-errors.ts";

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
// As drizzle wraps a driver error.
const wrapped = (cause: unknown) => new Error("Failed query: select …", { cause });

function probeController() {
  let answer: "up" | "down" = "down";
  let running = 0;
  let most = 0;
  let calls = 0;
  return {
    set: (next: "up" | "down") => {
      answer = next;
    },
    get calls() {
      return calls;
    },
    get mostAtOnce() {
      return most;
    },
    async probe() {
      calls++;
      running++;
      most = Math.max(most, running);
      await new Promise((done) => setTimeout(done, 5));
      running--;
      if (answer === "down") throw coded("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1");
    },
  };
}

async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 5));
  }
  return performance.now() - started;
}

describe("isDatabaseDown: the one rule for 'this pool's server is away'", () => {
  it.each([
    "ECONNREFUSED",
    "ECONNRESET",
    "CONNECT_TIMEOUT",
    "CONNECTION_CLOSED",
    "57P01",
    "57P03",
    "08006",
    "CIRCUIT_OPEN",
  ])("is true for %s, also wrapped", (code) => {
    expect(isDatabaseDown(coded(code))).toBe(true);
    expect(isDatabaseDown(wrapped(coded(code)))).toBe(true);
  });

  it.each([
    ["a statement timeout", "57014"],
    ["a syntax error", "42601"],
    ["a unique violation", "23505"],
    ["a refused login", "28P01"],
    ["a missing database", "3D000"],
    ["a full server (the open connections still serve)", "53300"],
  ])("is false for %s", (_, code) => {
    expect(isDatabaseDown(wrapped(coded(code)))).toBe(false);
  });

  it("is false for an error without a code", () => {
    expect(isDatabaseDown(new Error("boom"))).toBe(false);
    expect(isDatabaseDown(null)).toBe(false);
  });
});

describe("CircuitBreaker", () => {
  it("opens on a connection failure, refuses at once with DATABASE_UNAVAILABLE, closes on the first good probe", async () => {
    const server = probeController();
    const changes: [boolean, string][] = [];
    const breaker = new CircuitBreaker({
      probe: () => server.probe(),
      probeIntervalMs: 20,
      onChange: (open, reason) => changes.push([open, reason]),
    });
    try {
      expect(breaker.refusal()).toBeNull();
      breaker.failed(wrapped(coded("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5432")));
      expect(breaker.isOpen).toBe(true);
      const refusal = breaker.refusal();
      expect(refusal).toBeInstanceOf(CircuitOpenError);
      expect(classifyDatabaseError(refusal)).toBe("DATABASE_UNAVAILABLE");
      expect(isDatabaseDown(refusal)).toBe(true);
      // An operator reads why, not only that the breaker is open.
      expect(describeDatabaseFailure(wrapped(refusal))).toMatch(/connection refused/);
      // A refused statement seen as a failure does not restart anything.
      breaker.failed(refusal);

      await until(() => server.calls >= 3, 2_000);
      expect(breaker.isOpen).toBe(true);
      server.set("up");
      const closedIn = await until(() => !breaker.isOpen, 2_000);
      expect(closedIn).toBeLessThan(500);
      expect(breaker.refusal()).toBeNull();
      expect(server.mostAtOnce).toBe(1);
      expect(changes.map(([open]) => open)).toEqual([true, false]);
      expect(changes[0]?.[1]).toMatch(/connection refused/);

      // Once closed, no more probes.
      const calls = server.calls;
      await new Promise((done) => setTimeout(done, 80));
      expect(server.calls).toBe(calls);
    } finally {
      breaker.stop();
    }
  });

  it("asks about a lost connection without refusing: stays closed if the server answers, opens if not", async () => {
    const server = probeController();
    server.set("up");
    const breaker = new CircuitBreaker({ probe: () => server.probe(), probeIntervalMs: 20 });
    try {
      // 57P01 from a connection broken by a restart that is already over.
      breaker.failed(
        wrapped(coded("57P01", "terminating connection due to administrator command")),
      );
      expect(breaker.isOpen).toBe(false);
      await until(() => server.calls === 1, 2_000);
      await new Promise((done) => setTimeout(done, 30));
      expect(breaker.isOpen).toBe(false);
      expect(server.calls).toBe(1);

      server.set("down");
      breaker.failed(coded("ECONNRESET"));
      expect(breaker.refusal()).toBeNull();
      await until(() => breaker.isOpen, 2_000);
      expect(describeDatabaseFailure(breaker.refusal())).toMatch(/connection refused/);
    } finally {
      breaker.stop();
    }
  });

  it("stays closed on statement timeouts, query errors, refused logins and a full server", async () => {
    const server = probeController();
    const breaker = new CircuitBreaker({ probe: () => server.probe(), probeIntervalMs: 20 });
    try {
      for (const code of ["57014", "42601", "23505", "28P01", "53300"]) {
        breaker.failed(wrapped(coded(code)));
      }
      breaker.failed(new Error("no code"));
      expect(breaker.isOpen).toBe(false);
      await new Promise((done) => setTimeout(done, 50));
      expect(server.calls).toBe(0);
    } finally {
      breaker.stop();
    }
  });

  it("probes once at a time however many statements fail, and not after stop()", async () => {
    const server = probeController();
    const breaker = new CircuitBreaker({ probe: () => server.probe(), probeIntervalMs: 10 });
    for (let i = 0; i < 50; i++) breaker.failed(coded("ECONNRESET"));
    await until(() => server.calls >= 4, 2_000);
    expect(server.mostAtOnce).toBe(1);
    breaker.stop();
    await new Promise((done) => setTimeout(done, 30));
    const calls = server.calls;
    await new Promise((done) => setTimeout(done, 60));
    expect(server.calls).toBe(calls);
    // A stopped breaker (its pool is closing) is not opened again by the pool's closing errors.
    const other = new CircuitBreaker({ probe: () => server.probe() });
    other.stop();
    other.failed(coded("CONNECTION_ENDED"));
    expect(other.isOpen).toBe(false);
  });

  it("a probe answered with an error (a full server, a refused login) finds the server there", async () => {
    for (const code of ["53300", "28P01"]) {
      let calls = 0;
      const breaker = new CircuitBreaker({
        probe: async () => {
          calls++;
          throw wrapped(coded(code));
        },
        probeIntervalMs: 10,
      });
      try {
        // A lost connection has the server probed; the server answers, if only with an error.
        breaker.failed(coded("ECONNRESET"));
        await until(() => calls === 1, 2_000);
        await new Promise((done) => setTimeout(done, 30));
        expect(breaker.isOpen).toBe(false);
        // Open after a refused connect: the same answer closes it.
        breaker.failed(coded("ECONNREFUSED"));
        expect(breaker.isOpen).toBe(true);
        await until(() => !breaker.isOpen, 2_000);
      } finally {
        breaker.stop();
      }
    }
  });

  it("a probe begun before the breaker opened does not close it", async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const breaker = new CircuitBreaker({
      probe: async () => {
        calls++;
        // The first probe connected before the outage and answers late; the rest find it down.
        if (calls === 1) await new Promise<void>((done) => (release = done));
        else throw coded("ECONNREFUSED");
      },
      probeIntervalMs: 10,
    });
    try {
      breaker.failed(coded("ECONNRESET"));
      await until(() => release !== undefined, 2_000);
      breaker.failed(wrapped(coded("ECONNREFUSED")));
      expect(breaker.isOpen).toBe(true);
      release?.();
      await until(() => calls >= 3, 2_000);
      expect(breaker.isOpen).toBe(true);
    } finally {
      breaker.stop();
    }
  });

  it("a refusal wrapped by drizzle is not news about the server", async () => {
    const server = probeController();
    const breaker = new CircuitBreaker({ probe: () => server.probe(), probeIntervalMs: 10 });
    try {
      breaker.failed(coded("ECONNREFUSED"));
      const refusal = breaker.refusal();
      server.set("up");
      await until(() => !breaker.isOpen, 2_000);
      const calls = server.calls;
      // Late: a statement refused while open, failing through a transaction's wrapper.
      breaker.failed(wrapped(wrapped(refusal)));
      await new Promise((done) => setTimeout(done, 40));
      expect(server.calls).toBe(calls);
      expect(breaker.isOpen).toBe(false);
    } finally {
      breaker.stop();
    }
  });
});
