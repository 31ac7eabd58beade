import { rate, type BehaviorRate, type IntervalMethod } from '@behavior-rate/stats';
import type { Store } from '../store/store.ts';

/** API names for the slices a rate can be split by, and the per-minute column each reads. */
export const RATE_DIMENSIONS = {
  fingerprint: 'fingerprint',
  model: 'request_model',
  service: 'service',
  traffic_class: 'traffic_class',
  index_version: 'index_version',
  tool_schema_hash: 'tool_schema_hash',
} as const;
export type RateDimension = keyof typeof RATE_DIMENSIONS;

/** Series steps, in seconds. */
export const RATE_STEPS = { '1m': 60, '5m': 300, '1h': 3600 } as const;
export type RateStep = keyof typeof RATE_STEPS;

/** Which traffic a rate counts. Live by default: canary and replay calls are measurements, not production. */
export const RATE_SOURCES = ['live', 'canary', 'replay', 'all'] as const;
export type RateSource = (typeof RATE_SOURCES)[number];

export interface RateQuery {
  behavior: string;
  /** Inclusive; minutes are counted when they start at or after `from`. */
  from: Date;
  /** Exclusive. */
  to: Date;
  by?: RateDimension;
  step?: RateStep;
  source?: RateSource;
  confidence?: number;
  interval?: IntervalMethod;
}

export interface RatePoint extends BehaviorRate {
  /** Start of the step, ISO 8601. */
  t: string;
}

export interface RateSeries {
  /** The group's value of the `by` dimension, or "all" without `by`. */
  group: string;
  points: RatePoint[];
}

export interface RateAnswer {
  behavior: string;
  from: string;
  to: string;
  by: RateDimension | null;
  step: RateStep | null;
  source: RateSource;
  confidence: number;
  interval: IntervalMethod;
  total: BehaviorRate;
  series: RateSeries[];
}

interface CountRow {
  grp: string;
  t: string | number;
  calls: string | number;
  hits: string | number;
}

/**
 * A behavior's rate over a range from the per-minute counts, never from raw spans:
 * calls and hits are summed per group and step, and every number comes with its interval.
 */
export async function queryRate(store: Store, query: RateQuery): Promise<RateAnswer> {
  const source = query.source ?? 'live';
  const confidence = query.confidence ?? 0.95;
  const method = query.interval ?? 'wilson';
  // Column names come from fixed maps above, never from the request.
  const group = query.by === undefined ? `'all'` : RATE_DIMENSIONS[query.by];
  const stepSeconds = query.step === undefined ? 0 : RATE_STEPS[query.step];
  const bucket = stepSeconds === 0 ? '{from:DateTime}' : `toStartOfInterval(minute, INTERVAL ${stepSeconds} SECOND)`;
  const sourceFilter = source === 'all' ? '' : 'AND source = {source:String}';
  const range = `minute >= {from:DateTime} AND minute < {to:DateTime} ${sourceFilter}`;
  const rows = await store.query<CountRow>(
    'rates',
    `SELECT grp, toUnixTimestamp(t) AS t, sum(calls) AS calls, sum(hits) AS hits FROM (
       SELECT ${group} AS grp, ${bucket} AS t, calls, 0 AS hits FROM calls_by_minute WHERE ${range}
       UNION ALL
       SELECT ${group} AS grp, ${bucket} AS t, 0 AS calls, hits FROM behavior_hits_by_minute WHERE behavior = {behavior:String} AND ${range}
     )
     GROUP BY grp, t
     ORDER BY grp, t`,
    { from: toSeconds(query.from), to: toSeconds(query.to), behavior: query.behavior, source },
  );
  const options = { method, confidence };
  const seriesByGroup = new Map<string, RatePoint[]>();
  let calls = 0;
  let hits = 0;
  for (const row of rows) {
    const point = { t: new Date(Number(row.t) * 1000).toISOString(), ...rate(Number(row.hits), Number(row.calls), options) };
    calls += point.calls;
    hits += point.hits;
    const points = seriesByGroup.get(row.grp) ?? [];
    points.push(point);
    seriesByGroup.set(row.grp, points);
  }
  const series = query.by === undefined && query.step === undefined ? [] : [...seriesByGroup].map(([name, points]) => ({ group: name, points }));
  return {
    behavior: query.behavior,
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    by: query.by ?? null,
    step: query.step ?? null,
    source,
    confidence,
    interval: method,
    total: rate(hits, calls, options),
    series,
  };
}

/** Behavior names seen in the per-minute counts, for listing and for telling a typo from a quiet behavior. */
export async function observedBehaviors(store: Store): Promise<string[]> {
  const rows = await store.query<{ behavior: string }>('observed behaviors', 'SELECT DISTINCT behavior FROM behavior_hits_by_minute ORDER BY behavior');
  return rows.map((row) => row.behavior);
}

/** DateTime parameters are bound as Unix seconds, which carry no time zone. */
function toSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
