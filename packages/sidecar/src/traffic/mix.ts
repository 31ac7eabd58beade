import type { Store } from '../store/store.ts';
import { baselineParams, DEFAULT_BASELINE, describeBaseline, isoFromSeconds, pointRange, windowBounds, type Baseline, type DriftStep } from '../drift/baseline.ts';

/** The dimensions of the mix; `joint` is all three together, and is the score. */
export const MIX_DIMENSIONS = ['traffic_class', 'operation', 'prompt_template'] as const;
export type MixDimension = (typeof MIX_DIMENSIONS)[number];

/** Which calls count. Live by default: canary and replay traffic is ours, not the users'. */
export const MIX_SOURCES = ['live', 'canary', 'replay', 'all'] as const;
export type MixSource = (typeof MIX_SOURCES)[number];

/**
 * Divergence at or above which the mix counts as shifted. Default 0.1, the
 * Jensen–Shannon threshold Evidently uses for categorical drift.
 */
export const DEFAULT_MIX_THRESHOLD = 0.1;

export interface TrafficMixQuery {
  from: Date;
  to: Date;
  step?: DriftStep;
  /** Window of each point; default: the step. */
  windowMinutes?: number;
  baseline?: Baseline;
  model?: string;
  service?: string;
  source?: MixSource;
  threshold?: number;
}

export interface MixPoint {
  t: string;
  calls: number;
  baseline_calls: number;
  /** Bias-corrected Jensen–Shannon distance of the joint mix; null without calls on either side. */
  score: number | null;
  /** The same per dimension. */
  by_dimension: Record<MixDimension, number | null>;
  above_threshold: boolean;
}

/** A category whose share moved, at the peak point. */
export interface MixMover {
  dimension: MixDimension;
  /** The category ("" is shown as "(none)": calls that did not say). */
  value: string;
  window_share: number;
  baseline_share: number;
  window_calls: number;
}

export interface TrafficMixAnswer {
  from: string;
  to: string;
  step: DriftStep;
  window_minutes: number;
  baseline: ReturnType<typeof describeBaseline>;
  model: string | null;
  service: string | null;
  source: MixSource;
  threshold: number;
  points: MixPoint[];
  /** The point with the highest score, and what moved there most. */
  peak: { t: string; score: number; movers: MixMover[] } | null;
}

interface Row {
  t: number | string;
  dimension: MixDimension | 'joint';
  calls: number | string;
  baseline_calls: number | string;
  distance: number | null;
}

const VIEW_CALL = `traffic_mix_divergence(point_start = {point_start:UInt32}, point_end = {point_end:UInt32}, step = {step:UInt32},
  window = {window:UInt32}, baseline = {baseline:UInt32}, pinned_from = {pinned_from:UInt32}, pinned_to = {pinned_to:UInt32},
  model = {model:String}, service = {service:String}, source = {source:String})`;

/** How far the traffic mix moved from its baseline, point by point, and what moved most at the peak. */
export async function queryTrafficMix(store: Store, query: TrafficMixQuery): Promise<TrafficMixAnswer> {
  const step = query.step ?? '5m';
  const range = pointRange(query.from, query.to, step);
  const windowMinutes = query.windowMinutes ?? range.step / 60;
  const baseline = query.baseline ?? DEFAULT_BASELINE;
  const source = query.source ?? 'live';
  const threshold = query.threshold ?? DEFAULT_MIX_THRESHOLD;
  const params = { window: windowMinutes * 60, ...baselineParams(baseline), model: query.model ?? '', service: query.service ?? '', source };
  const rows = range.count === 0 ? [] : await store.query<Row>(
    'traffic mix',
    `SELECT t, dimension, calls, baseline_calls, if(isNaN(distance), NULL, distance) AS distance FROM ${VIEW_CALL} ORDER BY t, dimension`,
    { point_start: range.start, point_end: range.end, step: range.step, ...params },
  );
  const byT = new Map<number, Map<string, Row>>();
  for (const row of rows) {
    const t = Number(row.t);
    const entry = byT.get(t) ?? new Map<string, Row>();
    entry.set(row.dimension, row);
    byT.set(t, entry);
  }
  const points: MixPoint[] = [];
  for (let i = 0; i < range.count; i++) {
    const t = range.start + i * range.step;
    const entry = byT.get(t);
    const joint = entry?.get('joint');
    const value = (row: Row | undefined) => (row?.distance === null || row?.distance === undefined ? null : Number(row.distance));
    const score = value(joint);
    points.push({
      t: isoFromSeconds(t),
      calls: Number(joint?.calls ?? 0),
      baseline_calls: Number(joint?.baseline_calls ?? 0),
      score,
      by_dimension: Object.fromEntries(MIX_DIMENSIONS.map((d) => [d, value(entry?.get(d))])) as Record<MixDimension, number | null>,
      above_threshold: score !== null && score >= threshold,
    });
  }
  let peak: TrafficMixAnswer['peak'] = null;
  for (const point of points) if (point.score !== null && (peak === null || point.score > peak.score)) peak = { t: point.t, score: point.score, movers: [] };
  if (peak !== null) peak.movers = await moversAt(store, Date.parse(peak.t) / 1000, windowMinutes, baseline, params);
  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    step,
    window_minutes: windowMinutes,
    baseline: describeBaseline(baseline),
    model: query.model ?? null,
    service: query.service ?? null,
    source,
    threshold,
    points,
    peak,
  };
}

/** Categories whose share changed most between the point's window and its baseline, largest rise first. */
async function moversAt(store: Store, t: number, windowMinutes: number, baseline: Baseline, params: Record<string, unknown>): Promise<MixMover[]> {
  const bounds = windowBounds(t, windowMinutes, baseline);
  const rows = await store.query<{ dimension: MixDimension; value: string; in_window: number | string; in_baseline: number | string }>(
    'traffic mix movers',
    `SELECT dimension, value,
       sumIf(calls, minute >= toDateTime({ws:UInt32}) AND minute < toDateTime({we:UInt32})) AS in_window,
       sumIf(calls, minute >= toDateTime({bs:UInt32}) AND minute < toDateTime({be:UInt32})) AS in_baseline
     FROM traffic_mix_by_minute
     ARRAY JOIN ['traffic_class', 'operation', 'prompt_template'] AS dimension, [traffic_class, operation, prompt_template_hash] AS value
     WHERE ((minute >= toDateTime({ws:UInt32}) AND minute < toDateTime({we:UInt32})) OR (minute >= toDateTime({bs:UInt32}) AND minute < toDateTime({be:UInt32})))
       AND ({model:String} = '' OR request_model = {model:String})
       AND ({service:String} = '' OR service = {service:String})
       AND ({source:String} = 'all' OR source = {source:String})
     GROUP BY dimension, value`,
    { ...params, ...bounds },
  );
  const totals = new Map<string, { w: number; b: number }>();
  for (const row of rows) {
    const total = totals.get(row.dimension) ?? { w: 0, b: 0 };
    total.w += Number(row.in_window);
    total.b += Number(row.in_baseline);
    totals.set(row.dimension, total);
  }
  return rows
    .map((row) => {
      const total = totals.get(row.dimension) ?? { w: 0, b: 0 };
      return {
        dimension: row.dimension,
        value: row.value === '' ? '(none)' : row.value,
        window_share: total.w === 0 ? 0 : Number(row.in_window) / total.w,
        baseline_share: total.b === 0 ? 0 : Number(row.in_baseline) / total.b,
        window_calls: Number(row.in_window),
      };
    })
    .filter((mover) => mover.window_share !== mover.baseline_share)
    .sort((a, b) => Math.abs(b.window_share - b.baseline_share) - Math.abs(a.window_share - a.baseline_share) || a.value.localeCompare(b.value))
    .slice(0, 10);
}
