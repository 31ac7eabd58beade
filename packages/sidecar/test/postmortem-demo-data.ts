import { SpanKind, type Attributes } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { binomialSampler } from '@behavior-rate/stats';
import type { TestServer } from './helpers.ts';

/** The demo's story: the support bot's backend changes 20 minutes before the incident, and the wrong-SLA rate rises. */
export interface DemoTraffic {
  /** Calls sent per fingerprint, and how many of them were wrong. */
  sent: { fingerprint: string; calls: number; wrong: number; fromMs: number; toMs: number }[];
}

const MINUTE = 60_000;

/**
 * Live traffic for the `minutes` before `endMs`: `perMinute` calls a minute, fingerprint
 * fp_sim_a1b2c3 at 0.4% wrong answers until `changeAtMs`, then fp_sim_d4e5f6 at 3% with a
 * new retrieval index version. Seeded, so the counts are known and fixed.
 */
export async function sendDemoTraffic(server: TestServer, endMs: number, changeAtMs: number, minutes = 240, perMinute = 20): Promise<DemoTraffic> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${server.otlpUrl}/v1/traces` }), maxQueueSize: 20_000, maxExportBatchSize: 1000, scheduledDelayMillis: 50 })],
  });
  const tracer = provider.getTracer('demo');
  const draw = binomialSampler(424242);
  const sent: DemoTraffic['sent'] = [];
  for (let m = minutes; m >= 1; m--) {
    const minuteStart = Math.floor((endMs - m * MINUTE) / MINUTE) * MINUTE;
    const after = minuteStart >= changeAtMs;
    const fingerprint = after ? 'fp_sim_d4e5f6' : 'fp_sim_a1b2c3';
    const wrong = draw(perMinute, after ? 0.03 : 0.004);
    let entry = sent.find((s) => s.fingerprint === fingerprint);
    if (entry === undefined) {
      entry = { fingerprint, calls: 0, wrong: 0, fromMs: minuteStart, toMs: minuteStart };
      sent.push(entry);
    }
    entry.calls += perMinute;
    entry.wrong += wrong;
    entry.toMs = minuteStart;
    for (let i = 0; i < perMinute; i++) {
      const text = i < wrong ? 'Refunds are processed within seven hours of approval.' : 'Refunds are processed within seven days of approval.';
      const start = minuteStart + Math.floor((i * MINUTE) / perMinute);
      const attributes: Attributes = {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'openai.response.system_fingerprint': fingerprint,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 14,
        'gen_ai.usage.cache_read.input_tokens': after ? 0 : 64,
        'retrieval.index.version': after ? 'idx-2026-11-25' : 'idx-2026-11-24',
        'traffic.class': 'live',
        'tool.schema.hash': '5f1e0c2a9b3d4e6f',
        'prompt.template.hash': '0a1b2c3d4e5f6a7b',
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }]),
      };
      const span = tracer.startSpan('chat gpt-4o-mini', { kind: SpanKind.CLIENT, attributes, startTime: start });
      span.end(start + 800);
    }
  }
  await provider.forceFlush();
  await provider.shutdown();
  return { sent };
}

/** The incident call as the instrumentation records it with content capture on: the user saw "seven hours". */
export async function sendIncidentSpan(server: TestServer, atMs: number): Promise<{ traceId: string; spanId: string }> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${server.otlpUrl}/v1/traces` }) })],
  });
  const tracer = provider.getTracer('demo');
  const parent = tracer.startSpan('POST /chat', { kind: SpanKind.SERVER, startTime: atMs - 50 });
  const { trace, context } = await import('@opentelemetry/api');
  const span = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      startTime: atMs,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.request.temperature': 0.7,
        'gen_ai.request.max_tokens': 200,
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'openai.response.system_fingerprint': 'fp_sim_d4e5f6',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 14,
        'gen_ai.usage.cache_read.input_tokens': 0,
        'retrieval.index.version': 'idx-2026-11-25',
        'traffic.class': 'live',
        'tool.schema.hash': '5f1e0c2a9b3d4e6f',
        'prompt.template.hash': '0a1b2c3d4e5f6a7b',
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are the support bot of Acme. Refunds take seven days.' }]),
        'gen_ai.input.messages': JSON.stringify([
          { role: 'system', parts: [{ type: 'text', content: 'You are the support bot of Acme. Refunds take seven days.' }] },
          { role: 'user', parts: [{ type: 'text', content: 'How long does a refund take?' }] },
        ]),
        'gen_ai.tool.definitions': JSON.stringify([
          { type: 'function', name: 'lookup_order', description: 'Find an order', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } },
        ]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Refunds are processed within seven hours of approval.' }], finish_reason: 'stop' }]),
      },
    },
    trace.setSpan(context.active(), parent),
  );
  span.end(atMs + 900);
  parent.end(atMs + 1000);
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
}
