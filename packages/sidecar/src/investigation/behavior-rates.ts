import { twoProportionZTest, type BehaviorRate, type TwoProportionComparison } from '@behavior-rate/stats';
import { queryRate, type RateDimension, type RatePoint } from '../rates/query.ts';
import type { Store } from '../store/store.ts';
import type { IncidentWindow } from './window.ts';

/** The slices an investigation splits the production rate by. */
export const INVESTIGATION_DIMENSIONS = ['fingerprint', 'traffic_class', 'index_version', 'tool_schema_hash'] as const satisfies readonly RateDimension[];
export type InvestigationDimension = (typeof INVESTIGATION_DIMENSIONS)[number];

/** One slice's rate before and during the incident window. */
export interface SliceRates {
  /** The slice's value; '' when the attribute was not captured. */
  group: string;
  before: BehaviorRate;
  during: BehaviorRate;
  /** During vs before; null when either side has no calls. */
  comparison: TwoProportionComparison | null;
}

/** The production (live) rate of a behavior around an incident. */
export interface ProductionRates {
  behavior: string;
  before: BehaviorRate;
  during: BehaviorRate;
  comparison: TwoProportionComparison | null;
  byDimension: Record<InvestigationDimension, SliceRates[]>;
  /** The rate over the baseline and the window together, per step, for the chart. */
  series: RatePoint[];
  /** Step of `series`: 1m for ranges up to 3 h, else 5m. */
  step: '1m' | '5m';
}

function compare(during: BehaviorRate, before: BehaviorRate): TwoProportionComparison | null {
  if (during.calls === 0 || before.calls === 0) return null;
  return twoProportionZTest(during.hits, during.calls, before.hits, before.calls);
}

const EMPTY: BehaviorRate = { calls: 0, hits: 0, rate: null, ci_low: 0, ci_high: 1 };

/**
 * The behavior's live rate before and during the window, overall and by fingerprint,
 * traffic class, index version and tool-schema hash, each with its Wilson interval and
 * a pooled two-proportion comparison (during vs before).
 */
export async function productionRates(store: Store, behavior: string, window: IncidentWindow): Promise<ProductionRates> {
  const ask = (range: { from: Date; to: Date }, by?: RateDimension) =>
    queryRate(store, { behavior, from: range.from, to: range.to, source: 'live', ...(by === undefined ? {} : { by }) });
  const [before, during] = await Promise.all([ask(window.before), ask(window.during)]);
  const byDimension = {} as Record<InvestigationDimension, SliceRates[]>;
  for (const dimension of INVESTIGATION_DIMENSIONS) {
    const [b, d] = await Promise.all([ask(window.before, dimension), ask(window.during, dimension)]);
    const groups = new Set([...b.series, ...d.series].map((s) => s.group));
    byDimension[dimension] = [...groups].sort().map((group) => {
      const beforeRate = b.series.find((s) => s.group === group)?.points[0] ?? EMPTY;
      const duringRate = d.series.find((s) => s.group === group)?.points[0] ?? EMPTY;
      const strip = ({ calls, hits, rate, ci_low, ci_high }: BehaviorRate): BehaviorRate => ({ calls, hits, rate, ci_low, ci_high });
      return { group, before: strip(beforeRate), during: strip(duringRate), comparison: compare(duringRate, beforeRate) };
    });
  }
  const spanMinutes = (window.during.to.getTime() - window.before.from.getTime()) / 60_000;
  const step = spanMinutes <= 180 ? '1m' : '5m';
  const series = await queryRate(store, { behavior, from: window.before.from, to: window.during.to, source: 'live', step });
  return {
    behavior,
    before: before.total,
    during: during.total,
    comparison: compare(during.total, before.total),
    byDimension,
    series: series.series[0]?.points ?? [],
    step,
  };
}
