import Anthropic from '@anthropic-ai/sdk';
import { context, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import OpenAI from 'openai';
import { startSimProvider, type SimProvider, type SimProviderConfig, type SimScenario } from '../../sim-provider/src/index.ts';
import { BehaviorRateInstrumentation } from '../src/index.ts';
import type { BehaviorRateInstrumentationConfig } from '../src/index.ts';

/** Tools of the test support bot. */
export const lookupOrderTool = {
  type: 'function' as const,
  function: {
    name: 'lookup_order',
    description: 'Look up an order',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string' } },
      required: ['order_id'],
      additionalProperties: false,
    },
  },
};

/** One deterministic answer per prompt keyword, so every test knows what comes back. */
export const testScenario: SimScenario = {
  systemFingerprint: 'fp_test_1',
  rules: [
    { id: 'good-tool', match: 'good tool', answers: [{ id: 'ok', weight: 1, toolCalls: [{ name: 'lookup_order', arguments: { order_id: 'A-1' } }] }] },
    { id: 'bad-json', match: 'bad json', answers: [{ id: 'bad', weight: 1, toolCalls: [{ name: 'lookup_order', arguments: '{"order_id": ' }] }] },
    { id: 'bad-schema', match: 'bad schema', answers: [{ id: 'bad', weight: 1, toolCalls: [{ name: 'lookup_order', arguments: { order_id: 42 } }] }] },
    { id: 'refuse', match: 'refuse this', answers: [{ id: 'refusal', weight: 1, refusal: 'I cannot help with that.' }] },
    { id: 'long', match: 'make it long', answers: [{ id: 'cut', weight: 1, text: 'Refunds take', finishReason: 'length' }] },
    { id: 'filter', match: 'trip the filter', answers: [{ id: 'filtered', weight: 1, text: '', finishReason: 'content_filter' }] },
    { id: 'empty', match: 'say empty', answers: [{ id: 'nothing', weight: 1, text: '' }] },
    { id: 'refund', match: 'refund', answers: [{ id: 'sla', weight: 1, text: 'Refunds take seven days.' }] },
  ],
};

export interface Harness {
  provider: SimProvider;
  /** Another simulated provider (e.g. with faults) and an OpenAI client for it, spans going to this harness. */
  withProvider(config: SimProviderConfig): Promise<{ provider: SimProvider; openai: OpenAI; anthropic: Anthropic }>;
  instrumentation: BehaviorRateInstrumentation;
  openai: OpenAI;
  anthropic: Anthropic;
  exporter: InMemorySpanExporter;
  spans(): ReadableSpan[];
  /** Attributes of the only finished span (fails when there is not exactly one). */
  onlySpanAttributes(): Attributes;
  close(): Promise<void>;
}

export async function startHarness(config: BehaviorRateInstrumentationConfig = {}, sim: SimProviderConfig = {}): Promise<Harness> {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const instrumentation = new BehaviorRateInstrumentation(config);
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.manuallyInstrument({ openai: OpenAI, anthropic: Anthropic });
  const provider = await startSimProvider({ scenario: testScenario, ...sim });
  const openai = new OpenAI({ apiKey: 'test', baseURL: `${provider.url}/v1`, maxRetries: 0 });
  // The Anthropic SDK emits its own spans when a tracer provider is registered; off here so
  // only ours are asserted (see README: "Anthropic SDK's built-in spans").
  const anthropic = new Anthropic({ apiKey: 'test', baseURL: provider.url, maxRetries: 0, openTelemetry: false });
  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const extraProviders: SimProvider[] = [];
  return {
    provider,
    async withProvider(config) {
      const extra = await startSimProvider({ scenario: testScenario, ...config });
      extraProviders.push(extra);
      return {
        provider: extra,
        openai: new OpenAI({ apiKey: 'test', baseURL: `${extra.url}/v1`, maxRetries: 0 }),
        anthropic: new Anthropic({ apiKey: 'test', baseURL: extra.url, maxRetries: 0, openTelemetry: false }),
      };
    },
    instrumentation,
    openai,
    anthropic,
    exporter,
    spans,
    onlySpanAttributes() {
      const finished = spans();
      if (finished.length !== 1) throw new Error(`expected one span, got ${finished.length}`);
      return finished[0]!.attributes;
    },
    async close() {
      instrumentation.manuallyUninstrument({ openai: OpenAI, anthropic: Anthropic });
      instrumentation.disable();
      await provider.close();
      await Promise.all(extraProviders.map((extra) => extra.close()));
      await tracerProvider.shutdown();
      contextManager.disable();
      context.disable();
    },
  };
}

/** Server attributes for the harness's provider. */
export function serverAttributes(target: { provider: SimProvider }): Attributes {
  return { 'server.address': '127.0.0.1', 'server.port': target.provider.port };
}

/** Waits until `count` spans have finished (span end follows the app's await by a microtask or two). */
export async function settledSpans(harness: Harness, count: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100 && harness.spans().length < count; i++) await new Promise((resolve) => setImmediate(resolve));
  return harness.spans();
}
