import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clopperPearson, jeffreys, rate, wilson } from '../src/index.ts';
import type { IntervalMethod } from '../src/index.ts';

describe('rate', () => {
  it('defaults to Wilson at 95% and reports counts, rate and interval', () => {
    const w = wilson(5, 100);
    expect(rate(5, 100)).toEqual({ calls: 100, hits: 5, rate: 0.05, ci_low: w.low, ci_high: w.high });
  });

  it.each([
    ['wilson', wilson],
    ['jeffreys', jeffreys],
    ['clopper-pearson', clopperPearson],
  ] as const)('uses the %s interval at the requested confidence', (method, interval) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))), ([n, x]) => {
        const r = rate(x, n, { method, confidence: 0.9 });
        const i = interval(x, n, 0.9);
        expect(r).toEqual({ calls: n, hits: x, rate: x / n, ci_low: i.low, ci_high: i.high });
      }),
    );
  });

  it('has no rate and an uninformative interval when there were no calls', () => {
    expect(rate(0, 0)).toEqual({ calls: 0, hits: 0, rate: null, ci_low: 0, ci_high: 1 });
  });

  it('rejects an unknown method and invalid counts', () => {
    expect(() => rate(1, 10, { method: 'wald' as IntervalMethod })).toThrow(/method must be one of wilson, jeffreys, clopper-pearson, got wald/);
    expect(() => rate(3, 2)).toThrow(/^rate: x \(hits\)/);
    expect(() => rate(1, 10, { confidence: -0.1 })).toThrow(RangeError);
  });
});
