import { sql } from "drizzle-orm";
import type { Logger } from "../logger.ts";
import { type Database, type Db, selectRows } from "./client.ts";
import { describeDatabaseFailure } from "./database-errors.ts";

/**
 * Read routing over a Postgres primary and its streaming replicas (issue 13).
 *
 * A poller asks every server, every `pollIntervalMs`, how far it is: the primary its current WAL
 * position, each replica the position it has replayed and the data generation it sees. Choosing a
 * reader then costs nothing in the common case; only a request that needs a position the last poll
 * has not seen yet asks the candidate replica once more, and falls back to the primary.
 */

/** A WAL position (`pg_lsn`), as a number that compares. */
export type Lsn = bigint;

const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

export function parseLsn(text: string): Lsn | null {
  const match = LSN_TEXT.exec(text.trim());
  if (!match) return null;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export interface ServerState {
  /** `primary` or `replica-<n>` (position in DATABASE_READ_URLS). */
  readonly name: string;
  readonly location: string;
  up: boolean;
  /** Primary: current WAL position; replica: replayed position. */
  lsn: Lsn | null;
  /** The data generation this server sees (replicas; see the data-generation migration). */
  generation: bigint | null;
  /** How long the replica has been behind a primary position it has not replayed yet. */
  lagMs: number | null;
  lastError: string | null;
  checkedAt: number | null;
}

export interface Reader {
  db: Db;
  name: string;
  state: ServerState;
}

export interface ReadRequirement {
  /** The client has seen this commit (read-your-writes); the reader must have replayed it. */
  minLsn?: Lsn | null;
  /** A response cached under this generation must be computed from data at least this new. */
  minGeneration?: bigint | null;
}

export interface ReadRouterOptions {
  maxLagMs: number;
  pollIntervalMs?: number;
  logger: Logger;
}

export interface ReadinessReport {
  ready: boolean;
  primary: { up: boolean; location: string; lsn: string | null; error: string | null };
  replicas: {
    name: string;
    location: string;
    up: boolean;
    lagMs: number | null;
    replayedLsn: string | null;
    serving: boolean;
    error: string | null;
  }[];
}

export class PrimaryUnavailableError extends Error {
  readonly code = "PRIMARY_UNAVAILABLE";
  constructor() {
    super("The primary database is unavailable: writes are refused until it is back.");
  }
}

export class ReadRouter {
  readonly primary: Database;
  readonly primaryState: ServerState;
  readonly replicas: { database: Database; state: ServerState }[];
  private readonly maxLagMs: number;
  private readonly pollIntervalMs: number;
  private readonly logger: Logger;
  /** (time, primary position) samples of the last few seconds, oldest first, for replica lag. */
  private readonly primaryHistory: { at: number; lsn: Lsn }[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;

  constructor(primary: Database, replicas: Database[], options: ReadRouterOptions) {
    this.primary = primary;
    this.primaryState = newState("primary", primary.location);
    this.replicas = replicas.map((database, index) => ({
      database,
      state: newState(`replica-${index}`, database.location),
    }));
    this.maxLagMs = options.maxLagMs;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.logger = options.logger;
  }

  /** Polls once (so the first requests are routed on facts), then keeps polling in the background. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => {
        this.polling = null;
      });
    }, this.pollIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling;
  }

  get primaryUp(): boolean {
    return this.primaryState.up;
  }

  /** The commit position a client must see replayed to read its own writes. */
  async currentPrimaryLsn(): Promise<Lsn> {
    const [row] = await selectRows<{ lsn: string }>(
      this.primary.db,
      sql`SELECT pg_current_wal_lsn()::text AS lsn`,
    );
    return parseLsn(row?.lsn ?? "") ?? 0n;
  }

  /**
   * The reader for a query: the next serving replica (round robin) that meets the requirement,
   * else the primary. With the primary down, replicas serve whatever they have.
   */
  async chooseReader(requirement: ReadRequirement = {}): Promise<Reader> {
    const count = this.replicas.length;
    const start = this.next++;
    let candidate: { database: Database; state: ServerState } | null = null;
    for (let step = 0; step < count; step++) {
      const replica = this.replicas[(start + step) % count] as (typeof this.replicas)[number];
      if (!this.isServing(replica.state)) continue;
      candidate ??= replica;
      if (meets(replica.state, requirement)) {
        return { db: replica.database.db, name: replica.state.name, state: replica.state };
      }
    }
    // The last poll may be a few milliseconds old: ask the first serving replica again before
    // sending the read to the primary.
    if (candidate !== null && (requirement.minLsn != null || requirement.minGeneration != null)) {
      await this.pollReplica(candidate);
      if (this.isServing(candidate.state) && meets(candidate.state, requirement)) {
        return { db: candidate.database.db, name: candidate.state.name, state: candidate.state };
      }
    }
    if (!this.primaryState.up && candidate !== null) {
      return { db: candidate.database.db, name: candidate.state.name, state: candidate.state };
    }
    return { db: this.primary.db, name: "primary", state: this.primaryState };
  }

  /** Called when a statement failed because the server went away: stop routing to it at once. */
  markDown(state: ServerState, error: unknown): void {
    // The cause (refused, timed out, …), not drizzle's "Failed query: …" wrapper around it.
    const reason = describeDatabaseFailure(error);
    if (state.up) this.logger.warn({ server: state.name, reason }, "database down");
    state.up = false;
    state.lastError = reason;
  }

  report(): ReadinessReport {
    const primary = this.primaryState;
    const replicas = this.replicas.map(({ state }) => ({
      name: state.name,
      location: state.location,
      up: state.up,
      lagMs: state.lagMs,
      replayedLsn: state.lsn === null ? null : formatLsn(state.lsn),
      serving: this.isServing(state),
      error: state.lastError,
    }));
    return {
      // Reads can be answered when any server can; writes need the primary (reported above).
      ready: primary.up || replicas.some((r) => r.serving),
      primary: {
        up: primary.up,
        location: primary.location,
        lsn: primary.lsn === null ? null : formatLsn(primary.lsn),
        error: primary.lastError,
      },
      replicas,
    };
  }

  private isServing(state: ServerState): boolean {
    if (!state.up) return false;
    // Without a primary there is nothing to lag behind: serve what the replica has.
    if (!this.primaryState.up) return true;
    return state.lagMs !== null && state.lagMs <= this.maxLagMs;
  }

  private async poll(): Promise<void> {
    await Promise.all([this.pollPrimary(), ...this.replicas.map((r) => this.pollReplica(r))]);
  }

  private async pollPrimary(): Promise<void> {
    const state = this.primaryState;
    try {
      const lsn = await this.currentPrimaryLsn();
      const now = Date.now();
      if (!state.up) this.logger.info({ server: state.name }, "database up");
      Object.assign(state, { up: true, lsn, lastError: null, checkedAt: now });
      const last = this.primaryHistory.at(-1);
      if (last === undefined || last.lsn !== lsn) this.primaryHistory.push({ at: now, lsn });
      const horizon = now - Math.max(5_000, this.maxLagMs * 4);
      while ((this.primaryHistory[0]?.at ?? now) < horizon && this.primaryHistory.length > 1) {
        this.primaryHistory.shift();
      }
      for (const replica of this.replicas) replica.state.lagMs = this.lagOf(replica.state);
    } catch (error) {
      this.markDown(state, error);
      state.checkedAt = Date.now();
    }
  }

  private async pollReplica(replica: { database: Database; state: ServerState }): Promise<void> {
    const { state } = replica;
    try {
      const [row] = await selectRows<{ lsn: string | null; generation: string | null }>(
        replica.database.db,
        sql`SELECT pg_last_wal_replay_lsn()::text AS lsn,
          (SELECT seq FROM data_generation WHERE id = 1)::text AS generation`,
      );
      if (row?.lsn == null) throw new Error("not a streaming replica (no replayed WAL position)");
      if (!state.up) this.logger.info({ server: state.name }, "database up");
      state.up = true;
      state.lastError = null;
      state.checkedAt = Date.now();
      const lsn = parseLsn(row.lsn);
      // Positions only grow; a stale answer overtaken by a newer one must not move them back.
      if (lsn !== null && (state.lsn === null || lsn > state.lsn)) state.lsn = lsn;
      const generation = row.generation === null ? null : BigInt(row.generation);
      if (generation !== null && (state.generation === null || generation > state.generation)) {
        state.generation = generation;
      }
      state.lagMs = this.lagOf(state);
    } catch (error) {
      this.markDown(state, error);
      state.checkedAt = Date.now();
    }
  }

  /** Since when the primary has had a position this replica has not replayed. */
  private lagOf(state: ServerState): number | null {
    const replayed = state.lsn;
    if (replayed === null) return null;
    const behind = this.primaryHistory.find((sample) => sample.lsn > replayed);
    if (behind === undefined) return 0;
    return Date.now() - behind.at;
  }
}

function newState(name: string, location: string): ServerState {
  return {
    name,
    location,
    up: false,
    lsn: null,
    generation: null,
    lagMs: null,
    lastError: null,
    checkedAt: null,
  };
}

function meets(state: ServerState, requirement: ReadRequirement): boolean {
  if (requirement.minLsn != null && (state.lsn === null || state.lsn < requirement.minLsn)) {
    return false;
  }
  if (
    requirement.minGeneration != null &&
    (state.generation === null || state.generation < requirement.minGeneration)
  ) {
    return false;
  }
  return true;
}
