import type { Store } from '../store/store.ts';
import { baselineParams, describeBaseline, DEFAULT_BASELINE, isoFromSeconds, pointRange, windowBounds, type Baseline, type DriftStep } from './baseline.ts';

/**
 * Defaults chosen on a simulated day (docs/canary-drift.md, test/canary-drift.test.ts):
 * with 5 or more cases run once a minute, a stable provider's score stays below the
 * threshold all day, and a moderate change of every case's answers crosses it within
 * about 10 minutes.
 */
export const DRIFT_DEFAULTS = {
  /** Runs of the last 10 minutes are compared with the baseline. */
  windowMinutes: 10,
  /** Cases with fewer answered runs in the window are not scored: at 3 runs noise alone reaches 0.3. */
  minRuns: 5,
  /** Cases with fewer answered runs in the baseline are not scored. */
  minBaselineRuns: 30,
  /** Score at or above which the canary set counts as drifted. */
  threshold: 0.2,
} as const;

export interface DriftQuery {
  from: Date;
  to: Date;
  step?: DriftStep;
  windowMinutes?: number;
  baseline?: Baseline;
  /** Request model, or all. */
  model?: string;
  minRuns?: number;
  minBaselineRuns?: number;
  threshold?: number;
}

/** The canary set at one point: the window ending with minute `t` against its baseline. */
export interface DriftPoint {
  t: string;
  /** Mean bias-corrected Jensen–Shannon distance over scored cases, in [0, 1]; null when no case could be scored. */
  score: number | null;
  /** Cases with any run in the range, and those with enough runs to be scored here. */
  cases: number;
  cases_scored: number;
  /** Answered runs in the window. */
  runs: number;
  /** Runs that got no answer (timeouts, provider errors) in the window: not part of the score. */
  errors: number;
  error_share: number | null;
  /** Mean over cases with an expectation of the share of their runs that failed it; null when none has one. */
  expectation_failed_share: number | null;
  above_threshold: boolean;
}

/** One outcome of a case, as a share of its answered runs in the window and in the baseline. */
export interface OutcomeShare {
  outcome: string;
  window: number;
  baseline: number;
}

/** One case at the last point of the range. */
export interface DriftCase {
  case_id: string;
  distance: number | null;
  raw_distance: number | null;
  scored: boolean;
  runs: number;
  baseline_runs: number;
  errors: number;
  failed: number;
  checked: number;
  /** Outcomes whose share moved most, at most five. */
  outcomes: OutcomeShare[];
}

export interface DriftAnswer {
  from: string;
  to: string;
  step: DriftStep;
  window_minutes: number;
  baseline: ReturnType<typeof describeBaseline>;
  model: string | null;
  threshold: number;
  min_runs: number;
  min_baseline_runs: number;
  points: DriftPoint[];
  /** Points where the score reached the threshold after being below it (or unscored). */
  crossings: string[];
  /** Per case, at the last point. */
  cases: DriftCase[];
}

interface PointRow {
  t: number | string;
  cases: number | string;
  cases_scored: number | string;
  score: number | null;
  window_runs: number | string;
  window_errors: number | string;
  failed_share: number | null;
}

interface CaseRow {
  case_id: string;
  runs: number | string;
  baseline_runs: number | string;
  raw_distance: number | null;
  distance: number | null;
  errors: number | string;
  failed: number | string;
  checked: number | string;
}

/** The parameterized view's arguments, all bound. */
const VIEW_CALL = `canary_case_drift(point_start = {point_start:UInt32}, point_end = {point_end:UInt32}, step = {step:UInt32},
  window = {window:UInt32}, baseline = {baseline:UInt32}, pinned_from = {pinned_from:UInt32}, pinned_to = {pinned_to:UInt32}, model = {model:String})`;

/** The drift score over a range, and where each case stands at its end. */
export async function queryDrift(store: Store, query: DriftQuery): Promise<DriftAnswer> {
  const step = query.step ?? '1m';
  const windowMinutes = query.windowMinutes ?? DRIFT_DEFAULTS.windowMinutes;
  const baseline = query.baseline ?? DEFAULT_BASELINE;
  const minRuns = query.minRuns ?? DRIFT_DEFAULTS.minRuns;
  const minBaselineRuns = query.minBaselineRuns ?? DRIFT_DEFAULTS.minBaselineRuns;
  const threshold = query.threshold ?? DRIFT_DEFAULTS.threshold;
  const range = pointRange(query.from, query.to, step);
  const common = { window: windowMinutes * 60, ...baselineParams(baseline), model: query.model ?? '', min_runs: minRuns, min_baseline_runs: minBaselineRuns };
  const scored = 'runs >= {min_runs:UInt32} AND baseline_runs >= {min_baseline_runs:UInt32}';
  const rows = range.count === 0 ? [] : await store.query<PointRow>(
    'drift',
    `SELECT t, count() AS cases, countIf(${scored}) AS cases_scored,
       if(cases_scored = 0, NULL, avgIf(distance, ${scored})) AS score,
       sum(runs) AS window_runs, sum(errors) AS window_errors,
       if(countIf(checked > 0) = 0, NULL, avgIf(failed / checked, checked > 0)) AS failed_share
     FROM ${VIEW_CALL}
     GROUP BY t ORDER BY t`,
    { point_start: range.start, point_end: range.end, step: range.step, ...common },
  );
  const byT = new Map(rows.map((row) => [Number(row.t), row]));
  const points: DriftPoint[] = [];
  for (let i = 0; i < range.count; i++) {
    const t = range.start + i * range.step;
    const row = byT.get(t);
    const runs = Number(row?.window_runs ?? 0);
    const errors = Number(row?.window_errors ?? 0);
    const score = row?.score ?? null;
    points.push({
      t: isoFromSeconds(t),
      score: score === null ? null : Number(score),
      cases: Number(row?.cases ?? 0),
      cases_scored: Number(row?.cases_scored ?? 0),
      runs,
      errors,
      error_share: runs + errors === 0 ? null : errors / (runs + errors),
      expectation_failed_share: row?.failed_share ?? null,
      above_threshold: score !== null && Number(score) >= threshold,
    });
  }
  const crossings = points.filter((point, i) => point.above_threshold && !(points[i - 1]?.above_threshold ?? false)).map((point) => point.t);
  const last = range.count === 0 ? undefined : range.start + (range.count - 1) * range.step;
  const cases = last === undefined ? [] : await casesAt(store, last, { ...common, step: range.step }, minRuns, minBaselineRuns, baseline, windowMinutes);
  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    step,
    window_minutes: windowMinutes,
    baseline: describeBaseline(baseline),
    model: query.model ?? null,
    threshold,
    min_runs: minRuns,
    min_baseline_runs: minBaselineRuns,
    points,
    crossings,
    cases,
  };
}

async function casesAt(
  store: Store,
  t: number,
  params: Record<string, unknown>,
  minRuns: number,
  minBaselineRuns: number,
  baseline: Baseline,
  windowMinutes: number,
): Promise<DriftCase[]> {
  const rows = await store.query<CaseRow>(
    'drift cases',
    `SELECT case_id, runs, baseline_runs, raw_distance, distance, errors, failed, checked FROM ${VIEW_CALL} ORDER BY case_id`,
    { ...params, point_start: t, point_end: t + 1 },
  );
  const bounds = windowBounds(t, windowMinutes, baseline);
  const shares = await store.query<{ case_id: string; outcome_key: string; in_window: number | string; in_baseline: number | string }>(
    'drift outcomes',
    `SELECT case_id, outcome_key,
       sumIf(runs, minute >= toDateTime({ws:UInt32}) AND minute < toDateTime({we:UInt32})) AS in_window,
       sumIf(runs, minute >= toDateTime({bs:UInt32}) AND minute < toDateTime({be:UInt32})) AS in_baseline
     FROM canary_outcomes_by_minute
     WHERE kind = 'answer' AND ({model:String} = '' OR request_model = {model:String})
       AND ((minute >= toDateTime({ws:UInt32}) AND minute < toDateTime({we:UInt32})) OR (minute >= toDateTime({bs:UInt32}) AND minute < toDateTime({be:UInt32})))
     GROUP BY case_id, outcome_key`,
    { ...bounds, model: params['model'] },
  );
  const outcomesByCase = new Map<string, { outcome: string; w: number; b: number }[]>();
  for (const row of shares) {
    const list = outcomesByCase.get(row.case_id) ?? [];
    list.push({ outcome: row.outcome_key, w: Number(row.in_window), b: Number(row.in_baseline) });
    outcomesByCase.set(row.case_id, list);
  }
  return rows.map((row) => {
    const runs = Number(row.runs);
    const baselineRuns = Number(row.baseline_runs);
    const list = outcomesByCase.get(row.case_id) ?? [];
    const outcomes = list
      .map((o) => ({ outcome: o.outcome, window: runs === 0 ? 0 : o.w / runs, baseline: baselineRuns === 0 ? 0 : o.b / baselineRuns }))
      .sort((a, b) => Math.abs(b.window - b.baseline) - Math.abs(a.window - a.baseline) || b.window - a.window || a.outcome.localeCompare(b.outcome))
      .slice(0, 5);
    const defined = runs > 0 && baselineRuns > 0;
    return {
      case_id: row.case_id,
      distance: defined ? Number(row.distance) : null,
      raw_distance: defined ? Number(row.raw_distance) : null,
      scored: runs >= minRuns && baselineRuns >= minBaselineRuns,
      runs,
      baseline_runs: baselineRuns,
      errors: Number(row.errors),
      failed: Number(row.failed),
      checked: Number(row.checked),
      outcomes,
    };
  });
}
