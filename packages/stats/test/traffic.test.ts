import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf';
import { describe, expect, it } from 'vitest';
import { binomialSampler, simulateTraffic } from '../src/index.ts';

describe('binomialSampler', () => {
  it.each([
    [1000, 0.001], // inversion, small mean
    [20, 0.3], // inversion, moderate mean
    [1000, 0.05], // stdlib BTPE
    [10, 0.9], // p > 0.5 by symmetry
  ])('draws Binomial(%i, %d) (chi-square goodness of fit, fixed seed)', (n, p) => {
    const sample = binomialSampler(2024);
    const draws = 40_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < draws; i++) {
      const k = sample(n, p);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    // Bins with expected count ≥ 20, the rest pooled into one tail bin.
    let chi = 0;
    let bins = 0;
    let pooledExpected = 0;
    let pooledObserved = 0;
    for (let k = 0; k <= n; k++) {
      const expected = draws * binomialPmf(k, n, p);
      const observed = counts.get(k) ?? 0;
      if (expected >= 20) {
        chi += (observed - expected) ** 2 / expected;
        bins++;
      } else {
        pooledExpected += expected;
        pooledObserved += observed;
      }
    }
    if (pooledExpected > 0) {
      chi += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
      bins++;
    }
    // χ² with (bins − 1) df has mean bins − 1 and sd √(2(bins − 1)); 5 sd is far
    // beyond chance yet catches any systematic error (e.g. an off-by-one in k).
    expect(chi).toBeLessThan(bins - 1 + 5 * Math.sqrt(2 * (bins - 1)));
  });

  it('is deterministic per seed, handles quiet minutes, and validates the seed', () => {
    const a = binomialSampler(5);
    const b = binomialSampler(5);
    const c = binomialSampler(6);
    const seqA = Array.from({ length: 50 }, () => a(100, 0.1));
    expect(Array.from({ length: 50 }, () => b(100, 0.1))).toEqual(seqA);
    expect(Array.from({ length: 50 }, () => c(100, 0.1))).not.toEqual(seqA);
    expect(a(0, 0.5)).toBe(0);
    expect(a(10, 0)).toBe(0);
    expect(() => binomialSampler(0)).toThrow(/seed must be an integer in \[1, 4294967295\], got 0/);
  });
});

describe('simulateTraffic', () => {
  it('follows the volume profile and the rate schedule', () => {
    const traffic = simulateTraffic({ minutes: 6, callsPerMinute: [50, 0, 10], rateAt: (t) => (t < 3 ? 0 : 1), sample: binomialSampler(1) });
    expect([...traffic.calls]).toEqual([50, 0, 10, 50, 0, 10]);
    expect([...traffic.hits]).toEqual([0, 0, 0, 50, 0, 10]);
  });
});
