/** The time ranges an investigation compares, all minute-aligned (the per-minute tables' grain). */
export interface IncidentWindow {
  /** The incident call's start, epoch ms. */
  atMs: number;
  windowMinutes: number;
  baselineMinutes: number;
  /** [at − window, at + window): the incident window. */
  during: TimeRange;
  /** The `baselineMinutes` just before the incident window. */
  before: TimeRange;
}

export interface TimeRange {
  from: Date;
  to: Date;
}

/** Default half-width of the incident window: ±30 minutes. */
export const DEFAULT_WINDOW_MINUTES = 30;
/** Default baseline before the window: 6 hours, enough calls for a rate at modest traffic. */
export const DEFAULT_BASELINE_MINUTES = 360;

const MINUTE = 60_000;

/**
 * The incident window around `atMs`: ±`windowMinutes` (default 30), widened to whole
 * minutes, and the `baselineMinutes` (default 360) before it.
 */
export function incidentWindow(atMs: number, windowMinutes = DEFAULT_WINDOW_MINUTES, baselineMinutes = DEFAULT_BASELINE_MINUTES): IncidentWindow {
  const from = Math.floor((atMs - windowMinutes * MINUTE) / MINUTE) * MINUTE;
  const to = Math.ceil((atMs + windowMinutes * MINUTE + 1) / MINUTE) * MINUTE;
  return {
    atMs,
    windowMinutes,
    baselineMinutes,
    during: { from: new Date(from), to: new Date(to) },
    before: { from: new Date(from - baselineMinutes * MINUTE), to: new Date(from) },
  };
}
