/**
 * The simplest alert: the rate over a short trailing window above a fixed multiple
 * of the objective. A baseline for the detection comparison.
 */
import type { MinuteCounts, MinuteSeries, PrefixSums } from './minute-series.ts';
import { prefixSums, toMinuteSeries, windowCalls, windowRate } from './minute-series.ts';

/** Options of {@link staticThresholdAlerts}. */
export interface StaticThresholdOptions {
  /** Maximum acceptable bad rate, 0 < objective < 1. Required. */
  objective: number;
  /** Fire when the window rate exceeds objective × factor. Default 2. */
  factor?: number;
  /** Trailing window length in minutes, including the current one. Default 5. */
  windowMinutes?: number;
  /** Minimum calls in the window for it to fire. Default 0 (no gate). */
  minCalls?: number;
}

/** Per minute, the trailing window rate (0 when the window is empty or under the gate). */
export function windowRateScore(series: MinuteSeries, windowMinutes = 5, minCalls = 0, sums: PrefixSums = prefixSums(series)): Float64Array {
  const score = new Float64Array(series.calls.length);
  for (let t = 0; t < score.length; t++) {
    const calls = windowCalls(sums, t, windowMinutes);
    score[t] = calls === 0 || calls < minCalls ? 0 : windowRate(sums, t, windowMinutes);
  }
  return score;
}

/**
 * Per-minute firing state of "window rate > objective × factor".
 * @throws RangeError unless 0 < objective < 1, factor > 0 and windowMinutes a positive integer
 */
export function staticThresholdAlerts(minutes: MinuteCounts, options: StaticThresholdOptions): boolean[] {
  const series = toMinuteSeries('staticThresholdAlerts', minutes);
  const { objective } = options;
  const factor = options.factor ?? 2;
  const windowMinutes = options.windowMinutes ?? 5;
  if (!(Number.isFinite(objective) && objective > 0 && objective < 1)) {
    throw new RangeError(`staticThresholdAlerts: objective must be a bad rate with 0 < objective < 1, got ${String(objective)}`);
  }
  if (!(factor > 0)) throw new RangeError(`staticThresholdAlerts: factor must be > 0, got ${String(factor)}`);
  if (!Number.isSafeInteger(windowMinutes) || windowMinutes < 1) {
    throw new RangeError(`staticThresholdAlerts: windowMinutes must be a positive integer, got ${String(windowMinutes)}`);
  }
  const limit = objective * factor;
  return Array.from(windowRateScore(series, windowMinutes, options.minCalls ?? 0), (rate) => rate > limit);
}
