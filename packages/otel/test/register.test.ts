import { createRequire } from 'node:module';
import type * as OpenAIModule from 'openai';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimProvider, type SimProvider } from '../../sim-provider/src/index.ts';
import { BehaviorRateInstrumentation } from '../src/index.ts';

let provider: SimProvider;
beforeAll(async () => {
  provider = await startSimProvider({});
});
afterAll(async () => provider.close());

describe('registerInstrumentations', () => {
  it('patches openai loaded after registration through the module hook', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const instrumentation = new BehaviorRateInstrumentation();
    const unregister = registerInstrumentations({ instrumentations: [instrumentation], tracerProvider });
    // Loaded only now, through require, so the require hook sees it.
    const { OpenAI } = createRequire(import.meta.url)('openai') as typeof OpenAIModule;
    const client = new OpenAI({ apiKey: 'x', baseURL: `${provider.url}/v1`, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund?' }] });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => [span.name, span.instrumentationScope.name, span.attributes['gen_ai.response.id']])).toEqual([
      ['chat gpt-sim', '@behavior-rate/otel', completion.id],
    ]);
    unregister();
  });
});
