import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { BehaviorRateInstrumentation } from '../src/index.ts';

export interface DemoTelemetry {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The app's OpenTelemetry setup: our instrumentation with one in-process classifier, spans
 * exported over OTLP/HTTP to the sidecar. No prompt or answer text leaves the process; only the
 * `wrong_sla` flag does.
 */
export function startDemoTelemetry(otlpUrl: string): DemoTelemetry {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-bot' }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }),
        maxQueueSize: 20_000,
        maxExportBatchSize: 1_000,
        scheduledDelayMillis: 500,
      }),
    ],
  });
  const instrumentation = new BehaviorRateInstrumentation({
    captureContent: false,
    behaviors: { wrong_sla: (call) => /seven hours/i.test(call.outputText) },
  });
  instrumentation.setTracerProvider(provider);
  instrumentation.manuallyInstrument({ openai: OpenAI });
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      instrumentation.manuallyUninstrument({ openai: OpenAI });
      instrumentation.disable();
      await provider.shutdown();
      contextManager.disable();
      context.disable();
    },
  };
}
