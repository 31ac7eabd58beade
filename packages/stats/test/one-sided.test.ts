import fc from 'fast-check';
import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf';
import { describe, expect, it } from 'vitest';
import { clopperPearson, clopperPearsonLower, clopperPearsonUpper, ruleOfThreeUpper, wilson } from '../src/index.ts';

describe('ruleOfThreeUpper', () => {
  it('matches the published 0-in-100 one-sided bound (≈ 2.95%)', () => {
    expect(ruleOfThreeUpper(100)).toBeCloseTo(0.0295, 4);
  });

  it('approaches 3/n for large n and stays below it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 10_000_000 }), (n) => {
        const exact = ruleOfThreeUpper(n);
        expect(exact).toBeLessThan(3 / n);
        expect(exact * n).toBeGreaterThan(2.95);
      }),
    );
  });

  it('leaves exactly α probability of seeing 0 hits at the bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0.5, max: 0.999, noNaN: true }), (n, c) => {
        const p = ruleOfThreeUpper(n, c);
        expect(Math.exp(n * Math.log1p(-p))).toBeCloseTo(1 - c, 10);
      }),
    );
  });

  it('returns 1 when nothing was observed and validates input', () => {
    expect(ruleOfThreeUpper(0)).toBe(1);
    expect(() => ruleOfThreeUpper(-3)).toThrow(/n \(calls\) must be a non-negative integer, got -3/);
    expect(() => ruleOfThreeUpper(10, 1.5)).toThrow(RangeError);
  });
});

describe('clopperPearsonUpper / clopperPearsonLower (one-sided)', () => {
  it('is the rule of three at x = 0 and tighter than the two-sided Wilson end', () => {
    expect(clopperPearsonUpper(0, 100)).toBe(ruleOfThreeUpper(100));
    expect(clopperPearsonUpper(0, 100)).toBeLessThan(wilson(0, 100).high);
  });

  it('equals the two-sided Clopper–Pearson end at level 2c − 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))), ([n, x]) => {
        const two = clopperPearson(x, n, 0.9);
        expect(clopperPearsonUpper(x, n, 0.95)).toBeCloseTo(two.high, 9);
        expect(clopperPearsonLower(x, n, 0.95)).toBeCloseTo(two.low, 9);
      }),
    );
  });

  it('leaves α = 5% of P(X ≤ x) at the upper bound', () => {
    for (const [x, n] of [[1, 100], [3, 50], [10, 1000]] as const) {
      const p = clopperPearsonUpper(x, n);
      let cdf = 0;
      for (let k = 0; k <= x; k++) cdf += binomialPmf(k, n, p);
      expect(cdf).toBeCloseTo(0.05, 8);
    }
  });

  it('is 1 at x = n and 0 at x = 0 for the lower bound', () => {
    expect(clopperPearsonUpper(7, 7)).toBe(1);
    expect(clopperPearsonLower(0, 7)).toBe(0);
    expect(() => clopperPearsonUpper(8, 7)).toThrow(/x \(hits\) must be an integer with 0 ≤ x ≤ n = 7, got 8/);
  });
});
