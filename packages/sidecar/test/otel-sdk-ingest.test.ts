import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateAnswer } from '../src/rates/query.ts';
import { getApi, startTestServer, type TestServer } from './helpers.ts';

const BEHAVIORS = `
behaviors:
  - name: wrong_sla
    description: The bot quoted a refund time in hours; the SLA is seven days.
    where: "output_text ILIKE '%hours%'"
    objective: 0.004
`;

interface PlannedCall {
  fingerprint: string;
  finishReason: string;
  flags: string[];
  text: string;
  error?: boolean;
}

/** A deterministic mix of calls whose behavior counts are known in advance. */
function plan(count: number, fingerprint: string, every: { truncated: number; malformed: number; wrongSla: number; error: number }): PlannedCall[] {
  return Array.from({ length: count }, (_, i) => ({
    fingerprint,
    finishReason: i % every.truncated === 0 ? 'length' : 'stop',
    flags: i % every.malformed === 1 ? ['malformed_tool_call'] : [],
    text: i % every.wrongSla === 2 ? 'Your refund takes seven hours.' : 'Your refund takes seven days.',
    error: i % every.error === 3,
  }));
}

const expected = (calls: PlannedCall[], test: (c: PlannedCall) => boolean) => calls.filter(test).length;

function send(exporter: SpanExporter, calls: PlannedCall[]): Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxExportBatchSize: 64, scheduledDelayMillis: 50 })],
  });
  const tracer = provider.getTracer('test');
  for (const call of calls) {
    const attributes: Attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'openai.response.system_fingerprint': call.fingerprint,
      'gen_ai.response.finish_reasons': [call.finishReason],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'behavior.flags': call.flags,
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: call.text }], finish_reason: call.finishReason }]),
    };
    const span = tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT, attributes });
    if (call.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
    span.end();
  }
  return provider.forceFlush().then(() => provider.shutdown());
}

describe('spans from the real OTel JS SDK reach the rates API with exact counts', () => {
  let server: TestServer;
  const jsonCalls = [...plan(40, 'fp_a', { truncated: 8, malformed: 10, wrongSla: 20, error: 13 }), ...plan(60, 'fp_b', { truncated: 5, malformed: 6, wrongSla: 4, error: 7 })];
  const protoCalls = plan(30, 'fp_b', { truncated: 3, malformed: 5, wrongSla: 6, error: 11 });
  const all = [...jsonCalls, ...protoCalls];
  const from = new Date(Date.now() - 3600_000).toISOString();
  const to = new Date(Date.now() + 3600_000).toISOString();

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: BEHAVIORS });
    await send(new JsonExporter({ url: `${server.otlpUrl}/v1/traces` }), jsonCalls);
    await send(new ProtoExporter({ url: `${server.otlpUrl}/v1/traces` }), protoCalls);
  });
  afterAll(async () => server.dispose());

  const cases: [string, (c: PlannedCall) => boolean][] = [
    ['truncated', (c) => c.finishReason === 'length'],
    ['malformed_tool_call', (c) => c.flags.includes('malformed_tool_call')],
    ['wrong_sla', (c) => c.text.includes('hours')],
    ['error', (c) => c.error === true],
  ];

  it.each(cases)('%s: total hits and calls equal what was sent', async (behavior, test) => {
    const { status, body } = await getApi<RateAnswer>(server, `/api/v1/rates?behavior=${behavior}&from=${from}&to=${to}`);
    expect(status).toBe(200);
    expect(body.total.calls).toBe(all.length);
    expect(body.total.hits).toBe(expected(all, test));
    expect(body.total.ci_low).toBeLessThanOrEqual(body.total.rate as number);
    expect(body.total.ci_high).toBeGreaterThanOrEqual(body.total.rate as number);
  });

  it.each(cases)('%s: per-fingerprint counts equal what was sent', async (behavior, test) => {
    const { body } = await getApi<RateAnswer>(server, `/api/v1/rates?behavior=${behavior}&from=${from}&to=${to}&by=fingerprint`);
    const byGroup = Object.fromEntries(body.series.map((s) => [s.group, { calls: s.points[0]?.calls, hits: s.points[0]?.hits }]));
    const want = (fp: string) => ({ calls: all.filter((c) => c.fingerprint === fp).length, hits: expected(all.filter((c) => c.fingerprint === fp), test) });
    expect(byGroup).toEqual({ fp_a: want('fp_a'), fp_b: want('fp_b') });
  });

  it('lists built-in, configured and flagged behaviors', async () => {
    const { body } = await getApi<{ behaviors: { name: string; kind: string; objective: number | null }[] }>(server, '/api/v1/behaviors');
    const byName = Object.fromEntries(body.behaviors.map((b) => [b.name, [b.kind, b.objective]]));
    expect(byName).toMatchObject({ truncated: ['builtin', null], wrong_sla: ['sql', 0.004], malformed_tool_call: ['flag', null] });
  });
});
