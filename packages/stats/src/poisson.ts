/**
 * Exact Poisson bounds, enough for counting alarms (small counts). Hand-written
 * because the sums are short and exact, and no stdlib Poisson-mean bound exists.
 */

/** P(X ≤ k) for X ~ Poisson(mean), by direct summation (k is small here, mean ≲ 700). */
export function poissonCdf(k: number, mean: number): number {
  let term = Math.exp(-mean);
  let sum = term;
  for (let j = 1; j <= k; j++) {
    term *= mean / j;
    sum += term;
  }
  return sum;
}

/**
 * Exact one-sided upper confidence bound of a Poisson mean after observing k events:
 * the mean λ with P(X ≤ k | λ) = 1 − confidence (Garwood).
 */
export function poissonUpperBound(k: number, confidence = 0.95): number {
  const alpha = 1 - confidence;
  let lo = 0;
  let hi = k + 10 + 10 * Math.sqrt(k + 1);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (poissonCdf(k, mid) > alpha) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
