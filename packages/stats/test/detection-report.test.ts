import { describe, expect, it } from 'vitest';
import { compareDelays, formatDetectionTable } from '../src/index.ts';
import type { DetectorResult } from '../src/index.ts';

const results: DetectorResult[] = [
  { detector: 'cusum', setting: 'h = 8', falsePages: 3, stableDays: 90, falsePagesPer30Days: 1, delays: [{ factor: 4, medianMinutes: 10, detectedShare: 1 }] },
  { detector: 'burn-rate-calibrated', setting: 'objective = 0.2×base', falsePages: 1, stableDays: 90, falsePagesPer30Days: 1 / 3, delays: [{ factor: 4, medianMinutes: 35, detectedShare: 0.9 }] },
  { detector: 'burn-rate-conventional', setting: 'objective = 1.5×base', falsePages: 0, stableDays: 90, falsePagesPer30Days: 0, delays: [{ factor: 4, medianMinutes: null, detectedShare: 0.1 }] },
];

describe('detection report', () => {
  it('renders one row per method with false pages and censored delays', () => {
    const lines = formatDetectionTable([{ callsPerMinute: 100, baseRate: 0.004, results }], 720).split('\n');
    expect(lines).toHaveLength(2 + 3);
    expect(lines[0]).toContain('median min to page, 4×');
    expect(lines[2]).toBe('| 100 | 0.4% | CUSUM (ours) | h = 8 | 1.00 (3 in 90 d) | 10 |');
    expect(lines[3]).toContain('| 35 (90% caught) |');
    expect(lines[4]).toContain('| >720 (10% caught) |');
  });

  it('compares medians as peer ÷ ours, Infinity when only the peer missed', () => {
    expect(compareDelays(results, 'burn-rate-calibrated', 4)).toEqual({ ours: 10, peer: 35, speedup: 3.5, oursFalsePagesPer30Days: 1, peerFalsePagesPer30Days: 1 / 3 });
    expect(compareDelays(results, 'burn-rate-conventional', 4).speedup).toBe(Number.POSITIVE_INFINITY);
    expect(() => compareDelays(results, 'static-calibrated', 4)).toThrow(/no results for static-calibrated/);
  });
});
