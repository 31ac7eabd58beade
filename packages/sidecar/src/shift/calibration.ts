import { calibrateThreshold, defaultShiftedRate } from '@behavior-rate/stats';

/** How thresholds are calibrated; every field has a default. */
export interface ThresholdCalibrationOptions {
  /** False pages per 30 days each detector may raise on stable traffic. Default 1. */
  targetFalseAlarmsPer30Days?: number;
  /** Days of simulated in-control traffic per calibration. Default 600 (about 0.2 s of CPU). */
  days?: number;
  /** Seed of the simulation; fixed so a restart calibrates to the same threshold. Default 1. */
  seed?: number;
}

/** A calibrated detector setting. */
export interface ShiftThreshold {
  p0: number;
  p1: number;
  threshold: number;
  /** The volume the threshold was calibrated at, calls per minute. */
  callsPerMinute: number;
}

/**
 * Rounds a volume to two significant digits (at least 0.1 call/min) so that a
 * slowly changing volume does not trigger a new calibration every minute.
 */
export function volumeBucket(callsPerMinute: number): number {
  if (!(callsPerMinute > 0.1)) return 0.1;
  const magnitude = 10 ** (Math.floor(Math.log10(callsPerMinute)) - 1);
  return Number((Math.round(callsPerMinute / magnitude) * magnitude).toPrecision(2));
}

/**
 * A whole-number calls-per-minute profile of 100 minutes whose mean is `volume`
 * (a bucketed volume has at most two decimals), spread evenly, for the simulation.
 */
export function volumeProfile(volume: number): number[] {
  if (Number.isInteger(volume)) return [volume];
  const total = Math.round(volume * 100);
  return Array.from({ length: 100 }, (_, i) => Math.floor(((i + 1) * total) / 100) - Math.floor((i * total) / 100));
}

/**
 * Thresholds calibrated by simulation (`calibrateThreshold` from the stats package),
 * cached by (p0, volume bucket). The volume is the mean calls per minute: the
 * Bernoulli CUSUM accumulates evidence per call, so its false-alarm rate per 30 days
 * follows the number of calls, which the mean preserves whatever the daily shape.
 */
export class ThresholdCalibrator {
  private readonly cache = new Map<string, ShiftThreshold>();
  private readonly options: Required<ThresholdCalibrationOptions>;

  constructor(options: ThresholdCalibrationOptions = {}) {
    this.options = { targetFalseAlarmsPer30Days: 1, days: 600, seed: 1, ...options };
  }

  /** The threshold for detecting p0 → 2·p0 at this volume. */
  thresholdFor(p0: number, callsPerMinute: number): ShiftThreshold {
    const volume = volumeBucket(callsPerMinute);
    // p0 is rounded to 3 significant digits for the cache key: a trailing baseline moves a little every minute.
    const rounded = Number(p0.toPrecision(3));
    const key = `${rounded}/${volume}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const p1 = defaultShiftedRate(rounded);
    const calibration = calibrateThreshold({
      p0: rounded,
      p1,
      callsPerMinute: volumeProfile(volume),
      targetFalseAlarmsPer30Days: this.options.targetFalseAlarmsPer30Days,
      days: this.options.days,
      seed: this.options.seed,
    });
    const result = { p0: rounded, p1, threshold: calibration.threshold, callsPerMinute: volume };
    // Bounded: baselines and volumes drift over months; old settings are cheap to recompute if they return.
    if (this.cache.size >= 1000) this.cache.clear();
    this.cache.set(key, result);
    return result;
  }
}
