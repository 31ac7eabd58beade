import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { APIError } from 'openai';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startSimProvider, type SimProvider, type SimScenario } from '../../sim-provider/src/index.ts';
import { parseCanaryConfig } from '../src/canary/config.ts';
import { CANARY_SPAN_NAME, CanaryRunner, type CanaryRunSummary } from '../src/canary/runner.ts';
import { openAiSender, type CanarySender } from '../src/canary/sender.ts';
import { startCanaryTelemetry } from '../src/canary/telemetry.ts';

const CONFIG = parseCanaryConfig(`
defaults: { model: sim-model }
cases:
  - id: ok
    request: { messages: [{ role: user, content: refund }] }
    expect: { match: seven days }
  - id: slow
    request: { messages: [{ role: user, content: slow }] }
  - id: broken
    request: { messages: [{ role: user, content: broken }] }
  - id: throttled
    request: { messages: [{ role: user, content: throttled }] }
`, 'canaries.yaml');

const completion = { model: 'sim-model-1', system_fingerprint: 'fp_1', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Refunds take seven days.' } }] };

/** Answers "ok", hangs on "slow" until aborted, fails "broken" with a 500 and "throttled" with a 429. */
const scriptedSender: CanarySender = (request, { signal }) => {
  const text = (request['messages'] as { content: string }[])[0]!.content;
  if (text === 'refund') return Promise.resolve(completion);
  if (text === 'broken') return Promise.reject(APIError.generate(500, { error: { message: 'upstream' } }, 'upstream', new Headers()));
  if (text === 'throttled') return Promise.reject(APIError.generate(429, { error: { message: 'slow down' } }, 'slow down', new Headers()));
  // Ignores its signal on purpose: the runner must not depend on the sender honouring it.
  void signal;
  return new Promise(() => {});
};

describe('canary runner schedule', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs on the minute, records errors and timeouts as results, and keeps the next run on time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-01-01T00:00:30Z') });
    const exporter = new InMemorySpanExporter();
    const telemetry = startCanaryTelemetry({ exporter });
    const summaries: CanaryRunSummary[] = [];
    const runner = new CanaryRunner({ config: CONFIG, send: scriptedSender, tracer: telemetry.tracer, intervalMs: 60_000, timeoutMs: 10_000, onRun: (s) => summaries.push(s) });
    runner.start();
    expect(runner.status().nextRunAt).toBe('2026-01-01T00:01:00.000Z');
    await vi.advanceTimersByTimeAsync(30_000 + 10_000);
    await vi.advanceTimersByTimeAsync(60_000);
    await runner.stop();
    expect(summaries.map((s) => s.startedAt)).toEqual(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
    expect(summaries.map((s) => s.finishedAt)).toEqual(['2026-01-01T00:01:10.000Z', '2026-01-01T00:02:10.000Z']);
    for (const summary of summaries) {
      expect(summary).toMatchObject({ cases: 4, answered: 1, failed: 0, errors: 3, errorTypes: { timeout: 1, server_error: 1, rate_limited: 1 } });
      expect(summary.results.map((r) => [r.caseId, r.kind, r.errorType ?? r.expectation])).toEqual([
        ['ok', 'answer', 'pass'], ['slow', 'error', 'timeout'], ['broken', 'error', 'server_error'], ['throttled', 'error', 'rate_limited'],
      ]);
    }
    expect(runner.status()).toMatchObject({ runs: 2, skippedBusy: 0, leader: true, running: false, scheduled: false });
    // The span processor's own export timer needs real time.
    vi.useRealTimers();
    await telemetry.flush();
    const spans = exporter.getFinishedSpans().filter((span) => span.name === CANARY_SPAN_NAME);
    expect(spans).toHaveLength(8);
    const slow = spans.find((span) => span.attributes['canary.case_id'] === 'slow')!;
    expect(slow.status.code).toBe(SpanStatusCode.ERROR);
    expect(slow.attributes['error.type']).toBe('timeout');
    const ok = spans.find((span) => span.attributes['canary.case_id'] === 'ok')!;
    expect(ok.attributes).toMatchObject({
      'canary.outcome': 'Refunds take seven days.', 'canary.expectation': 'pass', 'canary.flags': '[]', 'canary.failed_checks': '[]',
      'canary.request_model': 'sim-model', 'canary.response_model': 'sim-model-1', 'canary.system_fingerprint': 'fp_1', 'canary.config_hash': CONFIG.hash,
    });
    expect(ok.attributes['canary.run_id']).toMatch(/^20260101T0001-[0-9a-f]{8}$/);
    await telemetry.shutdown();
  });

  it('never overlaps its own runs: a tick that finds one running is skipped and counted', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-01-01T00:00:30Z') });
    const telemetry = startCanaryTelemetry({ exporter: new InMemorySpanExporter() });
    const summaries: CanaryRunSummary[] = [];
    const runner = new CanaryRunner({ config: CONFIG, send: scriptedSender, tracer: telemetry.tracer, intervalMs: 60_000, timeoutMs: 120_000, onRun: (s) => summaries.push(s) });
    // The timeout is capped at 80% of the interval, so even this run ends before the tick after next.
    expect(runner.status().timeoutMs).toBe(48_000);
    runner.start();
    const manual = runner.runOnce();
    await vi.advanceTimersByTimeAsync(90_000);
    await manual;
    expect(runner.status().skippedBusy).toBe(1);
    await vi.advanceTimersByTimeAsync(50_000);
    await runner.stop();
    expect(summaries.map((s) => s.startedAt)).toEqual(['2026-01-01T00:00:30.000Z', '2026-01-01T00:02:00.000Z']);
    await telemetry.shutdown();
  });

  it('asks for the lease before each scheduled run and stays idle without it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-01-01T00:00:30Z') });
    const telemetry = startCanaryTelemetry({ exporter: new InMemorySpanExporter() });
    let leader = false;
    const runner = new CanaryRunner({ config: CONFIG, send: scriptedSender, tracer: telemetry.tracer, intervalMs: 60_000, timeoutMs: 1000, isLeader: async () => leader });
    runner.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runner.status()).toMatchObject({ runs: 0, skippedNotLeader: 1, leader: false });
    leader = true;
    await vi.advanceTimersByTimeAsync(60_000);
    await runner.stop();
    expect(runner.status()).toMatchObject({ runs: 1, skippedNotLeader: 1, leader: true });
    await telemetry.shutdown();
  });
});

describe('canary runner against the simulated provider', () => {
  const scenario: SimScenario = {
    systemFingerprint: 'fp_sim_canary',
    rules: [{ id: 'refund', match: 'refund', answers: [{ id: 'sla', weight: 1, text: 'Refunds take seven days.' }] }],
  };
  let sim: SimProvider;
  afterAll(async () => sim?.close());

  it('records provider errors and timeouts by type, through the instrumentation, one span tree per case', async () => {
    sim = await startSimProvider({ scenario, seed: 3, faults: { serverErrorRate: 0.2, rateLimitRate: 0.2, timeoutRate: 0.2, timeoutMs: 5000 } });
    const config = parseCanaryConfig(`
defaults: { model: sim-model }
cases:
${Array.from({ length: 12 }, (_, i) => `  - id: refund-${i}\n    request: { messages: [{ role: user, content: "refund ${i}" }] }\n    expect: { match: seven days }`).join('\n')}
`, 'canaries.yaml');
    const exporter = new InMemorySpanExporter();
    const telemetry = startCanaryTelemetry({ exporter });
    // One at a time, so the provider's seeded fault draws follow the case order.
    const runner = new CanaryRunner({ config, send: openAiSender(`${sim.url}/v1`, undefined), tracer: telemetry.tracer, concurrency: 1, timeoutMs: 400, intervalMs: 60_000 });
    const summary = await runner.runOnce();
    await telemetry.flush();
    const expected = sim.requests.map((request) => ({ answer: 'answer', rate_limited: 'rate_limited', server_error: 'server_error', timeout: 'timeout', bad_request: 'client_error' })[request.outcome.kind]);
    expect(summary.results.map((r) => (r.kind === 'answer' ? 'answer' : r.errorType))).toEqual(expected);
    expect(new Set(expected)).toEqual(new Set(['answer', 'rate_limited', 'server_error', 'timeout']));
    expect(summary.results.filter((r) => r.kind === 'answer').every((r) => r.expectation === 'pass' && r.systemFingerprint === 'fp_sim_canary')).toBe(true);

    const spans = exporter.getFinishedSpans();
    const cases = spans.filter((span) => span.name === CANARY_SPAN_NAME);
    const calls = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'chat');
    expect(cases).toHaveLength(12);
    expect(calls).toHaveLength(12);
    for (const call of calls) {
      const parent = cases.find((span) => span.spanContext().spanId === call.parentSpanContext?.spanId);
      expect(parent).toBeDefined();
      expect(call.attributes['canary.case_id']).toBe(parent!.attributes['canary.case_id']);
      expect(call.spanContext().traceId).toBe(parent!.spanContext().traceId);
      expect(call.status.code === SpanStatusCode.ERROR).toBe(parent!.status.code === SpanStatusCode.ERROR);
    }
    await telemetry.shutdown();
  }, 30_000);
});
