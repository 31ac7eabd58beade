/**
 * The SRE Workbook's multiwindow, multi-burn-rate alert rules (SPECS §4), evaluated
 * over a per-minute series. Here the objective is the maximum acceptable bad rate
 * (the error budget as a rate), so burn rate = window rate ÷ objective.
 */
import type { MinuteCounts, MinuteSeries, PrefixSums } from './minute-series.ts';
import { prefixSums, toMinuteSeries, windowCalls, windowRate } from './minute-series.ts';

/** One multiwindow rule: fires when both windows burn faster than `burnRate`. */
export interface BurnRateRule {
  severity: 'page' | 'ticket';
  longMinutes: number;
  shortMinutes: number;
  burnRate: number;
}

/** The Workbook's set for a 30-day budget: pages at 14.4 (1h & 5m) and 6 (6h & 30m), tickets at 3 (1d & 2h) and 1 (3d & 6h). */
export const SRE_BURN_RATE_RULES: readonly BurnRateRule[] = Object.freeze([
  { severity: 'page', longMinutes: 60, shortMinutes: 5, burnRate: 14.4 },
  { severity: 'page', longMinutes: 360, shortMinutes: 30, burnRate: 6 },
  { severity: 'ticket', longMinutes: 1440, shortMinutes: 120, burnRate: 3 },
  { severity: 'ticket', longMinutes: 4320, shortMinutes: 360, burnRate: 1 },
]);

/** Options of {@link burnRateAlerts}. */
export interface BurnRateOptions {
  /** Maximum acceptable bad rate, 0 < objective < 1. Required. */
  objective: number;
  /** Rules to evaluate. Default {@link SRE_BURN_RATE_RULES}. */
  rules?: readonly BurnRateRule[];
  /**
   * Minimum calls in a rule's long window for it to fire. Default 0 (no gate). A gate
   * stops a single bad call in a quiet hour from paging (the low-traffic weakness
   * noted by Sloth and Pyrra users).
   */
  minCalls?: number;
}

/** Per-minute firing state of the page and ticket rules. */
export interface BurnRateAlerts {
  page: boolean[];
  ticket: boolean[];
}

/**
 * Per minute, the largest objective at which some rule of `severity` would fire:
 * max over rules of min(long-window rate, short-window rate) / burnRate. A rule
 * fires iff objective < score. Windows with no calls (rate NaN) or below the
 * traffic gate score 0, i.e. never fire.
 */
export function burnRateScore(series: MinuteSeries, severity: BurnRateRule['severity'], rules: readonly BurnRateRule[] = SRE_BURN_RATE_RULES, minCalls = 0, sums: PrefixSums = prefixSums(series)): Float64Array {
  const selected = rules.filter((r) => r.severity === severity);
  const score = new Float64Array(series.calls.length);
  for (let t = 0; t < score.length; t++) {
    let best = 0;
    for (const rule of selected) {
      if (windowCalls(sums, t, rule.longMinutes) < minCalls) continue;
      const worst = Math.min(windowRate(sums, t, rule.longMinutes), windowRate(sums, t, rule.shortMinutes));
      // NaN (a window without calls) fails this comparison and so never fires.
      if (worst / rule.burnRate > best) best = worst / rule.burnRate;
    }
    score[t] = best;
  }
  return score;
}

/**
 * Evaluates the multiwindow multi-burn-rate rules minute by minute: a severity is
 * firing when any of its rules has both windows' burn rate strictly above the
 * rule's threshold. Windows are trailing and include the current minute; minutes
 * before the series start count as absent.
 *
 * @throws RangeError unless 0 < objective < 1, or on invalid counts
 */
export function burnRateAlerts(minutes: MinuteCounts, options: BurnRateOptions): BurnRateAlerts {
  const series = toMinuteSeries('burnRateAlerts', minutes);
  const { objective } = options;
  if (!(Number.isFinite(objective) && objective > 0 && objective < 1)) {
    throw new RangeError(`burnRateAlerts: objective must be a bad rate with 0 < objective < 1, got ${String(objective)}`);
  }
  const rules = options.rules ?? SRE_BURN_RATE_RULES;
  const minCalls = options.minCalls ?? 0;
  const sums = prefixSums(series);
  const fires = (severity: BurnRateRule['severity']): boolean[] => Array.from(burnRateScore(series, severity, rules, minCalls, sums), (s) => s > objective);
  return { page: fires('page'), ticket: fires('ticket') };
}
