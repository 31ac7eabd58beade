/**
 * Bernoulli CUSUM (SPECS §5) on per-minute counts: the log-likelihood ratio of
 * "rate is p1" against "rate is p0" accumulated from the last time it was
 * favourable to p0. It is the fastest detector of a p0 → p1 shift for a given
 * false-alarm rate (Lorden/Moustakides optimality), and unlike a fixed window it
 * needs no choice of window length: a large shift trips it in a minute or two, a
 * small one accumulates.
 */
import type { MinuteCount, MinuteCounts } from './minute-series.ts';
import { toMinuteSeries } from './minute-series.ts';
import { assertOpenProbability } from './validate.ts';

/** Baseline and shifted rate of a Bernoulli CUSUM. */
export interface CusumRates {
  /** In-control rate (the objective, or the trailing 7-day rate). 0 < p0 < 1. */
  p0: number;
  /**
   * The shifted rate to detect fastest. Default {@link defaultShiftedRate}(p0) = 2·p0:
   * doubling is the smallest change worth paging on for a rare behavior, and a
   * CUSUM tuned to a small shift still catches larger ones quickly (each hit adds
   * ln 2 ≈ 0.69), whereas one tuned to a large shift barely reacts to a small one.
   */
  p1?: number;
}

/** Log-likelihood-ratio weight of one hit and of one miss. */
export interface CusumWeights {
  /** ln(p1/p0), > 0 for an upward shift. */
  hit: number;
  /** ln((1−p1)/(1−p0)), < 0 for an upward shift. */
  miss: number;
}

/** Default shift to detect: 2·p0, kept below 1 for baselines above 50%. */
export function defaultShiftedRate(p0: number): number {
  return Math.min(2 * p0, (1 + p0) / 2);
}

/**
 * Per-hit and per-miss weights for a p0 → p1 CUSUM.
 * @throws RangeError unless 0 < p0 < 1, 0 < p1 < 1 and p1 ≠ p0
 */
export function cusumWeights(rates: CusumRates): CusumWeights {
  const { p0 } = rates;
  assertOpenProbability('cusumWeights', 'p0', p0);
  const p1 = rates.p1 ?? defaultShiftedRate(p0);
  assertOpenProbability('cusumWeights', 'p1', p1);
  if (p1 === p0) throw new RangeError(`cusumWeights: p1 must differ from p0, both are ${p0}`);
  return { hit: Math.log(p1 / p0), miss: Math.log1p(-p1) - Math.log1p(-p0) };
}

/** One minute's increment y·ln(p1/p0) + (n−y)·ln((1−p1)/(1−p0)); a minute without calls adds 0. */
export function cusumIncrement(minute: MinuteCount, weights: CusumWeights): number {
  return minute.hits * weights.hit + (minute.calls - minute.hits) * weights.miss;
}

/** S_t = max(0, S_{t−1} + inc_t), without the threshold check. */
export function cusumStep(statistic: number, minute: MinuteCount, weights: CusumWeights): number {
  return Math.max(0, statistic + cusumIncrement(minute, weights));
}

/** Options of {@link cusumSeries}. */
export interface CusumSeriesOptions extends CusumRates {
  /** Alarm threshold h (> 0). Default `Infinity`: statistic only, no alarms. */
  threshold?: number;
}

/** Result of {@link cusumSeries}. */
export interface CusumSeriesResult {
  /** S_t after each minute (0 right after an alarm, because of the reset). */
  statistic: number[];
  /** Minutes (indexes) at which S_t reached the threshold. */
  alarms: number[];
}

/**
 * Runs the CUSUM over a series. When S_t ≥ threshold the minute is an alarm and the
 * statistic restarts from 0, so a persisting shift alarms again after about the
 * same delay (a re-notification), and false alarms are counted as renewals.
 */
export function cusumSeries(minutes: MinuteCounts, options: CusumSeriesOptions): CusumSeriesResult {
  const series = toMinuteSeries('cusumSeries', minutes);
  const weights = cusumWeights(options);
  const threshold = options.threshold ?? Number.POSITIVE_INFINITY;
  if (!(threshold > 0)) throw new RangeError(`cusumSeries: threshold must be > 0, got ${String(threshold)}`);
  const statistic: number[] = [];
  const alarms: number[] = [];
  let s = 0;
  for (let t = 0; t < series.calls.length; t++) {
    const hits = series.hits[t]!;
    s = Math.max(0, s + hits * weights.hit + (series.calls[t]! - hits) * weights.miss);
    if (s >= threshold) {
      alarms.push(t);
      s = 0;
    }
    statistic.push(s);
  }
  return { statistic, alarms };
}

/**
 * The same statistic without recursion (no reset), as SQL can compute it with
 * window functions: S_t = C_t − min(0, min_{k≤t} C_k), C the running sum of
 * increments.
 */
export function cusumFromRunningSum(minutes: MinuteCounts, rates: CusumRates): number[] {
  const series = toMinuteSeries('cusumFromRunningSum', minutes);
  const weights = cusumWeights(rates);
  const out: number[] = [];
  let running = 0;
  let lowest = 0;
  for (let t = 0; t < series.calls.length; t++) {
    const hits = series.hits[t]!;
    running += hits * weights.hit + (series.calls[t]! - hits) * weights.miss;
    lowest = Math.min(lowest, running);
    out.push(running - lowest);
  }
  return out;
}

/** Options of {@link BernoulliCusum}. */
export interface BernoulliCusumOptions extends CusumRates {
  /** Alarm threshold h (> 0), e.g. from `calibrateThreshold`. Required. */
  threshold: number;
}

/** What one observed minute did to a {@link BernoulliCusum}. */
export interface CusumObservation {
  /** The statistic after this minute (0 if it alarmed, because of the reset). */
  statistic: number;
  /** The statistic reached the threshold this minute. */
  alarm: boolean;
  /** The statistic just before the reset, for display. */
  peak: number;
}

/** A streaming Bernoulli CUSUM for one behavior: feed it one minute at a time. */
export class BernoulliCusum {
  readonly weights: CusumWeights;
  readonly threshold: number;
  statistic = 0;

  constructor(options: BernoulliCusumOptions) {
    this.weights = cusumWeights(options);
    if (!(options.threshold > 0)) throw new RangeError(`BernoulliCusum: threshold must be > 0, got ${String(options.threshold)}`);
    this.threshold = options.threshold;
  }

  /** Adds one minute; alarms (and resets to 0) when the statistic reaches the threshold. */
  observe(minute: MinuteCount): CusumObservation {
    toMinuteSeries('BernoulliCusum.observe', [minute]);
    const peak = cusumStep(this.statistic, minute, this.weights);
    const alarm = peak >= this.threshold;
    this.statistic = alarm ? 0 : peak;
    return { statistic: this.statistic, alarm, peak };
  }
}
