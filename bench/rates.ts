// Rates API latency on the per-minute views for 30 days of 1M calls/day, as a ratio to
// the same answer computed from raw otel_traces, in the same run on embedded chDB.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../packages/sidecar/src/config.ts';
import type { RateAnswer } from '../packages/sidecar/src/rates/query.ts';
import { startServer } from '../packages/sidecar/src/server.ts';
import type { Store } from '../packages/sidecar/src/store/store.ts';
import { describeMachine, median, progress } from './machine.ts';

const DAYS = Number(process.env.BENCH_RATES_DAYS ?? 30);
const CALLS_PER_DAY = Number(process.env.BENCH_RATES_CALLS_PER_DAY ?? 1_000_000);
const API_RUNS = 21;
const RAW_RUNS = 3;

/**
 * Synthetic production spans made by the engine itself: 3 services, 3 models, a
 * fingerprint change every 10 days, 4 traffic classes, 1% truncated, 0.4% malformed tool calls.
 */
const SEED_SQL = `
INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, SpanAttributes, Duration, StatusCode)
SELECT
  fromUnixTimestamp64Nano(toInt64({start:UInt32}) * 1000000000 + toInt64(number * intDiv(86400000000000, {perDay:UInt64}))) AS Timestamp,
  lower(hex(cityHash64(number, 1))) || lower(hex(cityHash64(number, 2))) AS TraceId,
  lower(hex(cityHash64(number, 3))) AS SpanId,
  concat('chat ', model) AS SpanName,
  'Client' AS SpanKind,
  ['support-bot', 'search-assistant', 'triage-agent'][number % 3 + 1] AS ServiceName,
  map('service.name', ServiceName) AS ResourceAttributes,
  'bench' AS ScopeName,
  map(
    'gen_ai.operation.name', 'chat',
    'gen_ai.provider.name', 'openai',
    'gen_ai.request.model', model,
    'gen_ai.response.model', concat(model, '-2026-01-01'),
    'openai.response.system_fingerprint', concat('fp_', toString(intDiv(intDiv(number, {perDay:UInt64}), 10)), '_', toString(intDiv(number, 3) % 3)),
    'gen_ai.response.finish_reasons', if(cityHash64(number, 4) % 1000 < 10, '["length"]', '["stop"]'),
    'gen_ai.usage.input_tokens', toString(800 + number % 200),
    'gen_ai.usage.output_tokens', toString(100 + number % 50),
    'traffic.class', ['refund', 'billing', 'shipping', 'other'][cityHash64(number, 5) % 4 + 1],
    'behavior.flags', if(cityHash64(number, 6) % 1000 < 4, '["malformed_tool_call"]', '[]')
  ) AS SpanAttributes,
  toUInt64(300000000 + number % 700000000) AS Duration,
  'Unset' AS StatusCode
FROM (SELECT number, ['gpt-4o-mini', 'gpt-4.1', 'o4-mini'][intDiv(number, 3) % 3 + 1] AS model FROM numbers({offset:UInt64}, {count:UInt64}))`;

/** The same answer as the API's by=fingerprint&step=1h, computed from raw spans. */
const RAW_SQL = `
SELECT fingerprint, toUnixTimestamp(toStartOfHour(Timestamp)) AS t, count() AS calls,
       countIf(has(JSONExtract(SpanAttributes['gen_ai.response.finish_reasons'], 'Array(String)'), 'length')) AS hits
FROM otel_traces
WHERE SpanAttributes['gen_ai.operation.name'] != '' AND SpanAttributes['canary.case_id'] = '' AND SpanAttributes['replay.of'] = ''
  AND Timestamp >= toDateTime({from:UInt32}) AND Timestamp < toDateTime({to:UInt32})
GROUP BY if(SpanAttributes['openai.response.system_fingerprint'] != '', SpanAttributes['openai.response.system_fingerprint'], SpanAttributes['gen_ai.response.model']) AS fingerprint, t
ORDER BY fingerprint, t`;

async function seed(store: Store, start: number): Promise<void> {
  for (let day = 0; day < DAYS; day++) {
    const began = performance.now();
    await store.command('bench seed', SEED_SQL, { start, perDay: CALLS_PER_DAY, offset: day * CALLS_PER_DAY, count: CALLS_PER_DAY });
    progress(`seeded day ${day + 1}/${DAYS} (${CALLS_PER_DAY} spans in ${((performance.now() - began) / 1000).toFixed(1)} s)`);
  }
  await store.command('bench seed', 'OPTIMIZE TABLE calls_by_minute FINAL');
  await store.command('bench seed', 'OPTIMIZE TABLE behavior_hits_by_minute FINAL');
}

async function timeApi(url: string): Promise<{ ms: number; answer: RateAnswer }> {
  const began = performance.now();
  const response = await fetch(url);
  const answer = (await response.json()) as RateAnswer;
  if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(answer)}`);
  return { ms: performance.now() - began, answer };
}

const root = mkdtempSync(join(tmpdir(), 'behavior-rate-bench-rates-'));
const server = await startServer(resolveConfig({ dataDir: join(root, 'data'), port: 0, otlpPort: 0, behaviorsFile: join(root, 'none.yaml') }));
try {
  const end = Math.floor(Date.now() / 86_400_000) * 86_400;
  const start = end - DAYS * 86_400;
  progress(`seeding ${DAYS} days × ${CALLS_PER_DAY} calls through the views`);
  await seed(server.store, start);

  const range = `from=${new Date(start * 1000).toISOString()}&to=${new Date(end * 1000).toISOString()}`;
  const sliced = `${server.apiUrl}/api/v1/rates?behavior=truncated&${range}&by=fingerprint&step=1h`;
  const total = `${server.apiUrl}/api/v1/rates?behavior=truncated&${range}`;
  await timeApi(sliced); // warm-up
  const slicedRuns = [];
  const totalRuns = [];
  for (let i = 0; i < API_RUNS; i++) {
    slicedRuns.push(await timeApi(sliced));
    totalRuns.push(await timeApi(total));
  }
  progress('the same answer from raw otel_traces');
  const rawMs: number[] = [];
  let rawRows: { calls: string | number; hits: string | number }[] = [];
  for (let i = 0; i < RAW_RUNS; i++) {
    const began = performance.now();
    rawRows = await server.store.query('bench raw', RAW_SQL, { from: start, to: end });
    rawMs.push(performance.now() - began);
  }
  const answer = slicedRuns[0]?.answer as RateAnswer;
  const rawCalls = rawRows.reduce((sum, r) => sum + Number(r.calls), 0);
  const rawHits = rawRows.reduce((sum, r) => sum + Number(r.hits), 0);
  if (rawCalls !== answer.total.calls || rawHits !== answer.total.hits) {
    throw new Error(`answers differ: views ${answer.total.hits}/${answer.total.calls}, raw ${rawHits}/${rawCalls}`);
  }
  const apiSliced = median(slicedRuns.map((r) => r.ms));
  const apiTotal = median(totalRuns.map((r) => r.ms));
  const raw = median(rawMs);
  console.log(`## Rates API on per-minute views vs raw spans

Machine: ${describeMachine()}
${DAYS} days × ${CALLS_PER_DAY.toLocaleString('en')} calls/day = ${(DAYS * CALLS_PER_DAY).toLocaleString('en')} GenAI spans, embedded chDB. Both answers checked equal (${answer.total.hits} of ${answer.total.calls} truncated).

| query | median ms | speed-up vs raw (target ≥ 50×) |
|---|---:|---:|
| GET /api/v1/rates by=fingerprint&step=1h (${answer.series.reduce((n, s) => n + s.points.length, 0)} points, HTTP included) | ${apiSliced.toFixed(1)} | ${(raw / apiSliced).toFixed(0)}× |
| GET /api/v1/rates total only | ${apiTotal.toFixed(1)} | ${(raw / apiTotal).toFixed(0)}× |
| same answer from raw otel_traces (SQL only, no HTTP) | ${raw.toFixed(1)} | 1× |
`);
} finally {
  await server.close();
  rmSync(root, { recursive: true, force: true });
}
