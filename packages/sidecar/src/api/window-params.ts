import { DRIFT_STEPS, MAX_POINTS, pointRange, type Baseline, type DriftStep } from '../drift/baseline.ts';
import { BadRequestError, parseTimestamp } from './context.ts';

/** Query parameters shared by the window-vs-baseline routes (drift, traffic mix). */
export interface WindowQuerystring {
  from: string;
  to: string;
  step?: DriftStep;
  window?: string;
  baseline?: string;
  baseline_from?: string;
  baseline_to?: string;
  model?: string;
}

/** JSON Schema properties for {@link WindowQuerystring}. */
export const WINDOW_PROPERTIES = {
  from: { type: 'string' },
  to: { type: 'string' },
  step: { type: 'string', enum: Object.keys(DRIFT_STEPS) },
  window: { type: 'string' },
  baseline: { type: 'string' },
  baseline_from: { type: 'string' },
  baseline_to: { type: 'string' },
  model: { type: 'string', minLength: 1, maxLength: 256 },
} as const;

/** Longest window or trailing baseline: a week. */
const MAX_MINUTES = 7 * 1440;

/** A duration such as 10m, 24h or 7d, in whole minutes; the message names the parameter. */
export function parseMinutes(name: string, value: string): number {
  const match = /^(\d{1,6})(m|h|d)$/.exec(value);
  const minutes = match === null ? Number.NaN : Number(match[1]) * { m: 1, h: 60, d: 1440 }[match[2] as 'm' | 'h' | 'd'];
  if (!(minutes >= 1 && minutes <= MAX_MINUTES)) {
    throw new BadRequestError(`${name}: expected a duration from 1m to 7d such as 10m, 24h or 7d, got ${JSON.stringify(value)}`);
  }
  return minutes;
}

export interface ParsedWindow {
  from: Date;
  to: Date;
  step: DriftStep;
  windowMinutes: number | undefined;
  baseline: Baseline | undefined;
}

/** Checks the range, the step's point count, the window and the baseline; messages name the parameter. */
export function parseWindowQuery(q: WindowQuerystring, defaultStep: DriftStep): ParsedWindow {
  const from = parseTimestamp('from', q.from);
  const to = parseTimestamp('to', q.to);
  if (to <= from) throw new BadRequestError(`to: must be after from (${from.toISOString()})`);
  const step = q.step ?? defaultStep;
  if (pointRange(from, to, step).count > MAX_POINTS) {
    throw new BadRequestError(`step: ${step} over this range gives more than ${MAX_POINTS} points; use a larger step or a shorter range`);
  }
  const windowMinutes = q.window === undefined ? undefined : parseMinutes('window', q.window);
  let baseline: Baseline | undefined;
  if (q.baseline_from !== undefined || q.baseline_to !== undefined) {
    if (q.baseline !== undefined) throw new BadRequestError('baseline: give either a trailing baseline or baseline_from and baseline_to, not both');
    if (q.baseline_from === undefined) throw new BadRequestError('baseline_from: required with baseline_to');
    if (q.baseline_to === undefined) throw new BadRequestError('baseline_to: required with baseline_from');
    const pinnedFrom = parseTimestamp('baseline_from', q.baseline_from);
    const pinnedTo = parseTimestamp('baseline_to', q.baseline_to);
    if (pinnedTo <= pinnedFrom) throw new BadRequestError(`baseline_to: must be after baseline_from (${pinnedFrom.toISOString()})`);
    baseline = { kind: 'pinned', from: pinnedFrom, to: pinnedTo };
  } else if (q.baseline !== undefined) {
    baseline = { kind: 'trailing', minutes: parseMinutes('baseline', q.baseline) };
  }
  return { from, to, step, windowMinutes, baseline };
}
