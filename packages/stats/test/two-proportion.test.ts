import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { twoProportionZTest } from '../src/index.ts';

/** Pearson χ² of the 2×2 table without continuity correction, written out independently. */
function pearsonChiSquare(x1: number, n1: number, x0: number, n0: number): number {
  const a = x1;
  const b = n1 - x1;
  const c = x0;
  const d = n0 - x0;
  const total = n1 + n0;
  return (total * (a * d - b * c) ** 2) / (n1 * n0 * (a + c) * (b + d));
}

const groupArb = fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));

describe('twoProportionZTest', () => {
  it("reproduces Newcombe's (1998) worked example 56/70 vs 48/80", () => {
    const r = twoProportionZTest(56, 70, 48, 80);
    expect(r.diff).toBeCloseTo(0.2, 12);
    // Newcombe 1998, Table II, method 10: 0.0524 to 0.3339.
    expect(r.ci_low).toBeCloseTo(0.0524, 4);
    expect(r.ci_high).toBeCloseTo(0.3339, 4);
    expect(r.z ** 2).toBeCloseTo(pearsonChiSquare(56, 70, 48, 80), 9);
    expect(r.pValue).toBeCloseTo(0.00805, 4);
  });

  it('has z² equal to Pearson χ² and a p-value in [0, 1]', () => {
    fc.assert(
      fc.property(groupArb, groupArb, ([x1, n1], [x0, n0]) => {
        const r = twoProportionZTest(x1, n1, x0, n0);
        const chi = pearsonChiSquare(x1, n1, x0, n0);
        if (Number.isFinite(chi)) expect(r.z ** 2).toBeCloseTo(chi, 6);
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        expect(r.ci_low).toBeLessThanOrEqual(r.diff);
        expect(r.ci_high).toBeGreaterThanOrEqual(r.diff);
        expect(r.ci_low).toBeGreaterThanOrEqual(-1);
        expect(r.ci_high).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('is antisymmetric when the groups are swapped', () => {
    fc.assert(
      fc.property(groupArb, groupArb, ([x1, n1], [x0, n0]) => {
        const a = twoProportionZTest(x1, n1, x0, n0);
        const b = twoProportionZTest(x0, n0, x1, n1);
        expect(a.z).toBeCloseTo(-b.z, 9);
        expect(a.pValue).toBeCloseTo(b.pValue, 12);
        expect(a.ci_low).toBeCloseTo(-b.ci_high, 12);
      }),
    );
  });

  it('gives no evidence when both groups show no hits, but a non-degenerate interval', () => {
    const r = twoProportionZTest(0, 100, 0, 1000);
    expect(r).toMatchObject({ z: 0, pValue: 1, diff: 0 });
    expect(r.ci_high).toBeGreaterThan(0.03);
    expect(r.ci_low).toBeLessThan(0);
  });

  it('detects a clear rise (before 10/10000 vs during 40/10000)', () => {
    const r = twoProportionZTest(40, 10_000, 10, 10_000);
    expect(r.z).toBeGreaterThan(4);
    expect(r.pValue).toBeLessThan(1e-4);
    expect(r.ci_low).toBeGreaterThan(0);
  });

  it('rejects empty groups and invalid counts', () => {
    expect(() => twoProportionZTest(0, 0, 1, 10)).toThrow(/both groups need at least one call, got n1 = 0, n0 = 10/);
    expect(() => twoProportionZTest(5, 4, 1, 10)).toThrow(/group 1\): x \(hits\) must be an integer/);
  });
});
