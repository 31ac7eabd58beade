/**
 * What a window is compared with: the trailing period just before it (sliding with
 * every point), or one fixed period a person chose as "normal".
 */
export type Baseline = { kind: 'trailing'; minutes: number } | { kind: 'pinned'; from: Date; to: Date };

/** Series steps, in seconds. */
export const DRIFT_STEPS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600 } as const;
export type DriftStep = keyof typeof DRIFT_STEPS;

/** Default baseline: the trailing 24 hours, long enough to hold a daily cycle. */
export const DEFAULT_BASELINE: Baseline = { kind: 'trailing', minutes: 1440 };

/** Answers are refused beyond this many points: at 1-minute steps, a week. */
export const MAX_POINTS = 10_080;

/** Baseline parameters of the parameterized views: trailing seconds, or 0 and a pinned range. */
export function baselineParams(baseline: Baseline): { baseline: number; pinned_from: number; pinned_to: number } {
  return baseline.kind === 'trailing'
    ? { baseline: baseline.minutes * 60, pinned_from: 0, pinned_to: 0 }
    : { baseline: 0, pinned_from: unixSeconds(baseline.from), pinned_to: unixSeconds(baseline.to) };
}

/** The baseline as the API reports it. */
export function describeBaseline(baseline: Baseline): { kind: 'trailing'; minutes: number } | { kind: 'pinned'; from: string; to: string } {
  return baseline.kind === 'trailing' ? baseline : { kind: 'pinned', from: baseline.from.toISOString(), to: baseline.to.toISOString() };
}

/** The points of a range: every step from `from` (floored to the minute) while before `to`. */
export function pointRange(from: Date, to: Date, step: DriftStep): { start: number; end: number; step: number; count: number } {
  const stepSeconds = DRIFT_STEPS[step];
  const start = Math.floor(from.getTime() / 60_000) * 60;
  const end = Math.ceil(to.getTime() / 1000);
  return { start, end, step: stepSeconds, count: Math.max(0, Math.ceil((end - start) / stepSeconds)) };
}

/**
 * The bounds, in Unix seconds, of the window ending with the minute at `t` and of its
 * baseline, as the `{ws}`/`{we}`/`{bs}`/`{be}` parameters of a window-vs-baseline query.
 */
export function windowBounds(t: number, windowMinutes: number, baseline: Baseline): { ws: number; we: number; bs: number; be: number } {
  const we = t + 60;
  const ws = we - windowMinutes * 60;
  return baseline.kind === 'trailing'
    ? { ws, we, bs: ws - baseline.minutes * 60, be: ws }
    : { ws, we, bs: unixSeconds(baseline.from), be: unixSeconds(baseline.to) };
}

export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

export function isoFromSeconds(seconds: number | string): string {
  return new Date(Number(seconds) * 1000).toISOString();
}
