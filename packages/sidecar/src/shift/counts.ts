import type { MinuteCount } from '@behavior-rate/stats';
import type { Store } from '../store/store.ts';

/** Live traffic of one fingerprint (or all of them) over the detector's history. */
export interface TrafficCounts {
  /** Calls per minute, dense from the first history minute to the last complete one. */
  calls: number[];
  /** Calls over the baseline window. */
  baselineCalls: number;
}

/**
 * Key of all live traffic in the per-fingerprint maps. Not "": calls without any
 * fingerprint have the fingerprint "" and must not be counted twice.
 */
export const ALL_TRAFFIC = '\u0000all';

/** What the detectors read, per fingerprint, with the aggregate under {@link ALL_TRAFFIC}. */
export interface ShiftCounts {
  /** Unix seconds of the first history minute. */
  fromSeconds: number;
  minutes: number;
  traffic: Map<string, TrafficCounts>;
  /** behavior → fingerprint (or ALL_TRAFFIC) → dense hits per minute. */
  hits: Map<string, Map<string, number[]>>;
  /** behavior → fingerprint (or ALL_TRAFFIC) → hits over the baseline window. */
  baselineHits: Map<string, Map<string, number>>;
}

/** The window the counts cover; `toSeconds` is the exclusive end (the start of the current minute). */
export interface CountWindow {
  toSeconds: number;
  historyMinutes: number;
  baselineMinutes: number;
}

type Row = Record<string, string | number>;

/**
 * Reads per-minute live counts for the shift detectors from the per-minute tables
 * (never raw spans), so everything that reached ClickHouse counts, collector-ingested
 * or not, and the state after a restart is the state before it.
 */
export async function readShiftCounts(store: Store, window: CountWindow): Promise<ShiftCounts> {
  const fromSeconds = window.toSeconds - window.historyMinutes * 60;
  const params = { from: fromSeconds, to: window.toSeconds, baseline: window.toSeconds - window.baselineMinutes * 60 };
  const live = `source = 'live' AND minute < {to:DateTime}`;
  const [callRows, hitRows, baselineCallRows, baselineHitRows] = await Promise.all([
    store.query<Row>('shift counts', `SELECT fingerprint, toUnixTimestamp(minute) AS m, sum(calls) AS n FROM calls_by_minute WHERE ${live} AND minute >= {from:DateTime} GROUP BY fingerprint, m`, params),
    store.query<Row>('shift counts', `SELECT behavior, fingerprint, toUnixTimestamp(minute) AS m, sum(hits) AS n FROM behavior_hits_by_minute WHERE ${live} AND minute >= {from:DateTime} GROUP BY behavior, fingerprint, m`, params),
    store.query<Row>('shift counts', `SELECT fingerprint, sum(calls) AS n FROM calls_by_minute WHERE ${live} AND minute >= {baseline:DateTime} GROUP BY fingerprint`, params),
    store.query<Row>('shift counts', `SELECT behavior, fingerprint, sum(hits) AS n FROM behavior_hits_by_minute WHERE ${live} AND minute >= {baseline:DateTime} GROUP BY behavior, fingerprint`, params),
  ]);
  const minutes = window.historyMinutes;
  const dense = () => new Array<number>(minutes).fill(0);
  const index = (row: Row) => (Number(row.m) - fromSeconds) / 60;

  const traffic = new Map<string, TrafficCounts>();
  const trafficOf = (fingerprint: string) => {
    let entry = traffic.get(fingerprint);
    if (entry === undefined) traffic.set(fingerprint, (entry = { calls: dense(), baselineCalls: 0 }));
    return entry;
  };
  trafficOf(ALL_TRAFFIC);
  for (const row of callRows) {
    const i = index(row);
    const n = Number(row.n);
    trafficOf(String(row.fingerprint)).calls[i]! += n;
    trafficOf(ALL_TRAFFIC).calls[i]! += n;
  }
  for (const row of baselineCallRows) {
    trafficOf(String(row.fingerprint)).baselineCalls += Number(row.n);
    trafficOf(ALL_TRAFFIC).baselineCalls += Number(row.n);
  }

  const hits = new Map<string, Map<string, number[]>>();
  const hitsOf = (behavior: string, fingerprint: string) => {
    let byFingerprint = hits.get(behavior);
    if (byFingerprint === undefined) hits.set(behavior, (byFingerprint = new Map()));
    let series = byFingerprint.get(fingerprint);
    if (series === undefined) byFingerprint.set(fingerprint, (series = dense()));
    return series;
  };
  for (const row of hitRows) {
    const i = index(row);
    const n = Number(row.n);
    hitsOf(String(row.behavior), String(row.fingerprint))[i]! += n;
    hitsOf(String(row.behavior), ALL_TRAFFIC)[i]! += n;
  }
  const baselineHits = new Map<string, Map<string, number>>();
  for (const row of baselineHitRows) {
    const behavior = String(row.behavior);
    const byFingerprint = baselineHits.get(behavior) ?? new Map<string, number>();
    baselineHits.set(behavior, byFingerprint);
    for (const key of [String(row.fingerprint), ALL_TRAFFIC]) byFingerprint.set(key, (byFingerprint.get(key) ?? 0) + Number(row.n));
  }
  return { fromSeconds, minutes, traffic, hits, baselineHits };
}

/** Zips calls and hits into the detector's per-minute input. */
export function minuteCounts(calls: readonly number[], hits: readonly number[] | undefined): MinuteCount[] {
  // A hit counted in a minute whose call row has not merged yet would break 0 ≤ hits ≤ calls.
  return calls.map((n, i) => ({ calls: Math.max(n, hits?.[i] ?? 0), hits: hits?.[i] ?? 0 }));
}
