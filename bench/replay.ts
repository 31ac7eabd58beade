// Replay throughput and interval coverage, for the incident-investigation closing note.
//  1. Wall time of 100 and 1000 replays against the simulated provider at a fixed latency,
//     as a ratio to the ideal N × latency / concurrency, and to a bare client (the same
//     requests with plain fetch, no instrumentation, no spans) measured in the same run.
//  2. Coverage of the replay report's 95% interval, by seeded simulation, for
//     n = 20, 100, 1000 replays × true rates 0.1%, 1%, 10%, beside the exact coverage.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { binomialSampler, exactCoverage, rate, type IntervalMethod } from '../packages/stats/src/index.ts';
import { resolveConfig } from '../packages/sidecar/src/config.ts';
import type { ReplayRunView } from '../packages/sidecar/src/replay/service.ts';
import { startServer } from '../packages/sidecar/src/server.ts';
import { describeMachine, progress } from './machine.ts';

const LATENCY_MS = Number(process.env.BENCH_REPLAY_LATENCY_MS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_REPLAY_CONCURRENCY ?? 8);
const SIZES = [100, 1000];
const COVERAGE_RUNS = Number(process.env.BENCH_REPLAY_COVERAGE_RUNS ?? 20_000);

const REQUEST = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are the support bot of Acme. Refunds take seven days.' },
    { role: 'user', content: 'How long does a refund take?' },
  ],
  temperature: 0.7,
};

async function throughput(): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'behavior-rate-bench-replay-'));
  const server = await startServer(resolveConfig({ dataDir, port: 0, otlpPort: 0, behaviorsFile: join(dataDir, 'none.yaml') }));
  // The provider runs in its own process, as a real one would: it does not share the sidecar's event loop.
  const sim = await startSimProcess();
  const rows: string[] = [];
  try {
    // Warm-up: first-use costs (instrumentation, exporter, JIT) are not part of a run.
    await replay(server.apiUrl, sim.url, 20);
    for (const n of SIZES) {
      const ideal = (n * LATENCY_MS) / CONCURRENCY;
      const bare = await bareClient(sim.url, n);
      const began = performance.now();
      const view = await replay(server.apiUrl, sim.url, n);
      const endToEnd = performance.now() - began;
      const sending = view.report!.wallMs;
      progress(`replay n=${n}: sending ${sending.toFixed(0)} ms, end to end ${endToEnd.toFixed(0)} ms, bare ${bare.toFixed(0)} ms, ideal ${ideal.toFixed(0)} ms`);
      rows.push(`| ${n} | ${CONCURRENCY} | ${LATENCY_MS} | ${ideal.toFixed(0)} | ${bare.toFixed(0)} (${(bare / ideal).toFixed(2)}×) | ${sending.toFixed(0)} (${(sending / ideal).toFixed(2)}×) | ${endToEnd.toFixed(0)} (${(endToEnd / ideal).toFixed(2)}×) | ${(sending / bare).toFixed(2)}× | ${view.report!.completed}/${n} |`);
    }
  } finally {
    sim.process.kill('SIGTERM');
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return rows;
}

/** Starts bin/sim-provider with the fixed latency and waits for the URL it prints. */
function startSimProcess(): Promise<{ url: string; process: ChildProcess }> {
  const bin = new URL('../packages/sim-provider/bin/sim-provider.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, '--latency-ms', String(LATENCY_MS), '--seed', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sim-provider did not start within 30 s')), 30_000);
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(seen)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ url, process: child });
      }
    });
    child.once('exit', (code) => reject(new Error(`sim-provider exited with ${String(code)}`)));
  });
}

async function replay(api: string, simUrl: string, count: number): Promise<ReplayRunView> {
  const response = await fetch(`${api}/api/v1/replays`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ request: REQUEST, count, concurrency: CONCURRENCY, endpoint: `${simUrl}/v1`, wait: true }),
  });
  const view = (await response.json()) as ReplayRunView;
  if (view.state !== 'done' || view.report === null) throw new Error(`replay run did not finish: ${JSON.stringify(view).slice(0, 300)}`);
  return view;
}

/** The peer: the same N requests with plain fetch at the same concurrency, nothing recorded. */
async function bareClient(simUrl: string, count: number): Promise<number> {
  const limit = pLimit(CONCURRENCY);
  const began = performance.now();
  await Promise.all(
    Array.from({ length: count }, () =>
      limit(async () => {
        const response = await fetch(`${simUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(REQUEST) });
        await response.json();
      }),
    ),
  );
  return performance.now() - began;
}

/** Share of seeded runs whose interval contains the true rate. */
function simulatedCoverage(method: IntervalMethod, n: number, p: number, seed: number): number {
  const draw = binomialSampler(seed);
  let covered = 0;
  for (let run = 0; run < COVERAGE_RUNS; run++) {
    const r = rate(draw(n, p), n, { method });
    if (r.ci_low <= p && p <= r.ci_high) covered += 1;
  }
  return covered / COVERAGE_RUNS;
}

function coverage(): string[] {
  const rows: string[] = [];
  const methods: IntervalMethod[] = ['wilson', 'jeffreys', 'clopper-pearson'];
  let seed = 1;
  for (const method of methods) {
    for (const n of [20, 100, 1000]) {
      const cells = [0.001, 0.01, 0.1].map((p) => {
        const simulated = simulatedCoverage(method, n, p, seed++);
        const exact = exactCoverage(method, n, p).coverage;
        return `${(simulated * 100).toFixed(1)}% (exact ${(exact * 100).toFixed(1)}%)`;
      });
      rows.push(`| ${method}${method === 'wilson' ? ' (report default)' : ''} | ${n} | ${cells.join(' | ')} |`);
    }
  }
  return rows;
}

const throughputRows = await throughput();
console.log(`## replay\n\n${describeMachine()}\n`);
console.log(`Wall time of N replays through the sidecar (POST /api/v1/replays: rebuild, instrumented OpenAI SDK, spans into the sidecar's OTLP receiver, report from ClickHouse) against the simulated provider at a fixed ${LATENCY_MS} ms latency, as a ratio to the ideal N × latency / concurrency. "Sending" is the replay phase; "end to end" adds the span flush and the report. The bare client sends the same requests with plain fetch and records nothing.\n`);
console.log('| N | concurrency | latency ms | ideal ms | bare client ms | sending ms | end to end ms | sending ÷ bare | completed |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of throughputRows) console.log(row);
console.log(`\nCoverage of the two-sided 95% interval, by simulation (${COVERAGE_RUNS} seeded runs per cell, binomial draws), beside the exact coverage (sum of the binomial PMF over the outcomes whose interval covers p):\n`);
console.log('| method | n | p = 0.1% | p = 1% | p = 10% |');
console.log('|---|---:|---:|---:|---:|');
for (const row of coverage()) console.log(row);
console.log('');
