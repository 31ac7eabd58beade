import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { genAiRouter } from '../telemetry/genai-router.ts';

/**
 * Replays are recorded through the product's own instrumentation, exactly like
 * production calls, and exported over OTLP to the sidecar's own receiver: they take the
 * same ingest path and land in otel_traces and genai_calls beside production.
 */
export interface ReplayTelemetry {
  /** Where replay spans go, `${otlpUrl}/v1/traces`. */
  tracesUrl: string;
  /** Exports every finished replay span and waits for the receiver's 200 (committed to the store). */
  flush(): Promise<void>;
}

/** Queue big enough for the largest run, so no span is dropped before a flush. */
const MAX_QUEUED_SPANS = 20_000;

let current: { telemetry: ReplayTelemetry; provider: TracerProvider } | undefined;

/**
 * The process-wide replay telemetry for an OTLP base URL (one sidecar per process).
 * Content capture is on: replays exist only for calls whose content was captured, and
 * their outputs are what the report is made of.
 */
export function replayTelemetry(otlpUrl: string): ReplayTelemetry {
  const tracesUrl = `${otlpUrl.replace(/\/$/, '')}/v1/traces`;
  if (current?.telemetry.tracesUrl === tracesUrl) return current.telemetry;
  const previous = current;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'behavior-rate-replay' }),
    spanProcessors: [
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl }), maxQueueSize: MAX_QUEUED_SPANS, maxExportBatchSize: 512, scheduledDelayMillis: 200 }),
    ],
  });
  // Spans marked replay.of come here; the instrumentation is shared with the rest of the process.
  genAiRouter().register('replay', (attributes) => attributes?.['replay.of'] !== undefined, provider);
  const telemetry: ReplayTelemetry = { tracesUrl, flush: () => provider.forceFlush() };
  current = { telemetry, provider };
  if (previous !== undefined) void previous.provider.shutdown().catch(() => {});
  return telemetry;
}
