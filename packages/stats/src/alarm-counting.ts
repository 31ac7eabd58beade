/**
 * Counting pages and choosing thresholds from in-control data, shared by every
 * detector so that they are calibrated the same way (the fair comparison).
 */
import { poissonUpperBound } from './poisson.ts';

/**
 * How often a page is re-sent while an alert keeps firing, in minutes. Default 240,
 * Alertmanager's default `repeat_interval` (4h). Without it, a threshold so low that
 * the alert never stops firing would count as a single page.
 */
export const DEFAULT_REPEAT_MINUTES = 240;

/**
 * Counts pages from per-minute firing states: a page at the start of each firing
 * episode and again every `repeatMinutes` while it keeps firing. Tracks state so
 * callers can feed minutes one by one without allocating.
 */
export class PageCounter {
  readonly repeatMinutes: number;
  pages = 0;
  private firing = false;
  private lastPage = 0;

  constructor(repeatMinutes = DEFAULT_REPEAT_MINUTES) {
    this.repeatMinutes = repeatMinutes;
  }

  /** Feeds minute t's firing state; returns whether it sends a page. `count` false = warm-up (state only). */
  observe(t: number, firing: boolean, count = true): boolean {
    const page = firing && (!this.firing || t - this.lastPage >= this.repeatMinutes);
    this.firing = firing;
    if (page) this.lastPage = t;
    if (page && count) this.pages++;
    return page && count;
  }
}

/**
 * Minutes at which a page is sent (see {@link PageCounter}), for t ≥ from. A rule
 * that stays firing pages once per repeat interval, as an Alertmanager group would;
 * a detector that alarms on consecutive minutes likewise.
 */
export function pageMinutes(firing: ArrayLike<number | boolean>, from = 0, repeatMinutes = DEFAULT_REPEAT_MINUTES): number[] {
  const counter = new PageCounter(repeatMinutes);
  const pages: number[] = [];
  for (let t = 0; t < firing.length; t++) {
    if (counter.observe(t, Boolean(firing[t]), t >= from)) pages.push(t);
  }
  return pages;
}

/** Number of pages (see {@link PageCounter}) when firing means score[t] > threshold, for t ≥ from. */
export function countScorePages(score: ArrayLike<number>, threshold: number, from = 0, repeatMinutes = DEFAULT_REPEAT_MINUTES): number {
  const counter = new PageCounter(repeatMinutes);
  for (let t = 0; t < score.length; t++) counter.observe(t, score[t]! > threshold, t >= from);
  return counter.pages;
}

/**
 * Smallest threshold in [low, high] whose page count is ≤ allowed, by bisection.
 * Page counts fall as the threshold rises (up to rare splits of one episode into
 * two), so bisection lands on the boundary; `high` must already pass. Thresholds
 * are compared to 1e-12 relative precision.
 */
export function smallestPassingThreshold(count: (threshold: number) => number, allowed: number, low: number, high: number, iterations = 60): number {
  let lo = low;
  let hi = high;
  for (let i = 0; i < iterations && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (count(mid) <= allowed) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * How many false pages a calibration run of `days` days may show so that, at 95%
 * confidence, the true rate is within `targetPer30Days`: the largest k whose exact
 * one-sided Poisson upper bound is ≤ target × days / 30. Calibrating to the raw
 * target would leave the detector over budget about half the time.
 */
export function allowedCalibrationPages(targetPer30Days: number, days: number, confidence = 0.95): number {
  const budget = (targetPer30Days * days) / 30;
  let k = -1;
  while (poissonUpperBound(k + 1, confidence) <= budget) k++;
  return k;
}
