import { binomialSampler, cusumSeries, simulateTraffic, type MinuteCount } from '@behavior-rate/stats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ThresholdCalibrator, volumeBucket, volumeProfile } from '../src/shift/calibration.ts';
import { runShiftEpisodes } from '../src/shift/episode.ts';

const toMinutes = (series: { hits: ArrayLike<number>; calls: ArrayLike<number> }): MinuteCount[] =>
  Array.from({ length: series.calls.length }, (_, t) => ({ hits: series.hits[t]!, calls: series.calls[t]! }));

/** Alarm episodes of the runner's detector on fresh in-control traffic. */
function falseEpisodes(p0: number, callsPerMinute: number, threshold: number, seed: number, days: number): number {
  const series = simulateTraffic({ minutes: days * 1440, callsPerMinute, rateAt: () => p0, sample: binomialSampler(seed) });
  return runShiftEpisodes(toMinutes(series), { p0 }, threshold).episodes;
}

describe('shift detector calibration', () => {
  const calibrator = new ThresholdCalibrator();
  // Fresh seeds: the calibration simulation uses seed 1.
  const SEEDS = [101, 202, 303];
  const DAYS = 200;

  it.each([
    [100, 0.004],
    [10, 0.01],
    [1000, 0.001],
  ])('at %i calls/min and p0 = %f, fresh seeds page at most once per 30 days', (callsPerMinute, p0) => {
    const { threshold } = calibrator.thresholdFor(p0, callsPerMinute);
    const episodes = SEEDS.reduce((sum, seed) => sum + falseEpisodes(p0, callsPerMinute, threshold, seed, DAYS), 0);
    const per30Days = (episodes * 30) / (SEEDS.length * DAYS);
    expect(per30Days).toBeLessThanOrEqual(1);
    // The same detector with half the threshold would break the budget: the check has teeth.
    const loose = SEEDS.reduce((sum, seed) => sum + falseEpisodes(p0, callsPerMinute, threshold / 2, seed, DAYS), 0);
    expect((loose * 30) / (SEEDS.length * DAYS)).toBeGreaterThan(1);
  });

  it('still catches a 4× step at 100 calls/min within the hour', () => {
    const p0 = 0.004;
    const { threshold } = calibrator.thresholdFor(p0, 100);
    const delays: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const series = simulateTraffic({ minutes: 180, callsPerMinute: 100, rateAt: (t) => (t < 60 ? p0 : 4 * p0), sample: binomialSampler(1000 + seed) });
      const minutes = toMinutes(series);
      let delay = Number.POSITIVE_INFINITY;
      for (let t = 60; t < minutes.length; t++) {
        if (runShiftEpisodes(minutes.slice(0, t + 1), { p0 }, threshold).alarm) {
          delay = t - 59;
          break;
        }
      }
      delays.push(delay);
    }
    delays.sort((a, b) => a - b);
    expect(delays[9]).toBeLessThanOrEqual(60);
  });

  it('never starts more episodes than the calibrated restart-at-alarm CUSUM alarms', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ calls: fc.integer({ min: 0, max: 50 }), frac: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 300 }),
        fc.double({ min: 0.001, max: 0.2, noNaN: true }),
        fc.double({ min: 0.5, max: 10, noNaN: true }),
        (raw, p0, threshold) => {
          const minutes = raw.map((m) => ({ calls: m.calls, hits: Math.floor(m.calls * m.frac * 0.3) }));
          const episodes = runShiftEpisodes(minutes, { p0 }, threshold).episodes;
          expect(episodes).toBeLessThanOrEqual(cusumSeries(minutes, { p0, threshold }).alarms.length);
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it('reports the change point and the counts since it', () => {
    const minutes = [
      ...Array.from({ length: 30 }, () => ({ calls: 100, hits: 0 })),
      ...Array.from({ length: 5 }, () => ({ calls: 100, hits: 5 })),
    ];
    const state = runShiftEpisodes(minutes, { p0: 0.004 }, 5);
    expect(state).toMatchObject({ alarm: true, changeFrom: 30, hitsSinceChange: 25, callsSinceChange: 500, episodes: 1 });
    // Back in control, the statistic drains to 0 and the episode ends.
    const after = runShiftEpisodes([...minutes, ...Array.from({ length: 600 }, () => ({ calls: 100, hits: 0 }))], { p0: 0.004 }, 5);
    expect(after).toMatchObject({ statistic: 0, alarm: false, changeFrom: null, episodes: 1 });
  });

  it('buckets volumes to two significant digits and simulates fractional ones exactly', () => {
    expect([0, 0.04, 0.437, 1, 7.44, 12.6, 99, 104, 1234].map(volumeBucket)).toEqual([0.1, 0.1, 0.44, 1, 7.4, 13, 99, 100, 1200]);
    for (const volume of [0.1, 0.44, 2.9, 7.4, 13]) {
      const profile = volumeProfile(volume);
      expect(profile.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
      expect(profile.reduce((a, b) => a + b, 0) / profile.length).toBeCloseTo(volume, 12);
    }
  });
});
