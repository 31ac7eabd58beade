/** Public types of @behavior-rate/stats. */

/** A confidence interval for a proportion, both ends in [0, 1]. */
export interface Interval {
  low: number;
  high: number;
}

/** Interval methods accepted by {@link rate}. */
export type IntervalMethod = 'wilson' | 'jeffreys' | 'clopper-pearson';

/** Options of `rate()`. */
export interface RateOptions {
  /** Interval method. Default `'wilson'`. */
  method?: IntervalMethod;
  /** Two-sided confidence level in (0, 1). Default `0.95`. */
  confidence?: number;
}

/**
 * A behavior rate with its interval, in the snake_case shape the sidecar emits.
 * `rate` is null when there were no calls (then ci_low 0, ci_high 1).
 */
export interface BehaviorRate {
  calls: number;
  hits: number;
  rate: number | null;
  ci_low: number;
  ci_high: number;
}
