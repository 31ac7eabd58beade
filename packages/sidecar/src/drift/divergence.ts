/**
 * Jensen–Shannon measures between two samples of categorical outcomes, given as
 * count vectors over the same categories. These are the reference definitions: the
 * drift and traffic-mix SQL computes the same quantities inside ClickHouse, and the
 * tests hold the two to each other.
 */

/**
 * Jensen–Shannon divergence in bits (log base 2) between the empirical distributions
 * of two count vectors: 0 for identical shares, 1 for disjoint support. Categories
 * with zero count on both sides contribute nothing; an empty side gives NaN.
 */
export function jensenShannonDivergence(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`jensenShannonDivergence: ${a.length} categories vs ${b.length}`);
  const n = sum(a);
  const m = sum(b);
  if (n === 0 || m === 0) return Number.NaN;
  let divergence = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]! / n;
    const q = b[i]! / m;
    const mid = (p + q) / 2;
    if (p > 0) divergence += (p * Math.log2(p / mid)) / 2;
    if (q > 0) divergence += (q * Math.log2(q / mid)) / 2;
  }
  // Rounding can leave -1e-17 for identical shares.
  return Math.min(1, Math.max(0, divergence));
}

/** Jensen–Shannon distance: the square root of the divergence, a metric in [0, 1]. */
export function jensenShannonDistance(a: readonly number[], b: readonly number[]): number {
  return Math.sqrt(jensenShannonDivergence(a, b));
}

/**
 * The divergence expected between two samples of sizes `n` and `m` drawn from one and
 * the same distribution over `categories` outcomes, to second order:
 * (k − 1)(1/n + 1/m) / (8 ln 2) bits. Empirical shares always differ a little, so a
 * raw divergence is biased upwards, the more so the fewer the runs; this is that bias.
 */
export function nullDivergence(categories: number, n: number, m: number): number {
  if (categories <= 1 || n <= 0 || m <= 0) return 0;
  return ((categories - 1) * (1 / n + 1 / m)) / (8 * Math.LN2);
}

/**
 * Jensen–Shannon distance with the sampling bias taken out:
 * √max(0, JSD − {@link nullDivergence}), with k the categories seen on either side.
 * Near 0 when both samples come from one distribution, whatever their sizes; NaN when
 * a side is empty.
 */
export function correctedDistance(a: readonly number[], b: readonly number[]): number {
  const divergence = jensenShannonDivergence(a, b);
  if (Number.isNaN(divergence)) return Number.NaN;
  let categories = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! + b[i]! > 0) categories++;
  return Math.sqrt(Math.max(0, divergence - nullDivergence(categories, sum(a), sum(b))));
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) {
    if (!(value >= 0)) throw new RangeError(`counts must be non-negative numbers, got ${String(value)}`);
    total += value;
  }
  return total;
}
