import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BernoulliCusum,
  cusumAlarmFlags,
  cusumFromRunningSum,
  cusumIncrement,
  cusumIncrements,
  cusumSeries,
  cusumWeights,
  defaultShiftedRate,
} from '../src/index.ts';
import type { MinuteCount } from '../src/index.ts';

/** Minutes with 0–200 calls (zeros included) and any hit count. */
const minutesArb = fc.array(
  fc.integer({ min: 0, max: 200 }).chain((calls) => fc.record({ calls: fc.constant(calls), hits: fc.integer({ min: 0, max: calls }) })),
  { maxLength: 300 },
);
const ratesArb = fc
  .double({ min: 1e-4, max: 0.3, noNaN: true })
  .chain((p0) => fc.record({ p0: fc.constant(p0), p1: fc.double({ min: p0 * 1.1, max: Math.min(0.9, p0 * 20), noNaN: true }) }));

/** The recursion written out directly from SPECS §5. */
function reference(minutes: readonly MinuteCount[], p0: number, p1: number, h: number): { statistic: number[]; alarms: number[] } {
  const statistic: number[] = [];
  const alarms: number[] = [];
  let s = 0;
  minutes.forEach((m, t) => {
    const inc = m.hits * Math.log(p1 / p0) + (m.calls - m.hits) * Math.log((1 - p1) / (1 - p0));
    s = Math.max(0, s + inc);
    if (s >= h) {
      alarms.push(t);
      s = 0;
    }
    statistic.push(s);
  });
  return { statistic, alarms };
}

describe('Bernoulli CUSUM', () => {
  it('accumulates the SPECS log-likelihood-ratio increments and resets after an alarm', () => {
    fc.assert(
      fc.property(minutesArb, ratesArb, fc.double({ min: 0.5, max: 20, noNaN: true }), (minutes, rates, h) => {
        const got = cusumSeries(minutes, { ...rates, threshold: h });
        const want = reference(minutes, rates.p0, rates.p1, h);
        expect(got.alarms).toEqual(want.alarms);
        got.statistic.forEach((s, t) => expect(s).toBeCloseTo(want.statistic[t]!, 9));
      }),
    );
  });

  it('equals the no-recursion form C_t − min(0, min C_k) when there is no threshold', () => {
    fc.assert(
      fc.property(minutesArb, ratesArb, (minutes, rates) => {
        const recursive = cusumSeries(minutes, rates).statistic;
        const closed = cusumFromRunningSum(minutes, rates);
        closed.forEach((s, t) => expect(s).toBeCloseTo(recursive[t]!, 8));
      }),
    );
  });

  it('streams the same alarms as the batch form, and the fast flags agree', () => {
    fc.assert(
      fc.property(minutesArb, ratesArb, fc.double({ min: 0.5, max: 20, noNaN: true }), (minutes, rates, h) => {
        const cusum = new BernoulliCusum({ ...rates, threshold: h });
        const streamed = minutes.flatMap((m, t) => (cusum.observe(m).alarm ? [t] : []));
        expect(streamed).toEqual(cusumSeries(minutes, { ...rates, threshold: h }).alarms);
        const weights = cusumWeights(rates);
        const series = { hits: minutes.map((m) => m.hits), calls: minutes.map((m) => m.calls) };
        const flags = cusumAlarmFlags(cusumIncrements(series, weights), h);
        expect([...flags].flatMap((f, t) => (f ? [t] : []))).toEqual(streamed);
      }),
    );
  });

  it('ignores minutes without calls', () => {
    const w = cusumWeights({ p0: 0.01 });
    expect(cusumIncrement({ hits: 0, calls: 0 }, w)).toBe(0);
    const withGaps = cusumSeries([{ hits: 3, calls: 10 }, { hits: 0, calls: 0 }, { hits: 0, calls: 0 }], { p0: 0.01 }).statistic;
    expect(withGaps[2]).toBe(withGaps[0]);
  });

  it('rises with hits and falls with misses, by ln 2 per hit at the default p1 = 2·p0', () => {
    const w = cusumWeights({ p0: 0.01 });
    expect(w.hit).toBeCloseTo(Math.LN2, 12);
    expect(w.miss).toBeLessThan(0);
    expect(defaultShiftedRate(0.01)).toBe(0.02);
    expect(defaultShiftedRate(0.8)).toBeCloseTo(0.9, 12);
  });

  it('alarms on a clear shift and not on in-control counts', () => {
    const quiet = Array.from({ length: 600 }, () => ({ hits: 1, calls: 100 }));
    const shifted = [...quiet, ...Array.from({ length: 10 }, () => ({ hits: 5, calls: 100 }))];
    const { alarms } = cusumSeries(shifted, { p0: 0.01, threshold: 5 });
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms[0]).toBeGreaterThanOrEqual(600);
  });

  it('validates rates, threshold and counts', () => {
    expect(() => cusumWeights({ p0: 0 })).toThrow(/p0 must be a probability with 0 < p0 < 1, got 0/);
    expect(() => cusumWeights({ p0: 0.1, p1: 0.1 })).toThrow(/p1 must differ from p0/);
    expect(() => new BernoulliCusum({ p0: 0.1, threshold: 0 })).toThrow(/threshold must be > 0/);
    expect(() => cusumSeries([{ hits: 3, calls: 2 }], { p0: 0.1 })).toThrow(/minute 0 must have integer counts with 0 ≤ hits ≤ calls, got hits = 3, calls = 2/);
    expect(() => new BernoulliCusum({ p0: 0.1, threshold: 3 }).observe({ hits: -1, calls: 2 })).toThrow(RangeError);
  });
});
