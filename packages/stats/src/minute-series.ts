/**
 * Per-minute counts, the unit every detector and alert rule works on. Detectors
 * accept either an array of { hits, calls } (convenient for callers) or columns of
 * numbers (what the simulations produce, without one object per minute).
 */

/** Calls and hits (calls showing the behavior) in one minute. */
export interface MinuteCount {
  hits: number;
  calls: number;
}

/** The same data as columns: hits[i] and calls[i] belong to minute i. */
export interface MinuteSeries {
  hits: ArrayLike<number>;
  calls: ArrayLike<number>;
}

/** Either shape of per-minute counts. */
export type MinuteCounts = readonly MinuteCount[] | MinuteSeries;

/** Columns view of either shape, validated (integers, 0 ≤ hits ≤ calls). */
export function toMinuteSeries(fn: string, input: MinuteCounts): MinuteSeries {
  let series: MinuteSeries;
  if (Array.isArray(input)) {
    const rows = input as readonly MinuteCount[];
    series = { hits: rows.map((m) => m.hits), calls: rows.map((m) => m.calls) };
  } else {
    series = input as MinuteSeries;
  }
  if (series.hits.length !== series.calls.length) {
    throw new RangeError(`${fn}: hits and calls must have the same length, got ${series.hits.length} and ${series.calls.length}`);
  }
  for (let i = 0; i < series.calls.length; i++) {
    const calls = series.calls[i]!;
    const hits = series.hits[i]!;
    if (!Number.isSafeInteger(calls) || calls < 0 || !Number.isSafeInteger(hits) || hits < 0 || hits > calls) {
      throw new RangeError(`${fn}: minute ${i} must have integer counts with 0 ≤ hits ≤ calls, got hits = ${String(hits)}, calls = ${String(calls)}`);
    }
  }
  return series;
}

/** Prefix sums so any window's totals cost O(1): sum over [a, b) = prefix[b] − prefix[a]. */
export interface PrefixSums {
  hits: Float64Array;
  calls: Float64Array;
}

/** Prefix sums of a series (length + 1 entries, starting at 0). */
export function prefixSums(series: MinuteSeries): PrefixSums {
  const length = series.calls.length;
  const hits = new Float64Array(length + 1);
  const calls = new Float64Array(length + 1);
  for (let i = 0; i < length; i++) {
    hits[i + 1] = hits[i]! + series.hits[i]!;
    calls[i + 1] = calls[i]! + series.calls[i]!;
  }
  return { hits, calls };
}

/**
 * Rate over the `width` minutes ending at minute t (inclusive); minutes before the
 * start of the series count as absent. NaN when the window has no calls.
 */
export function windowRate(sums: PrefixSums, t: number, width: number): number {
  const from = Math.max(0, t + 1 - width);
  const calls = sums.calls[t + 1]! - sums.calls[from]!;
  return (sums.hits[t + 1]! - sums.hits[from]!) / calls;
}

/** Calls in the `width` minutes ending at minute t (inclusive). */
export function windowCalls(sums: PrefixSums, t: number, width: number): number {
  const from = Math.max(0, t + 1 - width);
  return sums.calls[t + 1]! - sums.calls[from]!;
}
