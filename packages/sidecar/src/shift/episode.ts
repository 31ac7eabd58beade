import { cusumStep, cusumWeights, type CusumRates, type MinuteCount } from '@behavior-rate/stats';

/** Where a detector stands after the last evaluated minute. */
export interface ShiftEpisodeState {
  /** The Bernoulli CUSUM statistic S_t = max(0, S_{t−1} + inc_t), in nats, never reset by an alarm. */
  statistic: number;
  /** True from the minute S_t reached the threshold until S_t is back at 0. */
  alarm: boolean;
  /** Index of the minute the current alarm episode began, or null. */
  alarmFrom: number | null;
  /**
   * Index of the first minute of the current run of S_t > 0: the CUSUM's estimate of
   * when the shift began. Null while S_t = 0.
   */
  changeFrom: number | null;
  /** Hits and calls from `changeFrom` to the last minute (0 while S_t = 0). */
  hitsSinceChange: number;
  callsSinceChange: number;
  /** Alarm episodes that began within the series. */
  episodes: number;
}

/**
 * Runs the shift detector over per-minute counts. An alarm episode starts when the
 * CUSUM statistic reaches `threshold` and lasts until the statistic returns to 0,
 * i.e. until the evidence for the shift is used up; then a new episode needs the
 * statistic to climb from 0 to the threshold again.
 *
 * Why this is held to the calibrated false-alarm rate: `calibrateThreshold` counts
 * alarms of a CUSUM that restarts from 0 after each alarm. That CUSUM is never above
 * this one (restarting only lowers it), so whenever this statistic is 0 both are, and
 * from there they climb identically: every episode start here is an alarm there.
 * Episodes ≤ calibrated alarms, so the page budget holds, while the alert stays
 * firing for as long as the shift persists instead of flapping.
 */
export function runShiftEpisodes(minutes: readonly MinuteCount[], rates: CusumRates, threshold: number): ShiftEpisodeState {
  if (!(threshold > 0)) throw new RangeError(`runShiftEpisodes: threshold must be > 0, got ${String(threshold)}`);
  const weights = cusumWeights(rates);
  const state: ShiftEpisodeState = { statistic: 0, alarm: false, alarmFrom: null, changeFrom: null, hitsSinceChange: 0, callsSinceChange: 0, episodes: 0 };
  minutes.forEach((minute, t) => {
    const before = state.statistic;
    state.statistic = cusumStep(before, minute, weights);
    if (state.statistic === 0) {
      state.changeFrom = null;
      state.hitsSinceChange = 0;
      state.callsSinceChange = 0;
      state.alarm = false;
      state.alarmFrom = null;
      return;
    }
    if (before === 0) {
      state.changeFrom = t;
      state.hitsSinceChange = 0;
      state.callsSinceChange = 0;
    }
    state.hitsSinceChange += minute.hits;
    state.callsSinceChange += minute.calls;
    if (!state.alarm && state.statistic >= threshold) {
      state.alarm = true;
      state.alarmFrom = t;
      state.episodes += 1;
    }
  });
  return state;
}
