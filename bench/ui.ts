// Web UI: time to first chart on a seeded 7-day database, as a ratio to the API calls
// the page makes (timed from Node in the same run), and the JS bundle size, as a ratio
// to the charting library alone.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ensureUiBuilt } from '../packages/ui/src/build.ts';
import { uiDistDir } from '../packages/ui/src/index.ts';
import { resolveConfig } from '../packages/sidecar/src/config.ts';
import { startServer } from '../packages/sidecar/src/server.ts';
import type { Store } from '../packages/sidecar/src/store/store.ts';
import { describeMachine, median, progress } from './machine.ts';

const DAYS = 7;
const CALLS_PER_DAY = Number(process.env.BENCH_UI_CALLS_PER_DAY ?? 200_000);
const RUNS = Number(process.env.BENCH_UI_RUNS ?? 7);
/** A page that takes longer than this to show its first chart feels broken; reported as a ratio too. */
const BUDGET_MS = 1000;

/** Support-bot spans made by the engine: a fingerprint change every 2 days, 1.5% flagged wrong_sla. */
const SEED_SQL = `
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, SpanAttributes, Duration, StatusCode)
SELECT
  fromUnixTimestamp64Nano(toInt64({start:UInt32}) * 1000000000 + toInt64(number * intDiv(86400000000000, {perDay:UInt64}))) AS Timestamp,
  lower(hex(cityHash64(number, 1))) || lower(hex(cityHash64(number, 2))) AS TraceId,
  lower(hex(cityHash64(number, 3))) AS SpanId,
  'chat gpt-4o-mini' AS SpanName,
  'Client' AS SpanKind,
  'support-bot' AS ServiceName,
  map('service.name', 'support-bot') AS ResourceAttributes,
  'bench' AS ScopeName,
  map(
    'gen_ai.operation.name', 'chat',
    'gen_ai.provider.name', 'openai',
    'gen_ai.request.model', 'gpt-4o-mini',
    'gen_ai.response.model', 'gpt-4o-mini-2024-07-18',
    'openai.response.system_fingerprint', concat('fp_', toString(intDiv(intDiv(number, {perDay:UInt64}), 2))),
    'gen_ai.response.finish_reasons', '["stop"]',
    'traffic.class', ['refund', 'billing', 'shipping', 'other'][cityHash64(number, 5) % 4 + 1],
    'behavior.flags', if(cityHash64(number, 6) % 1000 < 15, '["wrong_sla"]', '[]')
  ) AS SpanAttributes,
  toUInt64(300000000) AS Duration,
  'Unset' AS StatusCode
FROM numbers({offset:UInt64}, {count:UInt64})`;

async function seed(store: Store, start: number): Promise<void> {
  for (let day = 0; day < DAYS; day++) {
    const began = performance.now();
    await store.command('bench ui seed', SEED_SQL, { start, perDay: CALLS_PER_DAY, offset: day * CALLS_PER_DAY, count: CALLS_PER_DAY });
    progress(`seeded day ${day + 1}/${DAYS} (${CALLS_PER_DAY} spans in ${((performance.now() - began) / 1000).toFixed(1)} s)`);
  }
}

/** The requests the Rates page makes before drawing (all at once, as it does), timed from Node. */
async function apiMs(apiUrl: string, by: string | null): Promise<number> {
  const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000);
  const from = new Date(to.getTime() - DAYS * 86_400_000);
  const range = `from=${from.toISOString()}&to=${to.toISOString()}`;
  const began = performance.now();
  const urls = [
    `${apiUrl}/api/v1/behaviors`,
    `${apiUrl}/api/v1/rates?behavior=wrong_sla&${range}${by === null ? '' : `&by=${by}`}&step=1h&source=live`,
    `${apiUrl}/api/v1/fingerprints?${range}&source=live`,
  ];
  await Promise.all(urls.map(async (url) => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    await response.json();
  }));
  return performance.now() - began;
}

function sizes(files: string[]): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

await ensureUiBuilt();
const root = mkdtempSync(join(tmpdir(), 'behavior-rate-bench-ui-'));
const behaviorsFile = join(root, 'behaviors.yaml');
const { writeFileSync } = await import('node:fs');
writeFileSync(behaviorsFile, 'behaviors:\n  - name: wrong_sla\n    description: Wrong refund SLA quoted.\n    objective: 0.02\n');
const server = await startServer(resolveConfig({ dataDir: join(root, 'data'), port: 0, otlpPort: 0, behaviorsFile, behaviorsFileRequired: true }));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const end = Math.floor(Date.now() / 60_000) * 60;
  await seed(server.store, end - DAYS * 86_400);

  const rows: string[] = [];
  for (const by of [null, 'fingerprint']) {
    const url = `${server.apiUrl}/?behavior=wrong_sla&range=7d${by === null ? '' : `&by=${by}`}`;
    const pageMs: number[] = [];
    const loadMs: number[] = [];
    const peerMs: number[] = [];
    // One warm-up of each: the first query after seeding pays for merges and caches.
    await apiMs(server.apiUrl, by);
    for (let run = 0; run < RUNS; run++) {
      // A fresh context each run: nothing cached, as for a person opening the page.
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(url);
      await page.locator('figure.chart[data-ready="true"]').waitFor({ timeout: 60_000 });
      // Page source as a string: bench files are type-checked without the DOM library.
      const timing = await page.evaluate<{ chart: number; loaded: number }>(`({
        chart: performance.getEntriesByName('behavior-rate:chart-drawn')[0]?.startTime ?? NaN,
        loaded: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? NaN,
      })`);
      pageMs.push(timing.chart);
      loadMs.push(timing.loaded);
      await context.close();
      peerMs.push(await apiMs(server.apiUrl, by));
    }
    const ttfc = median(pageMs);
    const api = median(peerMs);
    const loaded = median(loadMs);
    rows.push(`| 7 days, ${by === null ? 'no split' : `split by ${by}`} | ${ttfc.toFixed(0)} ms | ${loaded.toFixed(0)} ms | ${api.toFixed(0)} ms | ${(ttfc / (loaded + api)).toFixed(2)}× | ${(ttfc / BUDGET_MS).toFixed(2)}× |`);
  }

  const assets = join(uiDistDir, 'assets');
  const js = sizes(readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => join(assets, f)));
  const css = sizes(readdirSync(assets).filter((f) => f.endsWith('.css')).map((f) => join(assets, f)));
  const uplot = sizes([join(import.meta.dirname, '..', 'node_modules', 'uplot', 'dist', 'uPlot.iife.min.js')]);

  console.log(`## ui\n\n${describeMachine()} · ${DAYS} days × ${CALLS_PER_DAY.toLocaleString('en')} calls/day seeded · median of ${RUNS} cold page loads (headless Chromium)\n`);
  console.log('| view | time to first chart | page scripts loaded (DOMContentLoaded) | its API calls alone (Node) | ratio to load + API | ratio to 1 s budget |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`\n| bundle | raw | gzip | gzip ratio to uPlot alone |`);
  console.log('|---|---|---|---|');
  console.log(`| JS (all of the UI) | ${kb(js.raw)} | ${kb(js.gzip)} | ${(js.gzip / uplot.gzip).toFixed(2)}× |`);
  console.log(`| CSS | ${kb(css.raw)} | ${kb(css.gzip)} | – |`);
  console.log(`| uPlot ${JSON.parse(readFileSync(join(import.meta.dirname, '..', 'node_modules', 'uplot', 'package.json'), 'utf8')).version} (min, for reference) | ${kb(uplot.raw)} | ${kb(uplot.gzip)} | 1.00× |`);
  console.log('');
} finally {
  await browser.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
