import { describe, expect, it } from 'vitest';
import { simulateDetection } from '../src/index.ts';

describe('simulateDetection (tiny configurations, fixed seeds)', () => {
  it('catches a 10× shift at 1000 calls/min within a few minutes, without false pages', () => {
    const [cusum] = simulateDetection({
      callsPerMinute: 1000,
      baseRate: 0.01,
      shiftFactors: [10],
      calibrationDays: 120,
      stableDays: 14,
      episodes: 20,
      horizonMinutes: 60,
      detectors: ['cusum'],
      seed: 7,
    });
    expect(cusum!.detector).toBe('cusum');
    expect(cusum!.delays[0]!.detectedShare).toBe(1);
    expect(cusum!.delays[0]!.medianMinutes).toBeLessThanOrEqual(3);
    expect(cusum!.falsePages).toBe(0);
  });

  it('detects a 4× shift faster than the calibrated burn-rate pages at equal false-page budget', () => {
    const results = simulateDetection({
      callsPerMinute: 1000,
      baseRate: 0.004,
      shiftFactors: [4],
      calibrationDays: 120,
      stableDays: 60,
      episodes: 30,
      detectors: ['cusum', 'burn-rate-calibrated'],
      seed: 3,
    });
    const [cusum, burn] = results;
    expect(cusum!.delays[0]!.medianMinutes).not.toBeNull();
    expect(burn!.delays[0]!.medianMinutes).not.toBeNull();
    expect(cusum!.delays[0]!.medianMinutes!).toBeLessThan(burn!.delays[0]!.medianMinutes!);
    // Both held to 1 false page per 30 days: 60 days allow 2.
    expect(cusum!.falsePages).toBeLessThanOrEqual(2);
    expect(burn!.falsePages).toBeLessThanOrEqual(2);
  });

  it('shows the conventional burn-rate pages missing a 2× shift (objective 1.5× base)', () => {
    const [conventional] = simulateDetection({
      callsPerMinute: 100,
      baseRate: 0.01,
      shiftFactors: [2],
      calibrationDays: 30,
      stableDays: 7,
      episodes: 10,
      detectors: ['burn-rate-conventional'],
      seed: 1,
    });
    expect(conventional!.delays[0]).toEqual({ factor: 2, medianMinutes: null, detectedShare: 0 });
  });

  it('rejects a shift that leaves [0, 1]', () => {
    expect(() => simulateDetection({ callsPerMinute: 10, baseRate: 0.2, shiftFactors: [10] })).toThrow(/baseRate × factor must be a probability/);
  });
});
