import fc from 'fast-check';
import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf';
import { describe, expect, it } from 'vitest';
import { clopperPearson, jeffreys, wilson } from '../src/index.ts';
import type { Interval } from '../src/index.ts';

const METHODS = { wilson, jeffreys, clopperPearson } as const;

/** Any (x, n) with 1 ≤ n ≤ 5000 and 0 ≤ x ≤ n. */
const countsArb = fc.integer({ min: 1, max: 5000 }).chain((n) => fc.record({ n: fc.constant(n), x: fc.integer({ min: 0, max: n }) }));
const confidenceArb = fc.double({ min: 0.5, max: 0.999, noNaN: true });

/** Wilson from the SPECS §5 closed form, written out independently of the implementation. */
function wilsonClosedForm(x: number, n: number, z: number): Interval {
  const centre = (x + (z * z) / 2) / (n + z * z);
  const half = (z / (n + z * z)) * Math.sqrt((x * (n - x)) / n + (z * z) / 4);
  return { low: centre - half, high: centre + half };
}

function binomialCdf(x: number, n: number, p: number): number {
  let sum = 0;
  for (let k = 0; k <= x; k++) sum += binomialPmf(k, n, p);
  return sum;
}

describe.each(Object.entries(METHODS))('%s interval properties', (_name, interval) => {
  it('stays inside [0, 1] and contains the point estimate', () => {
    fc.assert(
      fc.property(countsArb, confidenceArb, ({ x, n }, c) => {
        const { low, high } = interval(x, n, c);
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeLessThanOrEqual(1);
        expect(low).toBeLessThanOrEqual(x / n);
        expect(high).toBeGreaterThanOrEqual(x / n);
      }),
    );
  });

  it('is monotone in x: both ends move up when hits go up', () => {
    fc.assert(
      fc.property(countsArb.filter(({ x, n }) => x < n), confidenceArb, ({ x, n }, c) => {
        const a = interval(x, n, c);
        const b = interval(x + 1, n, c);
        expect(b.low).toBeGreaterThanOrEqual(a.low);
        expect(b.high).toBeGreaterThanOrEqual(a.high);
      }),
    );
  });

  it('is symmetric: swapping hits and misses mirrors the interval', () => {
    fc.assert(
      fc.property(countsArb, ({ x, n }) => {
        const a = interval(x, n);
        const b = interval(n - x, n);
        expect(a.low).toBeCloseTo(1 - b.high, 9);
        expect(a.high).toBeCloseTo(1 - b.low, 9);
      }),
    );
  });

  it('widens with the confidence level', () => {
    fc.assert(
      fc.property(countsArb, ({ x, n }) => {
        const narrow = interval(x, n, 0.9);
        const wide = interval(x, n, 0.99);
        expect(wide.low).toBeLessThanOrEqual(narrow.low);
        expect(wide.high).toBeGreaterThanOrEqual(narrow.high);
      }),
    );
  });

  it('is 0 at the bottom when x = 0 and 1 at the top when x = n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), (n) => {
        expect(interval(0, n).low).toBe(0);
        expect(interval(n, n).high).toBe(1);
      }),
    );
  });

  it('returns the uninformative [0, 1] for n = 0', () => {
    expect(interval(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it('rejects invalid input with a RangeError naming the problem', () => {
    expect(() => interval(1.5, 10)).toThrow(/x \(hits\) must be an integer with 0 ≤ x ≤ n = 10, got 1.5/);
    expect(() => interval(11, 10)).toThrow(RangeError);
    expect(() => interval(-1, 10)).toThrow(RangeError);
    expect(() => interval(0, -1)).toThrow(/n \(calls\) must be a non-negative integer, got -1/);
    expect(() => interval(0, Number.NaN)).toThrow(RangeError);
    expect(() => interval(1, 10, 95)).toThrow(/confidence must be a number with 0 < confidence < 1 \(e.g. 0.95\), got 95/);
    expect(() => interval(1, 10, 0)).toThrow(RangeError);
    expect(() => interval(1, 10, 1)).toThrow(RangeError);
  });
});

describe('wilson', () => {
  it('matches the published 0-in-100 upper bound (≈ 3.70%)', () => {
    expect(wilson(0, 100).high).toBeCloseTo(0.037, 4);
  });

  it.each([
    [1, 10],
    [5, 100],
    [0, 100],
    [37, 1000],
  ])('matches the SPECS closed form with z = 1.96 for %i/%i', (x, n) => {
    // z = 1.96 is the rounded critical value; the implementation uses 1.959964…,
    // so agreement is to about 1e-5.
    const expected = wilsonClosedForm(x, n, 1.96);
    const got = wilson(x, n);
    expect(got.low).toBeCloseTo(Math.max(0, expected.low), 4);
    expect(got.high).toBeCloseTo(expected.high, 4);
  });
});

describe('jeffreys', () => {
  it('matches the published 1-in-10 interval', () => {
    // Jeffreys 1/10 at 95% is [0.0110, 0.3813] (Brown, Cai & DasGupta 2001 / R binom).
    const { low, high } = jeffreys(1, 10);
    expect(low).toBeCloseTo(0.011, 3);
    expect(high).toBeCloseTo(0.3813, 3);
  });
});

describe('clopperPearson', () => {
  it('has the closed forms at x = 0 and x = n', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), confidenceArb, (n, c) => {
        const alpha = 1 - c;
        expect(clopperPearson(0, n, c).high).toBeCloseTo(1 - (alpha / 2) ** (1 / n), 10);
        expect(clopperPearson(n, n, c).low).toBeCloseTo((alpha / 2) ** (1 / n), 10);
      }),
    );
  });

  it('puts exactly α/2 of binomial tail beyond each end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }).chain((n) => fc.record({ n: fc.constant(n), x: fc.integer({ min: 1, max: n - 1 }) })),
        ({ x, n }) => {
          const { low, high } = clopperPearson(x, n);
          // P(X ≥ x | low) = α/2 and P(X ≤ x | high) = α/2.
          expect(1 - binomialCdf(x - 1, n, low)).toBeCloseTo(0.025, 7);
          expect(binomialCdf(x, n, high)).toBeCloseTo(0.025, 7);
        },
      ),
    );
  });

  it('contains the Wilson and Jeffreys intervals at the ends for x = 0', () => {
    for (const n of [10, 100, 1000]) {
      expect(clopperPearson(0, n).high).toBeGreaterThan(jeffreys(0, n).high);
    }
  });
});
