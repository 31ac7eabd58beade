/** Formats a duration in seconds the way Prometheus reads it (e.g. 5m, 1h30m, 1d, 2s500ms). */
export function promDuration(seconds: number): string {
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new RangeError(`promDuration: expected a positive duration, got ${String(seconds)}`);
  let ms = Math.round(seconds * 1000);
  if (ms === 0) throw new RangeError(`promDuration: ${seconds}s is below Prometheus's 1ms resolution`);
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let out = '';
  for (const [unit, size] of units) {
    const count = Math.floor(ms / size);
    if (count > 0) {
      out += `${count}${unit}`;
      ms -= count * size;
    }
  }
  return out;
}

/** A nominal window name like "5m", "6h", "1d" for minutes (unscaled), used in record names. */
export function windowName(minutes: number): string {
  return promDuration(minutes * 60);
}
