/**
 * Detection-quality simulation: how often each alerting method pages on stable
 * traffic, and how fast it pages after the rate steps up. All methods see the same
 * simulated minutes, and those with a free parameter are calibrated the same way
 * on the same in-control run, to the same false-page budget — the comparison is of
 * delay at equal false alarms, which is the only fair one.
 */
import { allowedCalibrationPages, countScorePages, pageMinutes, smallestPassingThreshold } from './alarm-counting.ts';
import { SRE_BURN_RATE_RULES, burnRateScore } from './burn-rate.ts';
import { cusumAlarmFlags, cusumIncrements, cusumThresholdFor } from './cusum-calibration.ts';
import { cusumWeights, defaultShiftedRate } from './cusum.ts';
import type { MinuteSeries } from './minute-series.ts';
import { prefixSums } from './minute-series.ts';
import { windowRateScore } from './static-threshold.ts';
import { assertCallVolume, binomialSampler, simulateTraffic } from './traffic.ts';
import type { BinomialSampler } from './traffic.ts';
import { assertOpenProbability } from './validate.ts';

/** The alerting methods compared. */
export type DetectorName = 'cusum' | 'burn-rate-calibrated' | 'burn-rate-conventional' | 'static-calibrated';

/** One scenario: a traffic volume and base rate, and what to measure. */
export interface DetectionScenario {
  /** Calls per minute (constant). */
  callsPerMinute: number;
  /** In-control rate p0. */
  baseRate: number;
  /** Step changes to measure, as multiples of the base rate. Default `[2, 4, 10]`. */
  shiftFactors?: readonly number[];
  /** Days of in-control traffic used to calibrate thresholds. Default 600. */
  calibrationDays?: number;
  /** Days of fresh in-control traffic on which false pages are counted. Default 600. */
  stableDays?: number;
  /** Shift episodes per factor. Default 200. */
  episodes?: number;
  /** In-control minutes before each shift (fills the 6h burn-rate window). Default 360. */
  warmupMinutes?: number;
  /** Minutes after the shift before an episode counts as missed. Default 720. */
  horizonMinutes?: number;
  /** False-page budget every calibrated method is held to. Default 1 per 30 days. */
  targetFalsePagesPer30Days?: number;
  /** Shift the CUSUM is tuned to, p1 = factor × base rate. Default 2 (see `defaultShiftedRate`). */
  cusumShiftFactor?: number;
  /** Objective of the conventional burn-rate rules, as a multiple of the base rate. Default 1.5. */
  conventionalObjectiveFactor?: number;
  /** Detectors to run. Default all four. */
  detectors?: readonly DetectorName[];
  /** PRNG seed (integer ≥ 1); calibration, stable days and episodes use seed-derived independent streams. Default 1. */
  seed?: number;
  /** Called with progress messages (e.g. to print to stderr). */
  onProgress?: (message: string) => void;
}

/** Delay figures for one shift size. */
export interface DelayFigure {
  factor: number;
  /** Median minutes from the first shifted minute to the first page (1 = paged on that minute); null if fewer than half the episodes paged within the horizon. */
  medianMinutes: number | null;
  /** Share of episodes paged within the horizon. */
  detectedShare: number;
}

/** What one method did in one scenario. */
export interface DetectorResult {
  detector: DetectorName;
  /** Its tuned parameter, human-readable (threshold or objective). */
  setting: string;
  falsePages: number;
  stableDays: number;
  falsePagesPer30Days: number;
  delays: DelayFigure[];
}

/** A tuned method: per-minute firing flags for a series, only from `from` on. */
interface CalibratedDetector {
  detector: DetectorName;
  setting: string;
  firing: (series: MinuteSeries, from: number) => ArrayLike<number | boolean>;
}

const ALL_DETECTORS: readonly DetectorName[] = ['cusum', 'burn-rate-calibrated', 'burn-rate-conventional', 'static-calibrated'];
const STATIC_WINDOW_MINUTES = 5;

function formatMultiple(value: number, base: number): string {
  return `${(value / base).toFixed(2)}×base`;
}

function maxFrom(values: Float64Array, from: number): number {
  let max = 0;
  for (let t = from; t < values.length; t++) if (values[t]! > max) max = values[t]!;
  return max;
}

function calibrate(scenario: Required<Omit<DetectionScenario, 'onProgress'>>, calibrationRun: MinuteSeries): CalibratedDetector[] {
  const { baseRate, warmupMinutes: from } = scenario;
  const allowed = Math.max(0, allowedCalibrationPages(scenario.targetFalsePagesPer30Days, scenario.calibrationDays));
  const out: CalibratedDetector[] = [];
  for (const detector of scenario.detectors) {
    if (detector === 'cusum') {
      const p1 = scenario.cusumShiftFactor === 2 ? defaultShiftedRate(baseRate) : baseRate * scenario.cusumShiftFactor;
      const weights = cusumWeights({ p0: baseRate, p1 });
      const h = cusumThresholdFor(cusumIncrements(calibrationRun, weights), allowed, from);
      out.push({
        detector,
        setting: `p1 = ${formatMultiple(p1, baseRate)}, h = ${h.toFixed(2)}`,
        firing: (series, start) => cusumAlarmFlags(cusumIncrements(series, weights), h, start),
      });
    } else if (detector === 'burn-rate-calibrated' || detector === 'burn-rate-conventional') {
      let objective = baseRate * scenario.conventionalObjectiveFactor;
      if (detector === 'burn-rate-calibrated') {
        const score = burnRateScore(calibrationRun, 'page', SRE_BURN_RATE_RULES);
        objective = smallestPassingThreshold((o) => countScorePages(score, o, from), allowed, 0, maxFrom(score, from) * (1 + 1e-9) + 1e-15);
      }
      const fixed = objective;
      out.push({
        detector,
        setting: `objective = ${formatMultiple(fixed, baseRate)}`,
        firing: (series) => burnRateScore(series, 'page', SRE_BURN_RATE_RULES).map((s) => (s > fixed ? 1 : 0)),
      });
    } else {
      const score = windowRateScore(calibrationRun, STATIC_WINDOW_MINUTES);
      const limit = smallestPassingThreshold((r) => countScorePages(score, r, from), allowed, 0, maxFrom(score, from) * (1 + 1e-9) + 1e-15);
      out.push({
        detector,
        setting: `${STATIC_WINDOW_MINUTES}m rate > ${formatMultiple(limit, baseRate)}`,
        firing: (series) => windowRateScore(series, STATIC_WINDOW_MINUTES, 0, prefixSums(series)).map((r) => (r > limit ? 1 : 0)),
      });
    }
  }
  return out;
}

function median(values: number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
  // With an even count take the lower middle, so a censored (Infinity) upper half
  // still yields null rather than a made-up number.
  return sorted.length === 0 || !Number.isFinite(mid) ? null : mid;
}

/** Derives independent PRNG seeds for the stages of a scenario. */
function stageSeed(seed: number, stage: number): number {
  // Knuth multiplicative hash keeps nearby seeds apart; stays in [1, 2³²−1].
  return ((Math.imul(seed ^ (stage * 0x9e3779b1), 2654435761) >>> 0) % 0xfffffffe) + 1;
}

/**
 * Runs one scenario: calibrates every method on an in-control run, counts false
 * pages on fresh stable days, then measures delays over seeded shift episodes
 * (warm-up at the base rate, then the rate × factor until the horizon). A page is
 * the start of a firing episode; a detection is the first firing minute at or after
 * the shift, whether or not the method was already firing.
 *
 * @throws RangeError unless 0 < baseRate < 1 and baseRate × every factor < 1
 */
export function simulateDetection(input: DetectionScenario): DetectorResult[] {
  const scenario = {
    shiftFactors: [2, 4, 10],
    calibrationDays: 600,
    stableDays: 600,
    episodes: 200,
    warmupMinutes: 360,
    horizonMinutes: 720,
    targetFalsePagesPer30Days: 1,
    cusumShiftFactor: 2,
    conventionalObjectiveFactor: 1.5,
    detectors: ALL_DETECTORS,
    seed: 1,
    ...input,
  };
  const { callsPerMinute, baseRate, warmupMinutes, horizonMinutes } = scenario;
  assertCallVolume('simulateDetection', callsPerMinute);
  assertOpenProbability('simulateDetection', 'baseRate', baseRate);
  for (const f of scenario.shiftFactors) assertOpenProbability('simulateDetection', 'baseRate × factor', baseRate * f);
  const progress = input.onProgress ?? (() => undefined);
  const label = `${callsPerMinute}/min, base ${(100 * baseRate).toFixed(1)}%`;

  const inControl = (days: number, sample: BinomialSampler): MinuteSeries =>
    simulateTraffic({ minutes: warmupMinutes + Math.round(days * 1440), callsPerMinute, rateAt: () => baseRate, sample });

  progress(`${label}: calibrating on ${scenario.calibrationDays} in-control days`);
  const detectors = calibrate(scenario, inControl(scenario.calibrationDays, binomialSampler(stageSeed(scenario.seed, 1))));

  progress(`${label}: counting false pages on ${scenario.stableDays} fresh stable days`);
  const stable = inControl(scenario.stableDays, binomialSampler(stageSeed(scenario.seed, 2)));
  const falsePages = detectors.map((d) => pageMinutes(d.firing(stable, warmupMinutes), warmupMinutes).length);

  const delays = detectors.map(() => [] as DelayFigure[]);
  scenario.shiftFactors.forEach((factor, i) => {
    progress(`${label}: ${scenario.episodes} episodes of a ${factor}× shift`);
    const sample = binomialSampler(stageSeed(scenario.seed, 10 + i));
    const perDetector = detectors.map(() => [] as number[]);
    for (let e = 0; e < scenario.episodes; e++) {
      const episode = simulateTraffic({
        minutes: warmupMinutes + horizonMinutes,
        callsPerMinute,
        rateAt: (t) => (t < warmupMinutes ? baseRate : baseRate * factor),
        sample,
      });
      detectors.forEach((d, k) => {
        const firing = d.firing(episode, warmupMinutes);
        let delay = Number.POSITIVE_INFINITY;
        for (let t = warmupMinutes; t < firing.length; t++) {
          if (firing[t]) {
            delay = t - warmupMinutes + 1;
            break;
          }
        }
        perDetector[k]!.push(delay);
      });
    }
    perDetector.forEach((values, k) => {
      delays[k]!.push({ factor, medianMinutes: median(values), detectedShare: values.filter(Number.isFinite).length / values.length });
    });
  });

  return detectors.map((d, k) => ({
    detector: d.detector,
    setting: d.setting,
    falsePages: falsePages[k]!,
    stableDays: scenario.stableDays,
    falsePagesPer30Days: (falsePages[k]! * 30) / scenario.stableDays,
    delays: delays[k]!,
  }));
}
