import { queryDrift, type DriftAnswer } from '../drift/query.ts';
import type { Store } from '../store/store.ts';
import type { TimeRange } from './window.ts';

/** Canary drift around the incident, or why there is none. */
export interface CanaryDriftSummary {
  available: boolean;
  /** Why drift is unavailable, in words; null when available. */
  reason: string | null;
  /** Canary calls in the range (source 'canary'). */
  canaryCalls: number;
  /** Drift score per step over the baseline and the window (null where no case could be scored). */
  points: { t: string; score: number | null }[];
  /** Highest drift score in the incident window; null without a scored point. */
  maxDuring: number | null;
  /** Score at or above which the canary set counts as drifted. */
  threshold: number | null;
  /** Times the score crossed the threshold in the range. */
  crossings: string[];
}

/**
 * Canary evidence around the incident, from the canary drift query (per-case
 * Jensen–Shannon distance of canary outcomes, window vs baseline). Without canary calls
 * in the range there is no drift signal, and the summary says so.
 */
export async function canaryDrift(store: Store, before: TimeRange, during: TimeRange): Promise<CanaryDriftSummary> {
  const [row] = await store.query<{ calls: number | string }>(
    'canary drift',
    `SELECT sum(calls) AS calls FROM calls_by_minute WHERE source = 'canary' AND minute >= {from:DateTime} AND minute < {to:DateTime}`,
    { from: Math.floor(before.from.getTime() / 1000), to: Math.floor(during.to.getTime() / 1000) },
  );
  const canaryCalls = Number(row?.calls ?? 0);
  const none = (reason: string): CanaryDriftSummary => ({ available: false, reason, canaryCalls, points: [], maxDuring: null, threshold: null, crossings: [] });
  if (canaryCalls === 0) return none('no canary ran against the model in the baseline or the incident window, so there is no measure of whether its answers moved while nothing of ours changed');
  const span = (during.to.getTime() - before.from.getTime()) / 60_000;
  let drift: DriftAnswer;
  try {
    drift = await queryDrift(store, { from: before.from, to: during.to, step: span > 600 ? '15m' : span > 180 ? '5m' : '1m' });
  } catch (error) {
    return none(`${canaryCalls} canary calls were recorded, but the drift query failed: ${(error as Error).message.split('\n')[0]}`);
  }
  const points = drift.points.map((p) => ({ t: p.t, score: p.score }));
  const inWindow = drift.points.filter((p) => Date.parse(p.t) >= during.from.getTime() && p.score !== null).map((p) => p.score as number);
  if (inWindow.length === 0) return { ...none(`${canaryCalls} canary calls were recorded, but too few runs per case to score drift in the incident window`), points, threshold: drift.threshold };
  return { available: true, reason: null, canaryCalls, points, maxDuring: Math.max(...inWindow), threshold: drift.threshold, crossings: drift.crossings };
}
