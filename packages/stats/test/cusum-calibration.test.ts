import { describe, expect, it } from 'vitest';
import {
  allowedCalibrationPages,
  binomialSampler,
  calibrateThreshold,
  countCusumPages,
  cusumIncrements,
  cusumWeights,
  poissonCdf,
  poissonUpperBound,
  simulateTraffic,
} from '../src/index.ts';
import type { CallVolume } from '../src/index.ts';

/** Pages of a calibrated CUSUM on a fresh in-control run. */
function freshPages(p0: number, callsPerMinute: CallVolume, threshold: number, days: number, seed: number): number {
  const series = simulateTraffic({ minutes: days * 1440, callsPerMinute, rateAt: () => p0, sample: binomialSampler(seed) });
  return countCusumPages(cusumIncrements(series, cusumWeights({ p0 })), threshold);
}

describe('calibrateThreshold', () => {
  it('holds its false-alarm budget on fresh seeds (100 calls/min, 0.4%)', () => {
    const cal = calibrateThreshold({ p0: 0.004, callsPerMinute: 100, seed: 11 });
    expect(cal.calibrationPages).toBeLessThanOrEqual(cal.allowedPages);
    // 20 budgets of 30 days on a different seed: at most 20 × 1 false pages.
    expect(freshPages(0.004, 100, cal.threshold, 600, 12_345)).toBeLessThanOrEqual(20);
  });

  it('holds at low traffic with quiet (zero-call) hours', () => {
    // 10 calls/min for 16h, nothing for 8h: quiet minutes add 0 to the statistic.
    const day: number[] = Array.from({ length: 1440 }, (_, m) => (m < 960 ? 10 : 0));
    const cal = calibrateThreshold({ p0: 0.01, callsPerMinute: day, targetFalseAlarmsPer30Days: 2, seed: 3 });
    expect(freshPages(0.01, day, cal.threshold, 600, 777)).toBeLessThanOrEqual(40);
  });

  it('picks the most sensitive threshold within budget, not just a large one', () => {
    const cal = calibrateThreshold({ p0: 0.01, callsPerMinute: 1000, days: 300, seed: 5 });
    const series = simulateTraffic({ minutes: 300 * 1440, callsPerMinute: 1000, rateAt: () => 0.01, sample: binomialSampler(5) });
    const increments = cusumIncrements(series, cusumWeights({ p0: 0.01 }));
    expect(countCusumPages(increments, cal.threshold)).toBe(cal.calibrationPages);
    expect(countCusumPages(increments, cal.threshold * 0.97)).toBeGreaterThan(cal.allowedPages);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = calibrateThreshold({ p0: 0.01, callsPerMinute: 100, days: 60, seed: 9 });
    const b = calibrateThreshold({ p0: 0.01, callsPerMinute: 100, days: 60, seed: 9 });
    const c = calibrateThreshold({ p0: 0.01, callsPerMinute: 100, days: 60, seed: 10 });
    expect(a).toEqual(b);
    expect(c.threshold).not.toBe(a.threshold);
  });

  it('refuses to calibrate without traffic and validates options', () => {
    expect(() => calibrateThreshold({ p0: 0.01, callsPerMinute: 0, days: 1 })).toThrow(/never moved the statistic/);
    expect(() => calibrateThreshold({ p0: 0.01, callsPerMinute: -5 })).toThrow(/callsPerMinute must be a non-negative integer/);
    expect(() => calibrateThreshold({ p0: 0.01, callsPerMinute: 10, days: 0 })).toThrow(/must be > 0/);
  });
});

describe('allowed calibration pages', () => {
  it('is the largest count whose 95% Poisson upper bound fits the budget', () => {
    for (const [target, days] of [[1, 600], [1, 300], [2, 600], [0.5, 3000]] as const) {
      const k = allowedCalibrationPages(target, days);
      const budget = (target * days) / 30;
      expect(poissonUpperBound(k)).toBeLessThanOrEqual(budget);
      expect(poissonUpperBound(k + 1)).toBeGreaterThan(budget);
    }
  });

  it('uses exact Poisson bounds (0 events: −ln α)', () => {
    expect(poissonUpperBound(0, 0.95)).toBeCloseTo(-Math.log(0.05), 9);
    for (const k of [1, 5, 12, 40]) expect(poissonCdf(k, poissonUpperBound(k))).toBeCloseTo(0.05, 9);
    expect(poissonCdf(2, 1.5)).toBeCloseTo(Math.exp(-1.5) * (1 + 1.5 + 1.125), 12);
  });
});
