/**
 * Exact coverage of the interval methods: the probability, under Binomial(n, p),
 * that the interval computed from the observed x contains the true p. Summing the
 * binomial PMF over x is exact and deterministic, unlike coverage by simulation.
 */
import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf';
import { INTERVAL_METHODS } from './binomial-intervals.ts';
import type { IntervalMethod } from './types.ts';
import { assertCalls, assertConfidence, assertOpenProbability } from './validate.ts';

/** Coverage and expected width of one method at one (n, p). */
export interface CoverageFigure {
  method: IntervalMethod;
  n: number;
  p: number;
  /** P(low ≤ p ≤ high), exact. */
  coverage: number;
  /** E[high − low], exact. */
  expectedWidth: number;
}

/**
 * Exact coverage and expected width of `method` at sample size `n` and true rate `p`.
 *
 * @param confidence nominal two-sided level, default 0.95
 * @throws RangeError on an unknown method, n not a positive integer, p outside (0, 1), or bad confidence
 */
export function exactCoverage(method: IntervalMethod, n: number, p: number, confidence = 0.95): CoverageFigure {
  assertCalls('exactCoverage', n);
  if (n === 0) throw new RangeError('exactCoverage: n (calls) must be at least 1, got 0');
  assertOpenProbability('exactCoverage', 'p', p);
  assertConfidence('exactCoverage', confidence);
  const interval = Object.hasOwn(INTERVAL_METHODS, method) ? INTERVAL_METHODS[method] : undefined;
  if (interval === undefined) {
    throw new RangeError(`exactCoverage: method must be one of ${Object.keys(INTERVAL_METHODS).join(', ')}, got ${String(method)}`);
  }
  let coverage = 0;
  let expectedWidth = 0;
  for (let x = 0; x <= n; x++) {
    const mass = binomialPmf(x, n, p);
    // Far tails contribute nothing measurable; skipping them keeps n = 10⁵ cheap.
    if (mass < 1e-16) continue;
    const { low, high } = interval(x, n, confidence);
    if (low <= p && p <= high) coverage += mass;
    expectedWidth += mass * (high - low);
  }
  return { method, n, p, coverage, expectedWidth };
}

/** Options of {@link coverageTable}. */
export interface CoverageTableOptions {
  /** Sample sizes. Default `[20, 100, 1000]`. */
  ns?: readonly number[];
  /** True rates. Default `[0.001, 0.01, 0.1]` (0.1%, 1%, 10%). */
  rates?: readonly number[];
  /** Methods. Default all three: wilson, jeffreys, clopper-pearson. */
  methods?: readonly IntervalMethod[];
  /** Nominal two-sided level. Default `0.95`. */
  confidence?: number;
}

/** Exact coverage for every (method, n, rate) of the grid, in method → n → rate order. */
export function coverageTable(options: CoverageTableOptions = {}): CoverageFigure[] {
  const ns = options.ns ?? [20, 100, 1000];
  const rates = options.rates ?? [0.001, 0.01, 0.1];
  const methods = options.methods ?? (['wilson', 'jeffreys', 'clopper-pearson'] as const);
  const confidence = options.confidence ?? 0.95;
  const figures: CoverageFigure[] = [];
  for (const method of methods) {
    for (const n of ns) {
      for (const p of rates) figures.push(exactCoverage(method, n, p, confidence));
    }
  }
  return figures;
}

function percent(v: number, digits: number): string {
  return `${(100 * v).toFixed(digits)}%`;
}

/**
 * Markdown table of coverage figures: one row per (method, n), one column per rate,
 * each cell "coverage (mean width)".
 */
export function formatCoverageTable(figures: readonly CoverageFigure[]): string {
  const rates = [...new Set(figures.map((f) => f.p))];
  const rows = new Map<string, CoverageFigure[]>();
  for (const f of figures) {
    const key = `${f.method}|${f.n}`;
    rows.set(key, [...(rows.get(key) ?? []), f]);
  }
  const header = `| method | n | ${rates.map((p) => `p = ${percent(p, 1)}`).join(' | ')} |`;
  const rule = `|---|---:|${rates.map(() => '---:').join('|')}|`;
  const body = [...rows.values()].map((row) => {
    const cells = rates.map((p) => {
      const f = row.find((r) => r.p === p);
      return f === undefined ? '' : `${percent(f.coverage, 1)} (${percent(f.expectedWidth, 2)})`;
    });
    return `| ${row[0]!.method} | ${row[0]!.n} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...body].join('\n');
}
