import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** One minute of planned traffic: `calls` calls of which `hits` answer in hours (the wrong_sla behavior). */
export interface PlannedMinute {
  /** Start of the minute, ms since the epoch. */
  minute: number;
  calls: number;
  hits: number;
  /** Default fp_a; "" for calls that report no fingerprint at all. */
  fingerprint?: string;
  model?: string;
  /** Calls flagged malformed_tool_call by the app. Default 0. */
  malformed?: number;
}

export const ALERTING_BEHAVIORS = `
behaviors:
  - name: wrong_sla
    description: The bot quoted a refund time in hours; the SLA is seven days.
    where: "output_text ILIKE '%hours%'"
    objective: 0.004
  - name: malformed_tool_call
    description: The app's tool-call parser rejected the model's arguments.
    objective: 0.001
`;

/**
 * Sends the planned calls as real GenAI spans through the OTel JS SDK's OTLP/HTTP
 * exporter, each span backdated into its minute, so minutes of traffic arrive in
 * a second.
 */
export async function sendMinutes(otlpUrl: string, minutes: readonly PlannedMinute[], service = 'support-bot'): Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }), maxExportBatchSize: 512, maxQueueSize: 100_000, scheduledDelayMillis: 20 })],
  });
  const tracer = provider.getTracer('alerting-test');
  for (const planned of minutes) {
    const model = planned.model ?? 'gpt-4o-mini';
    for (let i = 0; i < planned.calls; i++) {
      const text = i < planned.hits ? 'Your refund takes seven hours.' : 'Your refund takes seven days.';
      // Spread over the minute so every span lands inside it.
      const start = planned.minute + Math.floor((i * 59_000) / Math.max(1, planned.calls));
      const span = tracer.startSpan(`chat ${model}`, {
        kind: SpanKind.CLIENT,
        startTime: start,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': model,
          // fingerprint "" sends neither a system fingerprint nor a response model: a call without any.
          ...(planned.fingerprint === '' ? {} : { 'gen_ai.response.model': `${model}-2024-07-18`, 'openai.response.system_fingerprint': planned.fingerprint ?? 'fp_a' }),
          'gen_ai.response.finish_reasons': ['stop'],
          'behavior.flags': i >= planned.calls - (planned.malformed ?? 0) ? ['malformed_tool_call'] : [],
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' }]),
        },
      });
      span.end(start + 300);
    }
  }
  await provider.forceFlush();
  await provider.shutdown();
}

/** Sends one `canary.case` span per (minute, outcome), as the canary runner records a case run. */
export async function sendCanaryRuns(otlpUrl: string, runs: readonly { minute: number; caseId: string; outcome: string }[]): Promise<void> {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'behavior-rate-canary' }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }), maxExportBatchSize: 512, scheduledDelayMillis: 20 })],
  });
  const tracer = provider.getTracer('alerting-test');
  for (const run of runs) {
    const span = tracer.startSpan('canary.case', {
      startTime: run.minute + 1000,
      attributes: { 'canary.case_id': run.caseId, 'canary.run_id': `r${run.minute}`, 'canary.request_model': 'gpt-4o-mini', 'canary.outcome': run.outcome },
    });
    span.end(run.minute + 2000);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

/** Start of the minute `ago` minutes before the current one, ms. */
export function minuteAgo(ago: number, now = Date.now()): number {
  return Math.floor(now / 60_000) * 60_000 - ago * 60_000;
}

/** Parses Prometheus exposition text into "name{labels}" → value. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}
