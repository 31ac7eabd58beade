import type { SimClockConfig } from './types.ts';

/** Simulated time, in epoch milliseconds, and the minute of the scenario it falls in. */
export interface SimClock {
  now(): number;
  minute(): number;
}

export function createClock(config: SimClockConfig = {}): SimClock {
  if ('now' in config) {
    const explicitNow = config.now;
    const startMs = config.startMs ?? explicitNow();
    return { now: explicitNow, minute: () => Math.floor((explicitNow() - startMs) / 60_000) };
  }
  // Compression 60 makes one real second one simulated minute.
  const compression = config.compression ?? 1;
  if (!(compression > 0)) throw new Error(`clock.compression must be > 0, got ${compression}`);
  const realStart = Date.now();
  const startMs = config.startMs ?? realStart;
  const now = (): number => startMs + (Date.now() - realStart) * compression;
  return { now, minute: () => Math.floor((now() - startMs) / 60_000) };
}
