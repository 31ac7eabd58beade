/**
 * Comparing two rates, e.g. a behavior before vs during an incident window.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { wilson } from './binomial-intervals.ts';
import { assertConfidence, assertCounts } from './validate.ts';

/** Result of {@link twoProportionZTest}. Group 1 is the one under suspicion, group 0 the reference. */
export interface TwoProportionComparison {
  /** Pooled z statistic (positive when group 1's rate is higher); 0 when both groups are all-miss or all-hit. */
  z: number;
  /** Two-sided p-value of the pooled z test. */
  pValue: number;
  /** Rate difference p̂1 − p̂0. */
  diff: number;
  /** Newcombe hybrid-score interval for p1 − p0 at `confidence`. */
  ci_low: number;
  ci_high: number;
}

/** Options of {@link twoProportionZTest}. */
export interface TwoProportionOptions {
  /** Two-sided level of the difference interval. Default `0.95`. */
  confidence?: number;
}

/**
 * Two-proportion comparison of x1/n1 (e.g. during an incident) against x0/n0
 * (e.g. before it).
 *
 * The test is the classical pooled z test (same as ClickHouse
 * `proportionsZTest(..., 'pooled')` and Pearson's χ² without continuity correction:
 * z² = χ²). The interval for the difference is Newcombe's hybrid score interval
 * (method 10, Newcombe 1998), built from the two Wilson intervals: unlike the
 * unpooled Wald interval it stays sensible at the small counts typical of rare
 * behaviors (0 hits gives no zero-width interval).
 *
 * Caution: running this every minute at level α raises about 1440·α false alarms a
 * day; for monitoring use the CUSUM detector, this is for one-off investigations.
 *
 * @param x1 hits in group 1; @param n1 calls in group 1 (≥ 1)
 * @param x0 hits in group 0; @param n0 calls in group 0 (≥ 1)
 * @param options.confidence interval level, default 0.95
 * @throws RangeError on invalid counts, an empty group, or confidence outside (0, 1)
 */
export function twoProportionZTest(x1: number, n1: number, x0: number, n0: number, options: TwoProportionOptions = {}): TwoProportionComparison {
  const confidence = options.confidence ?? 0.95;
  assertCounts('twoProportionZTest (group 1)', x1, n1);
  assertCounts('twoProportionZTest (group 0)', x0, n0);
  assertConfidence('twoProportionZTest', confidence);
  if (n1 === 0 || n0 === 0) {
    throw new RangeError(`twoProportionZTest: both groups need at least one call, got n1 = ${n1}, n0 = ${n0}`);
  }
  const p1 = x1 / n1;
  const p0 = x0 / n0;
  const diff = p1 - p0;
  const pooled = (x1 + x0) / (n1 + n0);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  // All hits or all misses in both groups: no variance, no evidence of a difference.
  const z = se === 0 ? 0 : diff / se;
  const pValue = Math.min(1, 2 * normalCdf(-Math.abs(z), 0, 1));
  const w1 = wilson(x1, n1, confidence);
  const w0 = wilson(x0, n0, confidence);
  return {
    z,
    pValue,
    diff,
    ci_low: diff - Math.hypot(p1 - w1.low, w0.high - p0),
    ci_high: diff + Math.hypot(w1.high - p1, p0 - w0.low),
  };
}
