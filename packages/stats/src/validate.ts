/**
 * Input checks shared by every estimator. They throw RangeError with the caller's
 * name and the offending values, because a silent NaN rate on a dashboard is worse
 * than a loud failure at the call site.
 */

/** Throws unless `n` is a non-negative safe integer and `x` an integer with 0 ≤ x ≤ n. */
export function assertCounts(fn: string, x: number, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${fn}: n (calls) must be a non-negative integer, got ${String(n)}`);
  }
  if (!Number.isSafeInteger(x) || x < 0 || x > n) {
    throw new RangeError(`${fn}: x (hits) must be an integer with 0 ≤ x ≤ n = ${n}, got ${String(x)}`);
  }
}

/** Throws unless `n` is a non-negative safe integer. */
export function assertCalls(fn: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${fn}: n (calls) must be a non-negative integer, got ${String(n)}`);
  }
}

/** Throws unless 0 < confidence < 1 (a level such as 0.95, not 95). */
export function assertConfidence(fn: string, confidence: number): void {
  if (!(Number.isFinite(confidence) && confidence > 0 && confidence < 1)) {
    throw new RangeError(`${fn}: confidence must be a number with 0 < confidence < 1 (e.g. 0.95), got ${String(confidence)}`);
  }
}

/** Throws unless 0 < p < 1 (an open-interval probability, e.g. a baseline rate). */
export function assertOpenProbability(fn: string, name: string, p: number): void {
  if (!(Number.isFinite(p) && p > 0 && p < 1)) {
    throw new RangeError(`${fn}: ${name} must be a probability with 0 < ${name} < 1, got ${String(p)}`);
  }
}
