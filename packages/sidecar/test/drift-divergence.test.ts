import { describe, expect, it } from 'vitest';
import { requestRandom } from '../../sim-provider/src/random.ts';
import { correctedDistance, jensenShannonDistance, jensenShannonDivergence, nullDivergence } from '../src/drift/divergence.ts';

/** Counts of `n` draws from `shares`, from a seeded generator. */
function sample(shares: number[], n: number, random: { next(): number }): number[] {
  const counts = shares.map(() => 0);
  for (let i = 0; i < n; i++) {
    let roll = random.next();
    let k = 0;
    while (k < shares.length - 1 && roll >= shares[k]!) roll -= shares[k++]!;
    counts[k]!++;
  }
  return counts;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('Jensen–Shannon measures', () => {
  it('are 0 for equal shares, 1 for disjoint outcomes, symmetric, and undefined for an empty side', () => {
    expect(jensenShannonDivergence([2, 6], [1, 3])).toBe(0);
    expect(jensenShannonDivergence([5, 0], [0, 9])).toBe(1);
    expect(jensenShannonDivergence([3, 1, 0], [1, 1, 2])).toBeCloseTo(jensenShannonDivergence([1, 1, 2], [3, 1, 0]), 15);
    expect(jensenShannonDivergence([0, 0], [1, 2])).toBeNaN();
    // (1, 0) against (½, ½): ½·log2(4/3) + ½·(½·log2(2/3) + ½·log2(2)), by hand.
    expect(jensenShannonDivergence([4, 0], [5, 5])).toBeCloseTo(0.311278, 6);
    expect(jensenShannonDistance([4, 0], [5, 5])).toBeCloseTo(Math.sqrt(0.311278), 6);
    expect(() => jensenShannonDivergence([1], [1, 2])).toThrow(RangeError);
  });

  it('removes the small-sample bias: raw distances of two samples of one distribution are far from 0, corrected ones much closer to it', () => {
    const random = requestRandom(42, 0);
    const shares = [0.6, 0.3, 0.1];
    const raw: number[] = [];
    const corrected: number[] = [];
    for (let trial = 0; trial < 2000; trial++) {
      const window = sample(shares, 10, random);
      const baseline = sample(shares, 1440, random);
      raw.push(jensenShannonDistance(window, baseline));
      corrected.push(correctedDistance(window, baseline));
    }
    expect(mean(raw)).toBeGreaterThan(0.15);
    // Not to 0: the square root of what is left of the noise stays positive. Averaging over cases does the rest.
    expect(mean(corrected)).toBeLessThan(0.6 * mean(raw));
    // The expected divergence under no change is what the correction subtracts.
    const divergences: number[] = [];
    for (let trial = 0; trial < 2000; trial++) divergences.push(jensenShannonDivergence(sample(shares, 30, random), sample(shares, 1440, random)));
    expect(mean(divergences)).toBeCloseTo(nullDivergence(3, 30, 1440), 2);
  });

  it('still sees a real change through the correction', () => {
    const random = requestRandom(43, 0);
    const moved: number[] = [];
    for (let trial = 0; trial < 500; trial++) moved.push(correctedDistance(sample([0.4, 0.3, 0.3], 10, random), sample([0.6, 0.3, 0.1], 1440, random)));
    expect(mean(moved)).toBeGreaterThan(0.15);
    // A complete change of answer is a distance near 1 even with 3 runs.
    expect(correctedDistance([3, 0], [0, 1440])).toBeGreaterThan(0.9);
  });
});
