import { createHash } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Store } from '../store/store.ts';
import type { DecodedRequest, DecodedSpan } from './decode.ts';
import { toTraceRow, type TraceRow } from './rows.ts';

/** Too many batches are already waiting for the store: the client should back off and retry. */
export class IngestBusyError extends Error {
  override readonly name = 'IngestBusyError';
}

/**
 * Which span start times are believable. Spans outside [now − maxAge, now + maxFutureSkew]
 * come from a broken clock (or a replayed archive) and would land in minutes that have
 * already been alerted on or have not happened yet; they are refused one by one as OTLP
 * partial success, with the reason, and everything else in the batch is stored.
 */
export interface ClockPolicy {
  /** Default 15 minutes: generous for NTP-less hosts, tight enough to keep future minutes empty. */
  maxFutureSkewMs: number;
  /** Default 30 days: older spans belong to a backfill, which writes to otel_traces directly. */
  maxAgeMs: number;
  /** Current time, ms. Default Date.now; tests pin it. */
  now?: () => number;
}

export const DEFAULT_CLOCK_POLICY: ClockPolicy = { maxFutureSkewMs: 15 * 60_000, maxAgeMs: 30 * 86_400_000 };

export interface IngestResult {
  accepted: number;
  rejected: number;
  rejectedReasons: string[];
}

/**
 * Writes decoded OTLP batches to `otel_traces`, one synchronous insert per batch, at
 * most `maxConcurrent` at a time and `maxQueued` waiting. The batch's content hash is
 * its deduplication token: a client retrying a batch whose 200 it never saw is
 * counted once, by the raw table and by every view downstream.
 */
export class Ingestor {
  readonly #store: Store;
  readonly #limit: LimitFunction;
  readonly #maxQueued: number;
  readonly #clock: ClockPolicy;

  constructor(store: Store, maxConcurrent: number, maxQueued: number, clock: ClockPolicy = DEFAULT_CLOCK_POLICY) {
    this.#store = store;
    this.#limit = pLimit(maxConcurrent);
    this.#maxQueued = maxQueued;
    this.#clock = clock;
  }

  /** Batches currently writing or waiting. */
  get inFlight(): number {
    return this.#limit.activeCount + this.#limit.pendingCount;
  }

  async write(request: DecodedRequest): Promise<IngestResult> {
    const { believable, rejected, reasons } = applyClockPolicy(request, this.#clock);
    const rows = believable.map(toTraceRow);
    const result = { accepted: rows.length, rejected, rejectedReasons: reasons };
    if (rows.length === 0) return result;
    if (this.#limit.pendingCount >= this.#maxQueued) throw new IngestBusyError(`${this.#limit.pendingCount} batches already waiting for the store`);
    await this.#limit(() => this.#store.insert('otlp ingest', 'otel_traces', rows, batchToken(rows)));
    return result;
  }
}

/** A batch's deduplication token: the hash of exactly the rows it writes. */
export function batchToken(rows: readonly TraceRow[]): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

/** Splits a decoded request into spans with believable start times and the refused rest, with reasons. */
export function applyClockPolicy(request: DecodedRequest, clock: ClockPolicy): { believable: DecodedSpan[]; rejected: number; reasons: string[] } {
  const now = BigInt(Math.round((clock.now ?? Date.now)())) * 1_000_000n;
  const latest = now + BigInt(clock.maxFutureSkewMs) * 1_000_000n;
  const earliest = now - BigInt(clock.maxAgeMs) * 1_000_000n;
  const reasons = [...request.rejected.reasons];
  let rejected = request.rejected.count;
  const believable = request.spans.filter((span) => {
    if (span.startTimeUnixNano <= latest && span.startTimeUnixNano >= earliest) return true;
    rejected += 1;
    if (reasons.length < 5) {
      const when = new Date(Number(span.startTimeUnixNano / 1_000_000n)).toISOString();
      const which = span.startTimeUnixNano > latest ? 'in the future' : 'too old';
      reasons.push(`span ${span.spanId}: start time ${when} is ${which} (accepted: now −${clock.maxAgeMs / 86_400_000} d … now +${clock.maxFutureSkewMs / 60_000} min)`);
    }
    return false;
  });
  return { believable, rejected, reasons };
}
