import type { Store } from '../store/store.ts';
import type { TimeRange } from './window.ts';

/** When a fingerprint served live traffic in a range. */
export interface FingerprintSpan {
  fingerprint: string;
  /** First and last minute it was seen in the range, ISO 8601. */
  firstSeen: string;
  lastSeen: string;
  calls: number;
}

/** Fingerprints seen in a range, and the moments a new one appeared after the range's first minute. */
export interface FingerprintTimeline {
  fingerprints: FingerprintSpan[];
  /** A fingerprint first seen after the range began: a backend change, as far as calls show it. */
  changes: { at: string; fingerprint: string }[];
}

/**
 * Fingerprints of live calls of `service` in `range`, from the per-minute counts. A
 * fingerprint that appears after the range's first minute is listed as a change; one
 * present from the start is not (it may have been there long before).
 */
export async function fingerprintTimeline(store: Store, range: TimeRange, service: string | undefined): Promise<FingerprintTimeline> {
  const rows = await store.query<{ fingerprint: string; first_seen: number | string; last_seen: number | string; calls: number | string }>(
    'fingerprint timeline',
    `SELECT fingerprint, toUnixTimestamp(min(minute)) AS first_seen, toUnixTimestamp(max(minute)) AS last_seen, sum(calls) AS calls
     FROM calls_by_minute
     WHERE minute >= {from:DateTime} AND minute < {to:DateTime} AND source = 'live'
       AND ({service:String} = '' OR service = {service:String})
     GROUP BY fingerprint
     ORDER BY first_seen, fingerprint`,
    { from: seconds(range.from), to: seconds(range.to), service: service ?? '' },
  );
  const fingerprints = rows.map((row) => ({
    fingerprint: row.fingerprint,
    firstSeen: iso(row.first_seen),
    lastSeen: iso(row.last_seen),
    calls: Number(row.calls),
  }));
  const start = fingerprints[0]?.firstSeen;
  const changes = fingerprints.filter((f) => f.firstSeen !== start).map((f) => ({ at: f.firstSeen, fingerprint: f.fingerprint }));
  return { fingerprints, changes };
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
const iso = (unixSeconds: number | string): string => new Date(Number(unixSeconds) * 1000).toISOString();
