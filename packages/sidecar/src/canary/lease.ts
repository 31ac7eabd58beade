import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';

/**
 * Which sidecar runs the canary when several share one database. ClickHouse has no
 * compare-and-set, so this is not a lock but an election every replica computes the
 * same way from the same rows: each candidate writes a heartbeat before each run, and
 * the candidate with the earliest start among those heard from within `ttlMs` leads.
 * A leader that dies stops writing; one TTL later the next-oldest takes over. A new
 * replica never takes over from a live leader, so leadership does not flap.
 *
 * On a replicated cluster a heartbeat may reach other replicas late; for that moment
 * two sidecars may both run, which costs one extra sample per case, not a wrong score.
 */
export class CanaryLease {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly holder: string;
  readonly #startedAt: number;

  /** `ttlMs`: how long a silent candidate still counts as alive; use about 2.5 intervals. */
  constructor(store: Store, ttlMs: number, holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`, startedAt = Date.now()) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.holder = holder;
    this.#startedAt = startedAt;
  }

  /** Writes this candidate's heartbeat, then answers whether it leads. */
  async isLeader(): Promise<boolean> {
    // DateTime64 reads "seconds.millis" text with no time zone; a JSON number it refuses.
    await this.#store.insert('canary lease', 'canary_heartbeats', [{ holder: this.holder, started_at: (this.#startedAt / 1000).toFixed(3) }]);
    return (await this.leader()) === this.holder;
  }

  /** The current leader, or null when no candidate is alive. */
  async leader(): Promise<string | null> {
    const rows = await this.#store.query<{ holder: string }>(
      'canary lease',
      `SELECT holder FROM canary_heartbeats
       WHERE at >= now64(3) - toIntervalMillisecond({ttl:UInt32})
       GROUP BY holder
       ORDER BY min(started_at), holder
       LIMIT 1`,
      { ttl: this.#ttlMs },
    );
    return rows[0]?.holder ?? null;
  }
}
