import { describe, expect, it } from 'vitest';
import { coverageTable, exactCoverage, formatCoverageTable } from '../src/index.ts';
import type { IntervalMethod } from '../src/index.ts';

const GRID = coverageTable();

describe('exact coverage on the project grid (n = 20, 100, 1000 × p = 0.1%, 1%, 10%)', () => {
  it('is never below nominal for Clopper–Pearson (it is exact/conservative)', () => {
    for (const f of GRID.filter((g) => g.method === 'clopper-pearson')) {
      expect(f.coverage, `n=${f.n} p=${f.p}`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('stays within a few points of 95% for Wilson and Jeffreys', () => {
    // Both oscillate around nominal because x is discrete; at p ≈ 0.1/n… 1/n the
    // dips reach ≈ 90% (Brown, Cai & DasGupta 2001, fig. 4–5). The band says so.
    for (const f of GRID.filter((g) => g.method !== 'clopper-pearson')) {
      expect(f.coverage, `${f.method} n=${f.n} p=${f.p}`).toBeGreaterThanOrEqual(0.9);
      expect(f.coverage, `${f.method} n=${f.n} p=${f.p}`).toBeLessThanOrEqual(0.99);
    }
  });

  it('covers 9 cells per method', () => {
    expect(GRID).toHaveLength(27);
    expect(formatCoverageTable(GRID).split('\n')).toHaveLength(2 + 9);
  });
});

describe('mean coverage over p', () => {
  it.each(['wilson', 'jeffreys'] as IntervalMethod[])('%s averages close to nominal', (method) => {
    // Averaged over p the discreteness wiggles cancel: Wilson and Jeffreys sit
    // near 95% on average, which is why they are recommended.
    for (const n of [20, 100]) {
      let sum = 0;
      const ps = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
      for (const p of ps) sum += exactCoverage(method, n, p).coverage;
      expect(sum / ps.length).toBeGreaterThan(0.94);
      expect(sum / ps.length).toBeLessThan(0.965);
    }
  });

  it('shows Clopper–Pearson over-covering on average (the price of exactness)', () => {
    let sum = 0;
    for (let i = 1; i < 100; i++) sum += exactCoverage('clopper-pearson', 50, i / 100).coverage;
    expect(sum / 99).toBeGreaterThan(0.96);
  });

  it('is a probability and rejects degenerate input', () => {
    const f = exactCoverage('wilson', 30, 0.2);
    expect(f.coverage).toBeGreaterThan(0);
    expect(f.coverage).toBeLessThanOrEqual(1 + 1e-12);
    expect(() => exactCoverage('wilson', 0, 0.2)).toThrow(/at least 1/);
    expect(() => exactCoverage('wilson', 10, 0)).toThrow(/0 < p < 1/);
  });
});
