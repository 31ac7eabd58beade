import { durationOption } from './command.ts';

/** The range `--since D` means: D back from the end of the current minute, so the current minute is included. */
export function sinceRange(since: string, now = Date.now()): { from: Date; to: Date } {
  const sinceMs = durationOption('since', since);
  const to = new Date(Math.ceil((now + 1) / 60_000) * 60_000);
  return { from: new Date(to.getTime() - sinceMs), to };
}

/** "2026-01-31 12:05" (UTC), short enough for tables. */
export function shortTime(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

/** A number with fixed decimals, or an em dash for none. */
export function fixed(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

const BARS = '▁▂▃▄▅▆▇█';

/** One character per value scaled to [0, top]; a space for no value. */
export function sparkline(values: readonly (number | null)[], top: number): string {
  return values
    .map((value) => (value === null ? ' ' : BARS[Math.min(BARS.length - 1, Math.max(0, Math.floor((value / top) * BARS.length)))]))
    .join('');
}

/** Fits a long series into `width` characters by keeping the largest value of each stretch. */
export function squeeze(values: readonly (number | null)[], width: number): (number | null)[] {
  if (values.length <= width) return [...values];
  const out: (number | null)[] = [];
  for (let i = 0; i < width; i++) {
    const part = values.slice(Math.floor((i * values.length) / width), Math.floor(((i + 1) * values.length) / width)).filter((v): v is number => v !== null);
    out.push(part.length === 0 ? null : Math.max(...part));
  }
  return out;
}
