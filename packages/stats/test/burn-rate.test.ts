import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SRE_BURN_RATE_RULES, burnRateAlerts, staticThresholdAlerts } from '../src/index.ts';
import type { BurnRateRule, MinuteCount } from '../src/index.ts';

/** Sums over the trailing window the slow way. */
function windowTotals(minutes: readonly MinuteCount[], t: number, width: number): { hits: number; calls: number } {
  let hits = 0;
  let calls = 0;
  for (let k = Math.max(0, t - width + 1); k <= t; k++) {
    hits += minutes[k]!.hits;
    calls += minutes[k]!.calls;
  }
  return { hits, calls };
}

/** Burn-rate rules written out from SPECS §4: both windows' rate ÷ objective above the burn rate. */
function reference(minutes: readonly MinuteCount[], objective: number, rules: readonly BurnRateRule[], severity: string, minCalls = 0): boolean[] {
  return minutes.map((_, t) =>
    rules
      .filter((r) => r.severity === severity)
      .some((r) => {
        const long = windowTotals(minutes, t, r.longMinutes);
        const short = windowTotals(minutes, t, r.shortMinutes);
        if (long.calls < minCalls || long.calls === 0 || short.calls === 0) return false;
        return long.hits / long.calls / objective > r.burnRate && short.hits / short.calls / objective > r.burnRate;
      }),
  );
}

const SMALL_RULES: readonly BurnRateRule[] = [
  { severity: 'page', longMinutes: 12, shortMinutes: 3, burnRate: 4 },
  { severity: 'page', longMinutes: 30, shortMinutes: 6, burnRate: 2 },
  { severity: 'ticket', longMinutes: 60, shortMinutes: 10, burnRate: 1 },
];
const minutesArb = fc.array(
  fc.integer({ min: 0, max: 30 }).chain((calls) => fc.record({ calls: fc.constant(calls), hits: fc.integer({ min: 0, max: Math.min(calls, 3) }) })),
  { minLength: 1, maxLength: 150 },
);

describe('burnRateAlerts', () => {
  it('agrees with a direct evaluation of the multiwindow rules', () => {
    fc.assert(
      fc.property(minutesArb, fc.double({ min: 0.005, max: 0.2, noNaN: true }), fc.integer({ min: 0, max: 100 }), (minutes, objective, minCalls) => {
        const got = burnRateAlerts(minutes, { objective, rules: SMALL_RULES, minCalls });
        expect(got.page).toEqual(reference(minutes, objective, SMALL_RULES, 'page', minCalls));
        expect(got.ticket).toEqual(reference(minutes, objective, SMALL_RULES, 'ticket', minCalls));
      }),
    );
  });

  it('pages on the 1h & 5m rule once the hour has burnt 14.4× (hand-computed minutes)', () => {
    // Objective 1%, 100 calls/min, clean for 400 minutes (every page window full),
    // then half the calls bad. The 5m window is over 14.4% at once; the 1h window
    // is 0.5·k/60 after k bad minutes, above 0.144 first at k = 18 (the 6h & 30m
    // rule needs 0.5·k/360 > 0.06, k = 44).
    const minutes = [...Array.from({ length: 400 }, () => ({ hits: 0, calls: 100 })), ...Array.from({ length: 30 }, () => ({ hits: 50, calls: 100 }))];
    const { page, ticket } = burnRateAlerts(minutes, { objective: 0.01 });
    expect(page.indexOf(true)).toBe(400 + 17);
    // Tickets: the 3d window holds only the 400 + k minutes that exist, so 3d & 6h
    // at 1× needs 0.5·k/(400 + k) > 0.01 (k ≥ 9) and 0.5·k/360 > 0.01 (k ≥ 8).
    expect(ticket.indexOf(true)).toBe(400 + 8);
  });

  it('never fires on minutes without traffic, and the traffic gate silences a lone bad call', () => {
    const empty = Array.from({ length: 400 }, () => ({ hits: 0, calls: 0 }));
    expect(burnRateAlerts(empty, { objective: 0.01 }).page.some(Boolean)).toBe(false);
    const lonely = [...empty, { hits: 1, calls: 2 }];
    expect(burnRateAlerts(lonely, { objective: 0.01 }).page.at(-1)).toBe(true);
    expect(burnRateAlerts(lonely, { objective: 0.01, minCalls: 100 }).page.at(-1)).toBe(false);
  });

  it('ships the Workbook rules and validates the objective', () => {
    expect(SRE_BURN_RATE_RULES.map((r) => [r.severity, r.longMinutes, r.shortMinutes, r.burnRate])).toEqual([
      ['page', 60, 5, 14.4],
      ['page', 360, 30, 6],
      ['ticket', 1440, 120, 3],
      ['ticket', 4320, 360, 1],
    ]);
    expect(() => burnRateAlerts([], { objective: 0 })).toThrow(/objective must be a bad rate with 0 < objective < 1, got 0/);
  });
});

describe('staticThresholdAlerts', () => {
  it('fires when the trailing-window rate exceeds objective × factor', () => {
    fc.assert(
      fc.property(minutesArb, fc.double({ min: 0.005, max: 0.2, noNaN: true }), fc.integer({ min: 1, max: 10 }), (minutes, objective, windowMinutes) => {
        const got = staticThresholdAlerts(minutes, { objective, factor: 3, windowMinutes });
        const want = minutes.map((_, t) => {
          const w = windowTotals(minutes, t, windowMinutes);
          return w.calls > 0 && w.hits / w.calls > objective * 3;
        });
        expect(got).toEqual(want);
      }),
    );
  });

  it('defaults to a 5-minute window and factor 2', () => {
    const minutes = [...Array.from({ length: 10 }, () => ({ hits: 0, calls: 100 })), { hits: 11, calls: 100 }];
    // 11 hits in 500 calls = 2.2% > 2 × 1%.
    expect(staticThresholdAlerts(minutes, { objective: 0.01 }).at(-1)).toBe(true);
    expect(staticThresholdAlerts(minutes, { objective: 0.011 }).at(-1)).toBe(false);
    expect(() => staticThresholdAlerts(minutes, { objective: 0.01, windowMinutes: 0 })).toThrow(/windowMinutes must be a positive integer/);
  });
});
