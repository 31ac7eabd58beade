// `npm run bench`: every benchmark in its own process (chDB allows one engine per
// process), in a fixed order, printed as one Markdown report on stdout. The machine is
// described once at the top; each section's own "Machine:" line is dropped here, and a
// closing table gives every section's wall time and the load average after it, because a
// shared machine's load moves the absolute figures (the ratios are measured in-run).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describeMachine } from './machine.ts';

/** Report sections in order; a benchmark not present in this checkout is listed as missing. */
const BENCHMARKS = ['ingest.ts', 'instrumentation.ts', 'rates.ts', 'replay.ts', 'alerts.ts', 'canary.ts', 'storage.ts', 'dashboards.ts', 'ui.ts', 'soak.ts'];

/**
 * Scales for the default report, kept so the whole run stays around a quarter of an hour on
 * 2 cores. Each can be overridden from the environment; `npm run bench:soak` runs the full
 * 10-minute soak (default 2 minutes here).
 */
const DEFAULT_ENV: Record<string, string> = { BENCH_SOAK_MINUTES: '2' };

const only = process.argv.slice(2);
const env = { ...process.env };
for (const [key, value] of Object.entries(DEFAULT_ENV)) env[key] ??= value;
const machine = describeMachine();
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

console.log(`# behavior-rate benchmark report

${new Date().toISOString()} · ${machine} · load average (1/5/15 min) at start ${load()}
`);
/** Sections describe the machine for when they run alone; in the report it is said once, at the top. */
function withoutMachine(text: string): string {
  return text
    .replace(/^Machine: .*\n/gm, '')
    .replace(new RegExp(`^${escape(machine)}\\n\\n?`, 'gm'), '')
    .replaceAll(`${machine} · `, '')
    .replaceAll(` ${machine}.`, '');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Per-panel budget for an interactive dashboard, the same 1 s the web UI bench uses. */
const PANEL_BUDGET_MS = 1000;

/**
 * storage.ts and dashboards.ts print plain text for their own closing notes: here they get a
 * heading, a fence, and the ratio the report needs (compressed ÷ uncompressed bytes per row;
 * slowest panel ÷ the per-panel budget), read from their own output.
 */
function section(name: string, text: string): string {
  if (name === 'storage.ts' && !text.startsWith('## ')) {
    const rows = [...text.matchAll(/^(\w+)\s+\d+\s+([\d.]+)\s+([\d.]+)\s+[\d.]+$/gm)].map((m) => `${m[1]} ${(Number(m[3]) / Number(m[2])).toFixed(1)}×`);
    return `## Storage per row\n\n\`\`\`text\n${text.trimEnd()}\n\`\`\`\n\nCompression, uncompressed ÷ compressed bytes per row: ${rows.join(', ')}.\n\n`;
  }
  if (name === 'dashboards.ts' && !text.startsWith('## ')) {
    const rows = [...text.matchAll(/^\s+(\S+\.json)\s.*\(slowest: (.*) (\d+) ms\)$/gm)].map((m) => `${m[1]} ${(Number(m[3]) / PANEL_BUDGET_MS).toFixed(2)}× (${m[2]})`);
    return `## Grafana dashboards, 30 days × 1M calls/day\n\n\`\`\`text\n${text.trimEnd()}\n\`\`\`\n\nSlowest panel query per dashboard ÷ a ${PANEL_BUDGET_MS / 1000} s per-panel budget: ${rows.join(', ')}.\n\n`;
  }
  return text;
}

const began = performance.now();
const timings: { name: string; seconds: number; load: string; status: string }[] = [];
let failed = 0;
for (const name of BENCHMARKS) {
  if (only.length > 0 && !only.some((o) => name.startsWith(o))) continue;
  const path = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (!existsSync(path)) {
    console.log(`## ${name}\n\nnot present in this checkout.\n`);
    continue;
  }
  process.stderr.write(`running bench/${name}\n`);
  const sectionBegan = performance.now();
  const result = spawnSync(process.execPath, [path], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20 });
  process.stdout.write(section(name, withoutMachine(result.stdout)));
  const status = result.status === 0 ? 'ok' : `failed (exit ${result.status ?? result.signal})`;
  if (result.status !== 0) {
    failed += 1;
    console.log(`\n**bench/${name} ${status}.**\n`);
  }
  timings.push({ name, seconds: (performance.now() - sectionBegan) / 1000, load: load(), status });
}
const total = (performance.now() - began) / 1000;
console.log(`## Run

| bench | wall s | load average after (1/5/15 min) | status |
|---|---:|---:|---|
${timings.map((t) => `| ${t.name} | ${t.seconds.toFixed(0)} | ${t.load} | ${t.status} |`).join('\n')}
| **total** | **${total.toFixed(0)}** (${(total / 60).toFixed(1)} min) | | ${failed === 0 ? 'all ok' : `${failed} failed`} |

Scales: ${Object.keys(DEFAULT_ENV)
  .map((k) => `${k}=${env[k] ?? ''}`)
  .join(', ')}; every other bench at its defaults (see each file's \`BENCH_*\` variables).
`);
process.exitCode = failed === 0 ? 0 : 1;
