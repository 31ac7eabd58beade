/**
 * One-sided upper bounds, for statements such as "0 of 100 replays: rate below
 * 3.0% at 95%". A one-sided bound at level c spends all of α = 1 − c on one tail,
 * so it is tighter than the upper end of a two-sided interval at the same c.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import { assertCalls, assertConfidence, assertCounts } from './validate.ts';

/**
 * Exact one-sided upper bound after 0 hits in n calls: 1 − α^(1/n) with α = 1 −
 * confidence. The "rule of three" 3/n is its large-n approximation at 95%.
 *
 * @param n calls (non-negative integer); n = 0 returns 1 (nothing observed)
 * @param confidence one-sided level, default 0.95
 * @throws RangeError on a non-integer n or confidence outside (0, 1)
 */
export function ruleOfThreeUpper(n: number, confidence = 0.95): number {
  assertCalls('ruleOfThreeUpper', n);
  assertConfidence('ruleOfThreeUpper', confidence);
  if (n === 0) return 1;
  // -expm1(log(α)/n) keeps precision for large n, where α^(1/n) is close to 1.
  return -Math.expm1(Math.log(1 - confidence) / n);
}

/**
 * One-sided Clopper–Pearson upper bound: the Beta(c; x+1, n−x) quantile, i.e. the
 * largest p with P(X ≤ x | p) ≥ 1 − c. Equals {@link ruleOfThreeUpper} at x = 0 and
 * 1 at x = n.
 *
 * @param x hits (integer, 0 ≤ x ≤ n)
 * @param n calls (non-negative integer); n = 0 returns 1
 * @param confidence one-sided level, default 0.95
 * @throws RangeError on invalid counts or confidence
 */
export function clopperPearsonUpper(x: number, n: number, confidence = 0.95): number {
  assertCounts('clopperPearsonUpper', x, n);
  assertConfidence('clopperPearsonUpper', confidence);
  if (x === n) return 1;
  if (x === 0) return ruleOfThreeUpper(n, confidence);
  return betaQuantile(confidence, x + 1, n - x);
}

/**
 * One-sided Clopper–Pearson lower bound: the Beta(1−c; x, n−x+1) quantile. 0 at x = 0.
 *
 * @param x hits (integer, 0 ≤ x ≤ n)
 * @param n calls (non-negative integer); n = 0 returns 0
 * @param confidence one-sided level, default 0.95
 * @throws RangeError on invalid counts or confidence
 */
export function clopperPearsonLower(x: number, n: number, confidence = 0.95): number {
  assertCounts('clopperPearsonLower', x, n);
  assertConfidence('clopperPearsonLower', confidence);
  if (x === 0) return 0;
  if (x === n) return Math.exp(Math.log(1 - confidence) / n);
  return betaQuantile(1 - confidence, x, n - x + 1);
}
