/**
 * Two-sided confidence intervals for a binomial proportion x/n (SPECS §5).
 *
 * Wilson and Jeffreys are the defaults recommended by Brown, Cai & DasGupta (2001)
 * for small n; Clopper–Pearson is the exact, conservative one (coverage ≥ nominal
 * at every p), which is what a "never overstate certainty" report wants.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import type { Interval, IntervalMethod } from './types.ts';
import { assertConfidence, assertCounts } from './validate.ts';

/** The interval that carries no information, used for n = 0. */
const UNINFORMED: Interval = Object.freeze({ low: 0, high: 1 });

/** Two-sided standard-normal critical value, e.g. 1.959963… for 0.95. */
export function zFor(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2, 0, 1);
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/**
 * Wilson score interval: centre (x + z²/2)/(n + z²), half-width
 * z/(n + z²)·√(x(n−x)/n + z²/4).
 *
 * @param x hits (integer, 0 ≤ x ≤ n)
 * @param n calls (non-negative integer); n = 0 returns { low: 0, high: 1 }
 * @param confidence two-sided level, default 0.95
 * @throws RangeError on non-integer counts, x outside [0, n], or confidence outside (0, 1)
 */
export function wilson(x: number, n: number, confidence = 0.95): Interval {
  assertCounts('wilson', x, n);
  assertConfidence('wilson', confidence);
  if (n === 0) return { ...UNINFORMED };
  const z = zFor(confidence);
  const z2 = z * z;
  const centre = (x + z2 / 2) / (n + z2);
  const half = (z / (n + z2)) * Math.sqrt((x * (n - x)) / n + z2 / 4);
  // At x = 0 and x = n the formula lands on 0 and 1 only up to rounding; pin them
  // so "low ≤ p̂ ≤ high" holds exactly.
  return {
    low: x === 0 ? 0 : clamp01(centre - half),
    high: x === n ? 1 : clamp01(centre + half),
  };
}

/**
 * Jeffreys interval: equal-tailed quantiles α/2 and 1−α/2 of the Beta(x+½, n−x+½)
 * posterior; lower bound 0 when x = 0 and upper bound 1 when x = n.
 *
 * @param x hits (integer, 0 ≤ x ≤ n)
 * @param n calls (non-negative integer); n = 0 returns { low: 0, high: 1 }
 * @param confidence two-sided level, default 0.95
 * @throws RangeError as {@link wilson}
 */
export function jeffreys(x: number, n: number, confidence = 0.95): Interval {
  assertCounts('jeffreys', x, n);
  assertConfidence('jeffreys', confidence);
  if (n === 0) return { ...UNINFORMED };
  const alpha = 1 - confidence;
  const a = x + 0.5;
  const b = n - x + 0.5;
  return {
    low: x === 0 ? 0 : betaQuantile(alpha / 2, a, b),
    high: x === n ? 1 : betaQuantile(1 - alpha / 2, a, b),
  };
}

/**
 * Clopper–Pearson ("exact") interval: lower Beta(α/2; x, n−x+1), upper
 * Beta(1−α/2; x+1, n−x). At x = 0 the upper bound is 1−(α/2)^(1/n); at x = n the
 * lower bound is (α/2)^(1/n).
 *
 * @param x hits (integer, 0 ≤ x ≤ n)
 * @param n calls (non-negative integer); n = 0 returns { low: 0, high: 1 }
 * @param confidence two-sided level, default 0.95
 * @throws RangeError as {@link wilson}
 */
export function clopperPearson(x: number, n: number, confidence = 0.95): Interval {
  assertCounts('clopperPearson', x, n);
  assertConfidence('clopperPearson', confidence);
  if (n === 0) return { ...UNINFORMED };
  const alpha = 1 - confidence;
  return {
    low: x === 0 ? 0 : betaQuantile(alpha / 2, x, n - x + 1),
    high: x === n ? 1 : betaQuantile(1 - alpha / 2, x + 1, n - x),
  };
}

/** The interval functions by method name, as `rate()` and `exactCoverage()` select them. */
export const INTERVAL_METHODS: Readonly<Record<IntervalMethod, (x: number, n: number, confidence: number) => Interval>> = Object.freeze({
  wilson,
  jeffreys,
  'clopper-pearson': clopperPearson,
});
