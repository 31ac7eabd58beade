/**
 * Markdown rendering of detection-quality results, shared by the bench script and
 * anything that wants to print the same table.
 */
import type { DelayFigure, DetectorName, DetectorResult } from './detection.ts';

/** Results of one scenario, labelled by its traffic. */
export interface ScenarioResults {
  callsPerMinute: number;
  baseRate: number;
  results: DetectorResult[];
  /** Overrides of the method labels, e.g. to tell CUSUM variants apart. */
  labels?: Partial<Record<DetectorName, string>>;
}

/** Display names of the methods. */
export const DETECTOR_LABELS: Record<DetectorName, string> = {
  cusum: 'CUSUM (ours)',
  'burn-rate-calibrated': 'SRE burn-rate pages, calibrated objective',
  'burn-rate-conventional': 'SRE burn-rate pages, objective 1.5× base',
  'static-calibrated': 'static 5m threshold, calibrated',
};

function formatDelay(d: DelayFigure | undefined, horizonMinutes: number): string {
  if (d === undefined) return '';
  // Floor, so that 999 of 1000 reads 99.9%, never a rounded-up 100%.
  const caught = `${Math.floor(1000 * d.detectedShare) / 10}% caught`;
  if (d.medianMinutes === null) return `>${horizonMinutes} (${caught})`;
  return d.detectedShare < 1 ? `${d.medianMinutes} (${caught})` : String(d.medianMinutes);
}

/**
 * One row per (scenario, method): settings, false pages per 30 days on stable
 * traffic, and median minutes to the first page for each shift factor.
 */
export function formatDetectionTable(scenarios: readonly ScenarioResults[], horizonMinutes = 720): string {
  const factors = [...new Set(scenarios.flatMap((s) => s.results.flatMap((r) => r.delays.map((d) => d.factor))))];
  const header = `| calls/min | base rate | method | tuned setting | false pages / 30 d | ${factors.map((f) => `median min to page, ${f}×`).join(' | ')} |`;
  const rule = `|---:|---:|---|---|---:|${factors.map(() => '---:').join('|')}|`;
  const rows = scenarios.flatMap((s) =>
    s.results.map((r) => {
      const delays = factors.map((f) => formatDelay(r.delays.find((d) => d.factor === f), horizonMinutes));
      return `| ${s.callsPerMinute} | ${(100 * s.baseRate).toFixed(1)}% | ${s.labels?.[r.detector] ?? DETECTOR_LABELS[r.detector]} | ${r.setting} | ${r.falsePagesPer30Days.toFixed(2)} (${r.falsePages} in ${r.stableDays} d) | ${delays.join(' | ')} |`;
    }),
  );
  return [header, rule, ...rows].join('\n');
}

/** Our detector against one peer for one shift factor. */
export interface DelayComparison {
  ours: number | null;
  peer: number | null;
  /** peer ÷ ours; Infinity when the peer missed and we did not; null when we missed. */
  speedup: number | null;
  oursFalsePagesPer30Days: number;
  peerFalsePagesPer30Days: number;
}

/** Median delay of CUSUM vs `peer` at `factor` in one scenario, with both false-page rates. */
export function compareDelays(results: readonly DetectorResult[], peer: DetectorName, factor: number): DelayComparison {
  const find = (name: DetectorName): DetectorResult => {
    const r = results.find((x) => x.detector === name);
    if (r === undefined) throw new RangeError(`compareDelays: no results for ${name}`);
    return r;
  };
  const oursResult = find('cusum');
  const peerResult = find(peer);
  const ours = oursResult.delays.find((d) => d.factor === factor)?.medianMinutes ?? null;
  const theirs = peerResult.delays.find((d) => d.factor === factor)?.medianMinutes ?? null;
  return {
    ours,
    peer: theirs,
    speedup: ours === null ? null : theirs === null ? Number.POSITIVE_INFINITY : theirs / ours,
    oursFalsePagesPer30Days: oursResult.falsePagesPer30Days,
    peerFalsePagesPer30Days: peerResult.falsePagesPer30Days,
  };
}
