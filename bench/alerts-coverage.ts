/**
 * Exact coverage of the binomial interval methods on the project grid
 * (n = 20, 100, 1000 × p = 0.1%, 1%, 10%), as quoted in packages/stats/README.md.
 *
 *   npm exec -- node bench/alerts-coverage.ts
 *
 * Deterministic: sums binomial probabilities, no simulation.
 */
import { coverageTable, formatCoverageTable } from '../packages/stats/src/index.ts';

process.stdout.write('Exact coverage at nominal 95% (mean interval width in parentheses)\n\n');
process.stdout.write(`${formatCoverageTable(coverageTable())}\n`);
