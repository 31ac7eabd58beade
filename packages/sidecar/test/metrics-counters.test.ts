import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTING_BEHAVIORS, minuteAgo, parseExposition, sendCanaryRuns, sendMinutes, type PlannedMinute } from './alerting-helpers.ts';
import { startTestServer, type TestServer } from './helpers.ts';

/** Seven fingerprints of one model, first seen a minute apart (oldest first), plus a second model. */
const now = Date.now();
const PLAN: PlannedMinute[] = [
  ...Array.from({ length: 7 }, (_, i) => ({ minute: minuteAgo(20 - i, now), calls: 10 + i, hits: i % 3, fingerprint: `fp_${i}`, malformed: 1 })),
  { minute: minuteAgo(5, now), calls: 40, hits: 2, fingerprint: 'fp_6' },
  // Every fingerprint still serves a little after the newest appeared.
  ...Array.from({ length: 7 }, (_, i) => ({ minute: minuteAgo(3, now), calls: 5, hits: 1, fingerprint: `fp_${i}` })),
  { minute: minuteAgo(4, now), calls: 30, hits: 0, fingerprint: 'fp_z', model: 'gpt-4o' },
];
/** In the next minute, never complete during the test: must not be counted. */
const CURRENT: PlannedMinute = { minute: minuteAgo(-1, now), calls: 25, hits: 5, fingerprint: 'fp_6' };
const PER_MODEL = 3;

describe('/metrics counters are sums of the per-minute tables, with bounded fingerprint labels', () => {
  let server: TestServer;
  let metrics: Map<string, number>;
  let text: string;

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: ALERTING_BEHAVIORS, config: { shiftIntervalMs: 0, metricsRefreshMs: 0, metricsFingerprintsPerModel: PER_MODEL } });
    await sendMinutes(server.otlpUrl, [...PLAN, CURRENT]);
    // A canary case that always answered "7 days" and, for the last minutes, answers "7 hours".
    await sendCanaryRuns(server.otlpUrl, [
      ...Array.from({ length: 49 }, (_, i) => ({ minute: minuteAgo(60 - i, now), caseId: 'refund_sla', outcome: '7 days' })),
      ...Array.from({ length: 8 }, (_, i) => ({ minute: minuteAgo(9 - i, now), caseId: 'refund_sla', outcome: '7 hours' })),
    ]);
    const response = await fetch(`${server.apiUrl}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    text = await response.text();
    metrics = parseExposition(text);
  });
  afterAll(async () => server.dispose());

  const series = (name: string) => [...metrics].filter(([key]) => key.startsWith(`${name}{`));
  const sum = (entries: [string, number][]) => entries.reduce((total, [, value]) => total + value, 0);

  it('counts every complete minute and nothing of the current one', () => {
    // The first minutes of fp_0..fp_3 were counted under their own labels, which are no longer exported.
    const unexported = PLAN.slice(0, 4);
    const total = (pick: (m: PlannedMinute) => number) => PLAN.reduce((n, m) => n + pick(m), 0) - unexported.reduce((n, m) => n + pick(m), 0);
    expect(sum(series('behavior_rate_calls_total'))).toBe(total((m) => m.calls));
    expect(sum(series('behavior_rate_behavior_hits_total').filter(([k]) => k.includes('behavior="wrong_sla"')))).toBe(total((m) => m.hits));
    expect(sum(series('behavior_rate_behavior_hits_total').filter(([k]) => k.includes('behavior="malformed_tool_call"')))).toBe(total((m) => m.malformed ?? 0));
  });

  it('labels only the newest fingerprints per model and folds the rest into "other"', () => {
    const calls = Object.fromEntries(series('behavior_rate_calls_total').map(([key, value]) => [/model="([^"]*)",fingerprint="([^"]*)"/.exec(key)!.slice(1).join('/'), value]));
    // fp_0..fp_6 first seen in that order: fp_4, fp_5, fp_6 keep labels; fp_k was folded when
    // fp_(k+3) appeared, so its later calls (minute −3) count as "other".
    expect(calls).toEqual({
      'gpt-4o-mini/fp_4': 14 + 5,
      'gpt-4o-mini/fp_5': 15 + 5,
      'gpt-4o-mini/fp_6': 16 + 40 + 5,
      'gpt-4o-mini/other': 4 * 5,
      'gpt-4o/fp_z': 30,
    });
  });

  it('gives every behavior a series on every calls series, at 0 before its first hit', () => {
    const calls = series('behavior_rate_calls_total').length;
    for (const behavior of ['wrong_sla', 'malformed_tool_call', 'truncated', 'error', 'refusal', 'content_filtered']) {
      expect(series('behavior_rate_behavior_hits_total').filter(([k]) => k.includes(`behavior="${behavior}"`)).length).toBe(calls);
    }
    expect(metrics.get('behavior_rate_behavior_hits_total{behavior="truncated",service="support-bot",model="gpt-4o",fingerprint="fp_z"}')).toBe(0);
  });

  it('exposes the current fingerprint per model and how far the counters reach', () => {
    expect(series('behavior_rate_fingerprint_info').map(([key]) => key).sort()).toEqual([
      'behavior_rate_fingerprint_info{model="gpt-4o",fingerprint="fp_z"}',
      'behavior_rate_fingerprint_info{model="gpt-4o-mini",fingerprint="fp_6"}',
    ]);
    expect(metrics.get('behavior_rate_counted_until_timestamp_seconds')).toBeGreaterThanOrEqual(minuteAgo(0, now) / 1000);
    expect(text).toMatch(/# TYPE behavior_rate_calls_total counter/);
  });

  it('exposes the canary drift score of the last complete minute', () => {
    // Every recent answer differs from every baseline answer: the distance is near its maximum.
    expect(metrics.get('behavior_rate_canary_drift_score{model=""}')).toBeGreaterThan(0.5);
    expect(metrics.get('behavior_rate_canary_drift_score{model=""}')).toBeLessThanOrEqual(1);
  });

  it('counts calls that reached ClickHouse without the sidecar, as from a Collector', async () => {
    const minute = minuteAgo(6, now);
    // Rows as the contrib ClickHouse exporter writes them, straight into otel_traces.
    await server.store.insert('collector test', 'otel_traces', Array.from({ length: 7 }, (_, i) => ({
      Timestamp: `${(minute + i * 1000) / 1000}.000000000`,
      TraceId: `c0ffee${i}`.padEnd(32, '0'),
      SpanId: `${i}`.padStart(16, '0'),
      SpanName: 'chat collector-model',
      SpanKind: 'Client',
      ServiceName: 'batch-jobs',
      SpanAttributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'collector-model', 'gen_ai.response.model': 'collector-model-1', 'behavior.flags': i < 2 ? '["malformed_tool_call"]' : '[]' },
      Duration: 1000,
      StatusCode: 'Unset',
    })));
    const after = parseExposition(await (await fetch(`${server.apiUrl}/metrics`)).text());
    expect(after.get('behavior_rate_calls_total{service="batch-jobs",model="collector-model",fingerprint="collector-model-1"}')).toBe(7);
    expect(after.get('behavior_rate_behavior_hits_total{behavior="malformed_tool_call",service="batch-jobs",model="collector-model",fingerprint="collector-model-1"}')).toBe(2);
  });

  it('exposes the shift detector gauges for behaviors with an objective', () => {
    expect(metrics.get('behavior_rate_shift_baseline_rate{behavior="wrong_sla",fingerprint=""}')).toBe(0.004);
    expect(metrics.get('behavior_rate_shift_threshold{behavior="wrong_sla",fingerprint=""}')).toBeGreaterThan(0);
    expect(metrics.has('behavior_rate_shift_statistic{behavior="wrong_sla",fingerprint=""}')).toBe(true);
    expect(metrics.get('behavior_rate_shift_alarm{behavior="malformed_tool_call",fingerprint=""}')).toBeGreaterThanOrEqual(0);
  });
});
