/**
 * Choosing the CUSUM threshold h for a false-alarm budget, by seeded simulation of
 * in-control traffic (SPECS §5: "calibrate h by simulation").
 */
import { DEFAULT_REPEAT_MINUTES, PageCounter, allowedCalibrationPages, smallestPassingThreshold } from './alarm-counting.ts';
import type { CusumRates, CusumWeights } from './cusum.ts';
import { cusumWeights, defaultShiftedRate } from './cusum.ts';
import type { MinuteSeries } from './minute-series.ts';
import type { CallVolume } from './traffic.ts';
import { assertCallVolume, binomialSampler, simulateTraffic } from './traffic.ts';

/** Per-minute CUSUM increments of a series (0 for minutes without calls). */
export function cusumIncrements(series: MinuteSeries, weights: CusumWeights): Float64Array {
  const out = new Float64Array(series.calls.length);
  for (let t = 0; t < out.length; t++) {
    const hits = series.hits[t]!;
    out[t] = hits * weights.hit + (series.calls[t]! - hits) * weights.miss;
  }
  return out;
}

/**
 * 1 at the minutes where a CUSUM with threshold h and reset-to-0 alarms, else 0.
 * Minutes before `from` (warm-up) are run but never flagged.
 */
export function cusumAlarmFlags(increments: Float64Array, threshold: number, from = 0): Uint8Array {
  const flags = new Uint8Array(increments.length);
  let s = 0;
  for (let t = 0; t < increments.length; t++) {
    s += increments[t]!;
    if (s < 0) s = 0;
    else if (s >= threshold) {
      s = 0;
      if (t >= from) flags[t] = 1;
    }
  }
  return flags;
}

/** Pages (see `PageCounter`) of a CUSUM with threshold h and reset, for t ≥ from. */
export function countCusumPages(increments: Float64Array, threshold: number, from = 0, repeatMinutes = DEFAULT_REPEAT_MINUTES): number {
  const counter = new PageCounter(repeatMinutes);
  let s = 0;
  for (let t = 0; t < increments.length; t++) {
    s += increments[t]!;
    let alarm = false;
    if (s < 0) s = 0;
    else if (s >= threshold) {
      s = 0;
      alarm = true;
    }
    counter.observe(t, alarm, t >= from);
  }
  return counter.pages;
}

/**
 * Smallest h with at most `allowedPages` pages on the given in-control increments
 * (the most sensitive detector within budget). Bisection between 0 and just above
 * the largest value the statistic reaches, where no page can happen.
 */
export function cusumThresholdFor(increments: Float64Array, allowedPages: number, from = 0): number {
  let s = 0;
  let max = 0;
  for (let t = 0; t < increments.length; t++) {
    s = Math.max(0, s + increments[t]!);
    if (t >= from && s > max) max = s;
  }
  if (max === 0) {
    throw new RangeError('calibrateThreshold: the in-control run never moved the statistic (no calls?); cannot calibrate');
  }
  return smallestPassingThreshold((h) => countCusumPages(increments, h, from), allowedPages, 0, max * (1 + 1e-9) + 1e-12);
}

/** Options of {@link calibrateThreshold}. */
export interface CusumCalibrationOptions extends CusumRates {
  /** Calls per minute: a constant, or a profile cycled minute by minute (zeros allowed: such minutes add 0). */
  callsPerMinute: CallVolume;
  /** False alarms per 30 days to stay within. Default 1. */
  targetFalseAlarmsPer30Days?: number;
  /** PRNG seed of the in-control simulation (integer in [1, 2³²−1]). Default 1. */
  seed?: number;
  /** Length of the in-control simulation in days. Default 600 (20 budgets of 30 days). */
  days?: number;
  /** Confidence that the true false-alarm rate is within target, given the run's noise. Default 0.95. */
  confidence?: number;
}

/** Result of {@link calibrateThreshold}. */
export interface CusumCalibration {
  /** The threshold h to use. */
  threshold: number;
  p0: number;
  p1: number;
  /** Pages the calibration run showed at this threshold. */
  calibrationPages: number;
  /** Pages the run was allowed (see `allowedCalibrationPages`). */
  allowedPages: number;
  days: number;
}

/**
 * Finds the CUSUM threshold h for a false-alarm budget: simulates `days` of
 * in-control traffic once (rate p0, the given volume), then bisects on h over that
 * fixed run, counting alarms with the statistic reset to 0 after each one.
 *
 * The run is allowed fewer pages than target × days / 30: only as many that the
 * exact 95% Poisson upper bound of the true rate is still within target (12 pages
 * in 600 days for 1 per 30 days), so a fresh run stays within budget.
 *
 * @throws RangeError on invalid rates, volume, or a run without traffic
 */
export function calibrateThreshold(options: CusumCalibrationOptions): CusumCalibration {
  const weights = cusumWeights(options);
  const p0 = options.p0;
  const p1 = options.p1 ?? defaultShiftedRate(p0);
  assertCallVolume('calibrateThreshold', options.callsPerMinute);
  const days = options.days ?? 600;
  const target = options.targetFalseAlarmsPer30Days ?? 1;
  if (!(days > 0) || !(target > 0)) {
    throw new RangeError(`calibrateThreshold: days and targetFalseAlarmsPer30Days must be > 0, got ${String(days)} and ${String(target)}`);
  }
  const allowedPages = Math.max(0, allowedCalibrationPages(target, days, options.confidence ?? 0.95));
  const series = simulateTraffic({
    minutes: Math.round(days * 1440),
    callsPerMinute: options.callsPerMinute,
    rateAt: () => p0,
    sample: binomialSampler(options.seed ?? 1),
  });
  const increments = cusumIncrements(series, weights);
  const threshold = cusumThresholdFor(increments, allowedPages);
  return { threshold, p0, p1, calibrationPages: countCusumPages(increments, threshold), allowedPages, days };
}
