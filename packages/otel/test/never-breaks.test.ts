import type { Tracer, TracerProvider } from '@opentelemetry/api';
import OpenAI, { APIPromise } from 'openai';
import { Stream } from 'openai/core/streaming';
import { afterEach, describe, expect, it } from 'vitest';
import { lookupOrderTool, startHarness, type Harness } from './harness.ts';

// A fixed simulated clock, so two providers with the same seed answer byte for byte alike.
const sim = { seed: 5, clock: { now: () => 1_800_000_000_000 } };
const request = () => ({
  model: 'gpt-sim',
  messages: [
    { role: 'system' as const, content: 'You are the bot.' },
    { role: 'user' as const, content: 'bad json via the tool' },
  ],
  tools: [lookupOrderTool],
  seed: 1,
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function drain(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('telemetry never breaks the call', () => {
  it('a throwing classifier and a throwing redactor change nothing the app gets', async () => {
    harness = await startHarness(
      {
        captureContent: true,
        redact: () => {
          throw new Error('redactor bug');
        },
        behaviors: {
          broken: () => {
            throw new Error('classifier bug');
          },
          always: () => true,
        },
      },
      sim,
    );
    const instrumented = await harness.openai.chat.completions.create(request());
    const instrumentedChunks = await drain(await harness.openai.chat.completions.create({ ...request(), stream: true }));
    await new Promise((resolve) => setImmediate(resolve));
    const spans = harness.spans();

    // The same two requests to an identical provider with the instrumentation off.
    harness.instrumentation.disable();
    const plain = await harness.withProvider(sim);
    const reference = await plain.openai.chat.completions.create(request());
    const referenceChunks = await drain(await plain.openai.chat.completions.create({ ...request(), stream: true }));

    expect(instrumented).toEqual(reference);
    expect(instrumentedChunks).toEqual(referenceChunks);
    expect(instrumentedChunks.length).toBeGreaterThan(3);
    // The span still has its built-in flag, the working classifier's, and placeholders for content.
    expect(spans.map((span) => span.attributes['behavior.flags'])).toEqual([
      ['malformed_tool_call', 'always'],
      ['malformed_tool_call', 'always'],
    ]);
    expect(spans[0]!.attributes['gen_ai.input.messages']).not.toContain('You are the bot.');
  });

  it('a tracer that throws leaves the call working', async () => {
    harness = await startHarness();
    const throwingTracer = {
      startSpan() {
        throw new Error('tracer bug');
      },
    } as unknown as Tracer;
    harness.instrumentation.setTracerProvider({ getTracer: () => throwingTracer } as TracerProvider);
    const completion = await harness.openai.chat.completions.create(request());
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it("returns the SDK's own APIPromise and Stream, and tee() still works", async () => {
    harness = await startHarness();
    const promise = harness.openai.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund' }], stream: true });
    expect(promise).toBeInstanceOf(APIPromise);
    const { data: stream, response } = await promise.withResponse();
    expect(response.status).toBe(200);
    expect(stream).toBeInstanceOf(Stream);
    const [left, right] = stream.tee();
    const [leftChunks, rightChunks] = await Promise.all([drain(left), drain(right)]);
    expect(leftChunks).toEqual(rightChunks);
    await new Promise((resolve) => setImmediate(resolve));
    expect(harness.spans().map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([['stop']]);
  });

  it('an early break ends the span with what arrived', async () => {
    harness = await startHarness();
    const stream = await harness.openai.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund' }], stream: true });
    for await (const _chunk of stream) break;
    await new Promise((resolve) => setImmediate(resolve));
    expect(harness.spans().length).toBe(1);
  });

  it('never mutates the arguments (deep-frozen params work, and are unchanged)', async () => {
    harness = await startHarness({ captureContent: true });
    const params = deepFreeze({ ...request(), stream: false as const });
    const snapshot = structuredClone(params);
    await harness.openai.chat.completions.create(params);
    await harness.anthropic.messages.create(deepFreeze({ model: 'claude-sim', max_tokens: 10, messages: [{ role: 'user' as const, content: 'refund' }] }));
    expect(params).toEqual(snapshot);
    expect(harness.spans().length).toBe(2);
  });

  it('disabled: calls pass straight through and no span is made', async () => {
    harness = await startHarness();
    harness.instrumentation.disable();
    const client = new OpenAI({ apiKey: 'x', baseURL: `${harness.provider.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund' }] });
    expect(harness.spans()).toEqual([]);
  });
});
