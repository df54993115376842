import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { sql } from "drizzle-orm";
import type { Logger } from "../logger.ts";
import { type Database, type Db, selectRows } from "./client.ts";

/**
 * Response caches that answer a hit without asking the database, and still never serve an
 * answer older than a write whose answer has been returned (issue 13). See ARCHITECTURE.md,
 * "Response cache coherence", and the `cache-processes` migration.
 *
 * - Every commit that changes the graph bumps `data_generation` and sends NOTIFY (in the same
 *   transaction, so only if it commits).
 * - Each server process follows the generation in memory ({@link GenerationFollower}): on NOTIFY,
 *   and on a heartbeat, it reads the generation from the primary, takes it in, then records it as
 *   acknowledged in `cache_processes` with a lease. It keys its cache on the generation in memory
 *   only while its lease runs (measured from the moment it *asked* for the generation); when it
 *   cannot renew the lease it stops using that generation before the lease ends.
 * - A writer answers only after {@link awaitCachesCoherent}: every process with a live lease has
 *   acknowledged the writer's generation, or one lease length has passed since the commit (any
 *   process whose lease is still valid then has read the generation after the commit).
 */

export const GENERATION_CHANNEL = "pickgraph_data_generation";
const PING = "ping:";

export interface GenerationFollowerOptions {
  /** How long an acknowledgement vouches for this process; also a writer's longest wait. */
  leaseMs: number;
  logger: Logger;
}

export class GenerationFollower {
  /** This process's row in `cache_processes`. */
  readonly id = randomUUID();
  private readonly database: Database;
  private readonly leaseMs: number;
  private readonly heartbeatMs: number;
  /** Clocks of two machines may run at slightly different rates: the lease ends a bit early. */
  private readonly marginMs: number;
  private readonly logger: Logger;
  private known: bigint | null = null;
  /** `performance.now()` until which `known` may be used. */
  private validUntil = 0;
  private refreshing: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private listening: { unlisten(): Promise<void> } | null = null;
  private relistening = false;
  private pingSentAt = 0;
  private pingSeenAt = 0;
  private inSync = false;
  private closed = false;

  constructor(database: Database, options: GenerationFollowerOptions) {
    if (database.listen === undefined) {
      throw new Error("following the data generation needs Postgres (LISTEN/NOTIFY)");
    }
    this.database = database;
    this.leaseMs = options.leaseMs;
    this.heartbeatMs = Math.max(50, Math.floor(options.leaseMs / 4));
    this.marginMs = Math.max(20, Math.floor(options.leaseMs / 20));
    this.logger = options.logger;
  }

  /** The generation to key cached answers on, or null while this process cannot vouch for it. */
  current(): bigint | null {
    return this.known !== null && performance.now() < this.validUntil ? this.known : null;
  }

  /** Listens, registers, and keeps the lease renewed. Never throws: it retries on the heartbeat. */
  async start(): Promise<void> {
    await this.listen();
    await this.refresh();
    if (this.closed) return;
    this.timer = setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.validUntil = 0;
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
    await this.listening?.unlisten().catch(() => {});
    // Writers stop waiting for this process at once instead of when its lease runs out.
    await this.database.db
      .execute(sql`DELETE FROM cache_processes WHERE id = ${this.id}`)
      .catch(() => {});
  }

  /** Reads the generation from the primary and acknowledges it; calls made meanwhile fold into one more. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again && !this.closed);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    if (this.closed) return;
    try {
      // A writer that committed before this process's acknowledgement was written may have found
      // no live lease of ours (a first registration, or a lease that lapsed) and answered without
      // waiting. So the generation is read again after the acknowledgement: only a value still
      // current then may be used, otherwise it is taken in and acknowledged anew.
      let askedAt = performance.now();
      let seq = await this.readGeneration();
      for (let round = 0; ; round += 1) {
        // In memory first, acknowledged second: an acknowledgement never runs ahead of memory.
        this.known = BigInt(seq);
        await this.acknowledge(seq);
        const confirmedAt = performance.now();
        const now = await this.readGeneration();
        if (now === seq) break;
        if (round >= 10) throw new Error("the data generation keeps moving; not vouching for it");
        askedAt = confirmedAt;
        seq = now;
      }
      if (this.pingSentAt <= this.pingSeenAt) this.pingSentAt = performance.now();
      // The lease counts from the question, not the answer: a write committed before `askedAt`
      // is in `known`; one committed after it is covered by the writer's wait.
      if (!this.closed) this.validUntil = askedAt + this.leaseMs - this.marginMs;
      if (!this.inSync) this.logger.info({ generation: seq }, "response cache in sync");
      this.inSync = true;
    } catch (error) {
      if (this.inSync) {
        this.logger.warn(
          { err: String(error) },
          "response cache cannot follow the data generation; it stops answering when its lease ends",
        );
      }
      this.inSync = false;
    }
  }

  private async readGeneration(): Promise<string> {
    const [row] = await selectRows<{ seq: string }>(
      this.database.db,
      sql`SELECT seq::text AS seq FROM data_generation WHERE id = 1`,
    );
    if (row === undefined) throw new Error("data_generation has no row");
    return row.seq;
  }

  /**
   * Records `seq` as this process's acknowledged generation with a new lease, pings itself (to
   * notice a lost LISTEN connection), and forgets processes whose lease ended an hour ago (a
   * crashed or killed process never deletes its own row).
   */
  private async acknowledge(seq: string): Promise<void> {
    await this.database.db.execute(sql`
      WITH gone AS (
        DELETE FROM cache_processes WHERE lease_until < now() - interval '1 hour'
      ), ack AS (
        INSERT INTO cache_processes (id, acked_generation, lease_until, host, pid)
        VALUES (${this.id}, ${seq}::bigint, now() + ${this.leaseMs} * interval '1 millisecond',
          ${hostname()}, ${process.pid})
        ON CONFLICT (id) DO UPDATE SET acked_generation = EXCLUDED.acked_generation,
          lease_until = EXCLUDED.lease_until
      )
      SELECT pg_notify(${GENERATION_CHANNEL}, ${PING + this.id})`);
  }

  private heartbeat(): void {
    // Our own ping, sent on the last refresh, never came back: the LISTEN connection is gone
    // (postgres.js gives up re-listening when the primary is down). Listen anew.
    // Half a lease, not one heartbeat: on a loaded machine a ping can take longer than a
    // heartbeat, and every needless relisten is a moment in which notifications are missed.
    if (
      this.pingSentAt > this.pingSeenAt &&
      performance.now() - this.pingSentAt > this.leaseMs / 2
    ) {
      void this.relisten();
    }
    void this.refresh();
  }

  private onNotify(payload: string): void {
    if (payload.startsWith(PING)) {
      if (payload === PING + this.id) this.pingSeenAt = performance.now();
      return;
    }
    void this.refresh();
  }

  private async listen(): Promise<void> {
    try {
      this.listening = await (this.database.listen as NonNullable<Database["listen"]>)(
        GENERATION_CHANNEL,
        (payload) => this.onNotify(payload),
        // (Re)listening: a change may have been missed meanwhile.
        () => void this.refresh(),
      );
    } catch (error) {
      this.logger.warn({ err: String(error) }, "cannot LISTEN for data generation changes");
    }
  }

  private async relisten(): Promise<void> {
    if (this.relistening || this.closed) return;
    this.relistening = true;
    try {
      await this.listening?.unlisten().catch(() => {});
      this.listening = null;
      this.pingSentAt = 0;
      this.pingSeenAt = 0;
      await this.listen();
    } finally {
      this.relistening = false;
    }
  }
}

export interface CoherenceWait {
  /**
   * True once no live lease vouches for an older generation (each such process acknowledged, or
   * its lease ended); false when the writer's own bound (one lease length) ran out first.
   */
  acknowledged: boolean;
  waitedMs: number;
}

/**
 * Called by a writer after its commit and before it answers: returns once every process with a
 * live lease has acknowledged the current generation (which includes the writer's commit), or
 * once `leaseMs` has passed, after which no process can still vouch for an older generation.
 * A database that cannot be asked only makes the wait the longer of the two.
 */
export async function awaitCachesCoherent(db: Db, leaseMs: number): Promise<CoherenceWait> {
  const started = performance.now();
  let target: string | null = null;
  for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
    try {
      if (target === null) {
        const [row] = await selectRows<{ seq: string; waiting: number }>(
          db,
          sql`SELECT g.seq::text AS seq,
            (SELECT count(*)::int FROM cache_processes p
              WHERE p.acked_generation < g.seq AND p.lease_until > clock_timestamp()) AS waiting
          FROM data_generation g WHERE g.id = 1`,
        );
        if (row === undefined) throw new Error("data_generation has no row");
        target = row.seq;
        if (Number(row.waiting) === 0) {
          return { acknowledged: true, waitedMs: performance.now() - started };
        }
      } else {
        const [row] = await selectRows<{ waiting: number }>(
          db,
          sql`SELECT count(*)::int AS waiting FROM cache_processes
            WHERE acked_generation < ${target}::bigint AND lease_until > clock_timestamp()`,
        );
        if (Number(row?.waiting) === 0) {
          return { acknowledged: true, waitedMs: performance.now() - started };
        }
      }
    } catch {
      // Unreachable: the leases decide (below).
    }
    const left = leaseMs - (performance.now() - started);
    if (left <= 0) return { acknowledged: false, waitedMs: performance.now() - started };
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
  }
}
