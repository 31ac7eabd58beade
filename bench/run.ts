// `npm run bench`: every benchmark in its own process (chDB allows one engine per
// process), in a fixed order, printed as one Markdown report on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './machine.ts';

/** Report sections in order; a benchmark not present in this checkout is listed as missing. */
const BENCHMARKS = ['ingest.ts', 'instrumentation.ts', 'rates.ts', 'replay.ts', 'alerts.ts', 'canary.ts', 'storage.ts', 'dashboards.ts', 'ui.ts'];

const only = process.argv.slice(2);
console.log(`# behavior-rate benchmark report\n\n${new Date().toISOString()} · ${describeMachine()}\n`);
let failed = 0;
for (const name of BENCHMARKS) {
  if (only.length > 0 && !only.some((o) => name.startsWith(o))) continue;
  const path = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (!existsSync(path)) {
    console.log(`## ${name}\n\nnot present in this checkout.\n`);
    continue;
  }
  process.stderr.write(`running bench/${name}\n`);
  const result = spawnSync(process.execPath, [path], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(result.stdout);
  if (result.status !== 0) {
    failed += 1;
    console.log(`\n**bench/${name} failed (exit ${result.status ?? result.signal}).**\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
