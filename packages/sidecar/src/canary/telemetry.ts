import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { genAiRouter } from '../telemetry/genai-router.ts';

/** Service name of canary spans, so they are easy to tell apart in the raw table. */
export const CANARY_SERVICE_NAME = 'behavior-rate-canary';

/**
 * Canary calls are recorded through the product's own instrumentation, exactly like
 * production calls, and exported over OTLP: they take the same ingest path and land in
 * otel_traces, genai_calls (source 'canary') and every per-minute table.
 */
export interface CanaryTelemetry {
  /** Tracer for the runner's own `canary.case` spans. */
  tracer: Tracer;
  /** Exports every finished span now. */
  flush(): Promise<void>;
  /** Spans the exporter delivered and failed to deliver so far, and the last failure. */
  exportStats(): ExportStats;
  shutdown(): Promise<void>;
}

export interface ExportStats {
  exported: number;
  failed: number;
  lastError: string | null;
}

/** Counts what reaches the receiver, so a canary whose spans go nowhere says so. */
class CountingExporter implements SpanExporter {
  readonly stats: ExportStats = { exported: 0, failed: 0, lastError: null };
  readonly #inner: SpanExporter;
  constructor(inner: SpanExporter) {
    this.#inner = inner;
  }
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.stats.exported += spans.length;
      else {
        this.stats.failed += spans.length;
        this.stats.lastError = result.error?.message ?? 'export failed';
      }
      resultCallback(result);
    });
  }
  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** More than a few runs of the largest canary set: nothing is dropped while the receiver is briefly away. */
const MAX_QUEUED_SPANS = 10_000;

/**
 * Telemetry exporting to `${otlpUrl}/v1/traces` (or to `exporter`, in tests), fed by the
 * process's single OpenAI instrumentation (content capture on: canary prompts are ours and
 * their answers are what drift is made of).
 */
export function startCanaryTelemetry(options: {
  otlpUrl?: string;
  exporter?: SpanExporter;
  /** How long one OTLP export may take, retries included. Default 10000 ms, the exporter's own default. */
  exportTimeoutMs?: number;
}): CanaryTelemetry {
  const exporter = new CountingExporter(options.exporter ?? new OTLPTraceExporter({ url: `${(options.otlpUrl ?? '').replace(/\/$/, '')}/v1/traces`, timeoutMillis: options.exportTimeoutMs ?? 10_000 }));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': CANARY_SERVICE_NAME }),
    spanProcessors: [new BatchSpanProcessor({ exporter, maxQueueSize: MAX_QUEUED_SPANS, maxExportBatchSize: 512, scheduledDelayMillis: 200 })],
  });
  // The sidecar's one OpenAI instrumentation (shared with replays) sends canary calls here.
  genAiRouter().register('canary', (attributes) => attributes?.['canary.case_id'] !== undefined, provider);
  return {
    tracer: provider.getTracer('@behavior-rate/sidecar canary'),
    flush: () => provider.forceFlush(),
    exportStats: () => ({ ...exporter.stats }),
    shutdown: () => {
      genAiRouter().unregister('canary');
      return provider.shutdown();
    },
  };
}
