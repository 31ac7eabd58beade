import { INTERVAL_METHODS } from './binomial-intervals.ts';
import type { BehaviorRate, RateOptions } from './types.ts';
import { assertConfidence, assertCounts } from './validate.ts';

/**
 * A behavior rate: `hits` of `calls` showed the behavior, with a two-sided interval.
 *
 * With no calls (n = 0) there is no rate: `rate` is null and the interval is the
 * uninformative [0, 1], so charts show a gap rather than a fake 0%.
 *
 * @param x hits (integer, 0 ≤ x ≤ n)
 * @param n calls (non-negative integer)
 * @param options.method `'wilson'` (default) | `'jeffreys'` | `'clopper-pearson'`
 * @param options.confidence two-sided level, default 0.95
 * @throws RangeError on invalid counts, confidence or method
 */
export function rate(x: number, n: number, options: RateOptions = {}): BehaviorRate {
  const method = options.method ?? 'wilson';
  const confidence = options.confidence ?? 0.95;
  assertCounts('rate', x, n);
  assertConfidence('rate', confidence);
  const interval = Object.hasOwn(INTERVAL_METHODS, method) ? INTERVAL_METHODS[method] : undefined;
  if (interval === undefined) {
    throw new RangeError(`rate: method must be one of ${Object.keys(INTERVAL_METHODS).join(', ')}, got ${String(method)}`);
  }
  if (n === 0) return { calls: 0, hits: 0, rate: null, ci_low: 0, ci_high: 1 };
  const { low, high } = interval(x, n, confidence);
  return { calls: n, hits: x, rate: x / n, ci_low: low, ci_high: high };
}
