import { rate, type BehaviorRate } from '@behavior-rate/stats';
import type { BehaviorDefinition } from '../behaviors/config.ts';
import type { ThresholdCalibrator } from './calibration.ts';
import { ALL_TRAFFIC, minuteCounts, type ShiftCounts } from './counts.ts';
import { runShiftEpisodes } from './episode.ts';

/** Which rate a detector measures against. */
export type ShiftBaseline = 'objective' | 'trailing_7d';

/** One detector's answer after the last complete minute. */
export interface ShiftDetectorStatus {
  behavior: string;
  /** null: all live traffic of the behavior; else one fingerprint's. */
  fingerprint: string | null;
  /** armed: running; insufficient_baseline: no objective and too little history for a trailing rate. */
  state: 'armed' | 'insufficient_baseline';
  baseline: ShiftBaseline | null;
  /** In-control rate p0 and the shifted rate p1 = 2·p0 the CUSUM is tuned to. */
  p0: number | null;
  p1: number | null;
  /** Alarm threshold h, calibrated for the false-page budget at `calibratedCallsPerMinute`. */
  threshold: number | null;
  calibratedCallsPerMinute: number | null;
  /** CUSUM statistic (log-likelihood ratio, nats) after the last complete minute. */
  statistic: number;
  alarm: boolean;
  /** Start of the minute the alarm episode began (ISO 8601), or null. */
  alarmSince: string | null;
  /** The CUSUM's estimate of when the shift began: start of the current run of statistic > 0. */
  changeSince: string | null;
  /** Hits and calls since `changeSince`, with a 95% Wilson interval; null while the statistic is 0. */
  sinceChange: BehaviorRate | null;
  /** Calls over the history window. */
  historyCalls: number;
}

/** How detectors are chosen and armed; every field has a default. */
export interface DetectorSelection {
  /** Per-fingerprint detectors for at most this many fingerprints (most calls first). Default 5. */
  maxFingerprints?: number;
  /** A fingerprint gets its own detector at this mean traffic or more, calls/min over the history. Default 1. */
  minFingerprintCallsPerMinute?: number;
  /** Trailing baselines need at least this many calls in 7 days. Default 1000. */
  minBaselineCalls?: number;
  /** …and at least this many hits, else the baseline is too uncertain to test against. Default 5. */
  minBaselineHits?: number;
}

/**
 * Evaluates every detector on fresh counts: one per behavior over all live traffic,
 * plus one per busy fingerprint when more than one fingerprint served traffic.
 */
export function evaluateDetectors(counts: ShiftCounts, behaviors: readonly BehaviorDefinition[], calibrator: ThresholdCalibrator, selection: DetectorSelection = {}): ShiftDetectorStatus[] {
  const maxFingerprints = selection.maxFingerprints ?? 5;
  const minPerMinute = selection.minFingerprintCallsPerMinute ?? 1;
  const minBaselineCalls = selection.minBaselineCalls ?? 1000;
  const minBaselineHits = selection.minBaselineHits ?? 5;
  const historyCalls = (fingerprint: string) => (counts.traffic.get(fingerprint)?.calls ?? []).reduce((a, b) => a + b, 0);
  const fingerprints = [...counts.traffic.keys()]
    // Calls without a fingerprint are not a backend to blame.
    .filter((fp) => fp !== ALL_TRAFFIC && fp !== '')
    .map((fp) => ({ fp, calls: historyCalls(fp) }))
    .filter((entry) => entry.calls > 0);
  const busy = fingerprints.length < 2 ? [] : fingerprints
    .filter((entry) => entry.calls >= minPerMinute * counts.minutes)
    .sort((a, b) => b.calls - a.calls || a.fp.localeCompare(b.fp))
    .slice(0, maxFingerprints)
    .map((entry) => entry.fp);

  const names = new Map<string, BehaviorDefinition>(behaviors.map((b) => [b.name, b]));
  for (const observed of counts.hits.keys()) if (!names.has(observed)) names.set(observed, { name: observed, description: '' });
  for (const observed of counts.baselineHits.keys()) if (!names.has(observed)) names.set(observed, { name: observed, description: '' });

  const out: ShiftDetectorStatus[] = [];
  for (const behavior of [...names.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    for (const fp of [ALL_TRAFFIC, ...busy]) {
      const traffic = counts.traffic.get(fp);
      const calls = traffic?.calls ?? new Array<number>(counts.minutes).fill(0);
      const minutes = minuteCounts(calls, counts.hits.get(behavior.name)?.get(fp));
      const total = minutes.reduce((sum, m) => sum + m.calls, 0);
      const status: ShiftDetectorStatus = {
        behavior: behavior.name, fingerprint: fp === ALL_TRAFFIC ? null : fp, state: 'insufficient_baseline', baseline: null, p0: null, p1: null,
        threshold: null, calibratedCallsPerMinute: null, statistic: 0, alarm: false, alarmSince: null, changeSince: null, sinceChange: null, historyCalls: total,
      };
      let p0: number;
      if (behavior.objective !== undefined) {
        status.baseline = 'objective';
        p0 = behavior.objective;
      } else {
        const baselineCalls = traffic?.baselineCalls ?? 0;
        const baselineHits = counts.baselineHits.get(behavior.name)?.get(fp) ?? 0;
        if (baselineCalls < minBaselineCalls || baselineHits < minBaselineHits) {
          out.push(status);
          continue;
        }
        status.baseline = 'trailing_7d';
        // Jeffreys-style smoothing keeps p0 strictly inside (0, 1). Two significant digits: finer than
        // the baseline's own uncertainty, coarse enough that the calibrated threshold is reused for hours.
        p0 = Number(((baselineHits + 0.5) / (baselineCalls + 1)).toPrecision(2));
      }
      // Mean volume since the first minute with traffic: a deployment a few minutes old must not be
      // calibrated as if the rest of the day had been quiet (too low a threshold, too many false pages).
      const firstActive = calls.findIndex((n) => n > 0);
      const activeMinutes = firstActive < 0 ? counts.minutes : counts.minutes - firstActive;
      const setting = calibrator.thresholdFor(p0, total / activeMinutes);
      const episode = runShiftEpisodes(minutes, { p0: setting.p0, p1: setting.p1 }, setting.threshold);
      const minuteIso = (i: number | null) => (i === null ? null : new Date((counts.fromSeconds + i * 60) * 1000).toISOString());
      out.push({
        ...status,
        state: 'armed',
        p0: setting.p0,
        p1: setting.p1,
        threshold: setting.threshold,
        calibratedCallsPerMinute: setting.callsPerMinute,
        statistic: episode.statistic,
        alarm: episode.alarm,
        alarmSince: minuteIso(episode.alarmFrom),
        changeSince: minuteIso(episode.changeFrom),
        sinceChange: episode.changeFrom === null || episode.callsSinceChange === 0 ? null : rate(episode.hitsSinceChange, episode.callsSinceChange),
      });
    }
  }
  return out;
}
