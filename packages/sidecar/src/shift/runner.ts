import type { BehaviorConfig } from '../behaviors/config.ts';
import type { Store } from '../store/store.ts';
import { ThresholdCalibrator, type ThresholdCalibrationOptions } from './calibration.ts';
import { readShiftCounts } from './counts.ts';
import { evaluateDetectors, type DetectorSelection, type ShiftDetectorStatus } from './detectors.ts';

/** The shift detectors' answer for one evaluated minute. */
export interface ShiftSnapshot {
  /** Start of the last complete minute the detectors have seen (ISO 8601). */
  evaluatedMinute: string;
  /** When the evaluation ran (ISO 8601). */
  evaluatedAt: string;
  historyMinutes: number;
  detectors: ShiftDetectorStatus[];
}

/** Options of {@link ShiftRunner}; every field has a default. */
export interface ShiftRunnerOptions extends DetectorSelection {
  /**
   * How often to evaluate, ms. Default 60000 (every minute, just after the minute
   * boundary plus `settleMs`). 0: no timer; evaluations happen on demand only.
   */
  intervalMs?: number;
  /** Wait after a minute ends before treating it as complete, for spans in flight. Default 10000. */
  settleMs?: number;
  /**
   * Minutes of history replayed at every evaluation. Default 1440. The statistic is
   * recomputed from the durable per-minute tables each time, so it survives restarts
   * and picks up late (collector-delayed) spans; a day is far longer than the
   * detector's memory in control, where the statistic returns to 0 within minutes.
   */
  historyMinutes?: number;
  /** Trailing baseline length for behaviors without an objective, days. Default 7. */
  baselineDays?: number;
  calibration?: ThresholdCalibrationOptions;
  /** Where evaluation failures are reported. Default: silently kept in `lastError`. */
  onError?: (error: unknown) => void;
}

/**
 * Runs the Bernoulli CUSUM shift detectors of the stats package every minute, per
 * behavior and per busy fingerprint, against the objective or the trailing 7-day
 * rate. It keeps no state of its own beyond the last answer: each run replays the
 * history from ClickHouse, which is what makes a restart lose nothing.
 */
export class ShiftRunner {
  private readonly store: Store;
  private readonly behaviors: BehaviorConfig;
  private readonly options: Required<Omit<ShiftRunnerOptions, 'calibration' | 'onError' | keyof DetectorSelection>>;
  private readonly selection: DetectorSelection;
  private readonly calibrator: ThresholdCalibrator;
  private readonly onError: (error: unknown) => void;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ShiftSnapshot> | undefined;
  private stopped = false;
  private snapshot: ShiftSnapshot | undefined;
  lastError: unknown;

  constructor(store: Store, behaviors: BehaviorConfig, options: ShiftRunnerOptions = {}) {
    this.store = store;
    this.behaviors = behaviors;
    this.options = { intervalMs: 60_000, settleMs: 10_000, historyMinutes: 1440, baselineDays: 7, ...stripUndefined(options) };
    this.selection = options;
    this.calibrator = new ThresholdCalibrator(options.calibration);
    this.onError = options.onError ?? (() => {});
    if (!Number.isInteger(this.options.historyMinutes) || this.options.historyMinutes < 1) {
      throw new RangeError(`historyMinutes: expected a positive integer, got ${String(this.options.historyMinutes)}`);
    }
  }

  /** Starts the timer (if `intervalMs` > 0) with an immediate first evaluation. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer !== undefined || this.stopped) return;
    const tick = () => {
      this.timer = undefined;
      this.evaluate().catch(() => {}).finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.delayToNext()).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Stops the timer and waits for an evaluation in flight, so the store can close after. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  /**
   * The last answer. Evaluates when there is none yet, or, without a timer, when the
   * last one is more than a minute old (a new minute may have completed).
   */
  async latest(now: Date = new Date()): Promise<ShiftSnapshot> {
    const snapshot = this.snapshot;
    if (snapshot === undefined) return this.evaluate(now);
    if (this.options.intervalMs <= 0 && now.getTime() - Date.parse(snapshot.evaluatedAt) > 60_000) return this.evaluate(now);
    return snapshot;
  }

  /** Evaluates every detector now; concurrent callers share one evaluation. */
  evaluate(now: Date = new Date()): Promise<ShiftSnapshot> {
    this.running ??= this.run(now).then(
      (snapshot) => {
        this.running = undefined;
        this.snapshot = snapshot;
        this.lastError = undefined;
        return snapshot;
      },
      (error: unknown) => {
        this.running = undefined;
        this.lastError = error;
        this.onError(error);
        throw error;
      },
    );
    return this.running;
  }

  private async run(now: Date): Promise<ShiftSnapshot> {
    // The exclusive end is the start of the minute that is not yet complete.
    const toSeconds = Math.floor((now.getTime() - this.options.settleMs) / 60_000) * 60;
    const counts = await readShiftCounts(this.store, {
      toSeconds,
      historyMinutes: this.options.historyMinutes,
      baselineMinutes: this.options.baselineDays * 1440,
    });
    return {
      evaluatedMinute: new Date((toSeconds - 60) * 1000).toISOString(),
      evaluatedAt: now.toISOString(),
      historyMinutes: this.options.historyMinutes,
      detectors: evaluateDetectors(counts, this.behaviors.behaviors, this.calibrator, this.selection),
    };
  }

  /** Every minute: wait for the next boundary plus the settle time. Otherwise: the interval. */
  private delayToNext(): number {
    const { intervalMs, settleMs } = this.options;
    if (intervalMs !== 60_000) return intervalMs;
    const now = Date.now();
    return Math.floor((now - settleMs) / 60_000) * 60_000 + 60_000 + settleMs - now;
  }
}

function stripUndefined<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
