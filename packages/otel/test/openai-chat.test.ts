import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { promptTemplateHash, toolSchemaHash } from '../src/index.ts';
import { lookupOrderTool, serverAttributes, settledSpans, startHarness, type Harness } from './harness.ts';

const SYSTEM = 'You are the support bot of Acme. Refunds take seven days.';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => harness.close());
afterEach(() => harness.exporter.reset());

function requestAttributes(model = 'gpt-sim') {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'openai.api.type': 'chat_completions',
    'gen_ai.request.model': model,
    ...serverAttributes(harness),
  };
}

describe('openai chat completions', () => {
  it('records request parameters, provider metadata, usage and hashes', async () => {
    const completion = await harness.openai.chat.completions.create({
      model: 'gpt-sim',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'How long does a refund take?' },
      ],
      tools: [lookupOrderTool],
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      max_tokens: 200,
      stop: ['\n\n'],
      service_tier: 'default',
    });
    expect(completion.choices[0]!.message.content).toBe('Refunds take seven days.');
    const [span] = harness.spans();
    expect(span!.name).toBe('chat gpt-sim');
    expect(span!.kind).toBe(SpanKind.CLIENT);
    expect(span!.status.code).toBe(SpanStatusCode.UNSET);
    expect(span!.attributes).toEqual({
      ...requestAttributes(),
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.seed': 7,
      'gen_ai.request.max_tokens': 200,
      'gen_ai.request.stop_sequences': ['\n\n'],
      'openai.request.service_tier': 'default',
      'tool.schema.hash': toolSchemaHash([lookupOrderTool]),
      'prompt.template.hash': promptTemplateHash(SYSTEM),
      'gen_ai.response.id': completion.id,
      'gen_ai.response.model': 'gpt-sim',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': completion.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage!.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.reasoning.output_tokens': 0,
      'openai.response.system_fingerprint': 'fp_test_1',
      'openai.response.service_tier': 'default',
      'behavior.flags': [],
    });
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  it('records cache reads on a repeated system prompt', async () => {
    const messages = [
      { role: 'system' as const, content: 'Cache me: you are a very long and stable system prompt.' },
      { role: 'user' as const, content: 'refund?' },
    ];
    await harness.openai.chat.completions.create({ model: 'gpt-sim', messages });
    const second = await harness.openai.chat.completions.create({ model: 'gpt-sim', messages });
    const [first, repeated] = harness.spans();
    expect(first!.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(0);
    expect(repeated!.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(second.usage!.prompt_tokens_details!.cached_tokens);
    expect(second.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThan(0);
  });

  it('streams: the app gets every chunk, the span gets the assembled response', async () => {
    const stream = await harness.openai.chat.completions.create({
      model: 'gpt-sim',
      messages: [{ role: 'user', content: 'refund please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let id = '';
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      id = chunk.id;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Refunds take seven days.');
    const [span] = await settledSpans(harness, 1);
    expect(span!.attributes).toEqual({
      ...requestAttributes(),
      'gen_ai.request.stream': true,
      'gen_ai.response.id': id,
      'gen_ai.response.model': 'gpt-sim',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': usage!.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.reasoning.output_tokens': 0,
      'openai.response.system_fingerprint': 'fp_test_1',
      'openai.response.service_tier': 'default',
      'behavior.flags': [],
    });
  });

  it('the SDK helpers (stream(), parse()) are traced through create', async () => {
    const final = await harness.openai.chat.completions.stream({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund' }] }).finalChatCompletion();
    const parsed = await harness.openai.chat.completions.parse({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund' }] });
    const spans = await settledSpans(harness, 2);
    expect(spans.map((span) => [span.attributes['gen_ai.response.id'], span.attributes['gen_ai.response.finish_reasons']])).toEqual([
      [final.id, ['stop']],
      [parsed.id, ['stop']],
    ]);
  });

  it('a well-formed tool call is not flagged', async () => {
    const completion = await harness.openai.chat.completions.create({
      model: 'gpt-sim',
      messages: [{ role: 'user', content: 'use the good tool' }],
      tools: [lookupOrderTool],
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && call.function.arguments).toBe('{"order_id":"A-1"}');
    expect(harness.onlySpanAttributes()).toEqual({
      ...requestAttributes(),
      'tool.schema.hash': toolSchemaHash([lookupOrderTool]),
      'gen_ai.response.id': completion.id,
      'gen_ai.response.model': 'gpt-sim',
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': completion.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage!.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.reasoning.output_tokens': 0,
      'openai.response.system_fingerprint': 'fp_test_1',
      'openai.response.service_tier': 'default',
      'behavior.flags': [],
    });
  });

  it.each([
    ['bad json', 'arguments that are not JSON'],
    ['bad schema', 'arguments that violate the schema'],
  ])('flags a malformed tool call (%s: %s), streamed or not', async (prompt) => {
    await harness.openai.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: prompt }], tools: [lookupOrderTool] });
    const stream = await harness.openai.chat.completions.create({
      model: 'gpt-sim',
      messages: [{ role: 'user', content: prompt }],
      tools: [lookupOrderTool],
      stream: true,
    });
    for await (const _chunk of stream) {
      // drain
    }
    const spans = await settledSpans(harness, 2);
    expect(spans.map((span) => span.attributes['behavior.flags'])).toEqual([['malformed_tool_call'], ['malformed_tool_call']]);
  });

  it.each([
    ['refuse this', ['refusal'], ['stop']],
    ['make it long', ['truncated'], ['length']],
    ['trip the filter', ['content_filtered', 'empty_output'], ['content_filter']],
    ['say empty', ['empty_output'], ['stop']],
  ])('built-in flags for "%s"', async (prompt, flags, finishReasons) => {
    await harness.openai.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: prompt }] });
    const attributes = harness.onlySpanAttributes();
    expect([attributes['behavior.flags'], attributes['gen_ai.response.finish_reasons']]).toEqual([flags, finishReasons]);
  });

  it.each([
    ['rate limit', { rateLimitRate: 1 }, 'RateLimitError', 429],
    ['server error', { serverErrorRate: 1 }, 'InternalServerError', 500],
  ])('records a %s as error.type with status Error', async (_name, faults, errorType, status) => {
    const failing = await harness.withProvider({ faults });
    {
      const error = await failing.openai.chat.completions
        .create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund' }], seed: 3 })
        .then(() => null, (caught: unknown) => caught);
      expect((error as { status?: number }).status).toBe(status);
      const [span] = harness.spans();
      expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      expect(span!.attributes).toEqual({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'openai.api.type': 'chat_completions',
        'gen_ai.request.model': 'gpt-sim',
        'gen_ai.request.seed': 3,
        ...serverAttributes(failing),
        'error.type': errorType,
      });
      expect(span!.events.map((event) => event.name)).toEqual(['exception']);
    }
  });

  it('records a client-side timeout', async () => {
    const hanging = await harness.withProvider({ faults: { timeoutRate: 1, timeoutMs: 5_000 } });
    {
      const error = await hanging.openai.chat.completions
        .create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund' }] }, { timeout: 100 })
        .then(() => null, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(harness.onlySpanAttributes()['error.type']).toBe('APIConnectionTimeoutError');
    }
  });
});
