import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { promptTemplateHash, toolSchemaHash } from '../src/index.ts';
import { serverAttributes, settledSpans, startHarness, type Harness } from './harness.ts';

const SYSTEM = 'You are the support bot of Acme.';
const anthropicTool = {
  name: 'lookup_order',
  description: 'Look up an order',
  input_schema: { type: 'object' as const, properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => harness.close());
afterEach(() => harness.exporter.reset());

function requestAttributes() {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': 'claude-sim',
    'gen_ai.request.max_tokens': 256,
    ...serverAttributes(harness),
  };
}

describe('anthropic messages', () => {
  it('records a message, counting cache reads and writes into input tokens', async () => {
    const params = {
      model: 'claude-sim',
      max_tokens: 256,
      system: SYSTEM,
      temperature: 0,
      top_k: 5,
      stop_sequences: ['END'],
      messages: [{ role: 'user' as const, content: 'How do refunds work?' }],
      tools: [anthropicTool],
    };
    const first = await harness.anthropic.messages.create(params);
    const second = await harness.anthropic.messages.create(params);
    expect(first.content).toEqual([{ type: 'text', text: 'Refunds take seven days.' }]);
    const [firstSpan, secondSpan] = harness.spans();
    const expected = (message: typeof first) => ({
      ...requestAttributes(),
      'gen_ai.request.temperature': 0,
      'gen_ai.request.top_k': 5,
      'gen_ai.request.stop_sequences': ['END'],
      'tool.schema.hash': toolSchemaHash([anthropicTool]),
      'prompt.template.hash': promptTemplateHash(SYSTEM),
      'gen_ai.response.id': message.id,
      'gen_ai.response.model': 'claude-sim',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens':
        message.usage.input_tokens + (message.usage.cache_read_input_tokens ?? 0) + (message.usage.cache_creation_input_tokens ?? 0),
      'gen_ai.usage.output_tokens': message.usage.output_tokens,
      'gen_ai.usage.cache_read.input_tokens': message.usage.cache_read_input_tokens,
      'gen_ai.usage.cache_creation.input_tokens': message.usage.cache_creation_input_tokens,
      'behavior.flags': [],
    });
    expect(firstSpan!.attributes).toEqual(expected(first));
    expect(secondSpan!.attributes).toEqual(expected(second));
    expect([first.usage.cache_creation_input_tokens, second.usage.cache_read_input_tokens]).toEqual([8, 8]);
  });

  it('records a streamed tool use (and flags schema violations)', async () => {
    const stream = await harness.anthropic.messages.create({
      model: 'claude-sim',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'bad schema' }],
      tools: [anthropicTool],
      stream: true,
    });
    let id = '';
    let outputTokens = -1;
    for await (const event of stream) {
      if (event.type === 'message_start') id = event.message.id;
      if (event.type === 'message_delta') outputTokens = event.usage.output_tokens;
    }
    const [span] = await settledSpans(harness, 1);
    expect(span!.attributes).toEqual({
      ...requestAttributes(),
      'gen_ai.request.stream': true,
      'tool.schema.hash': toolSchemaHash([anthropicTool]),
      'gen_ai.response.id': id,
      'gen_ai.response.model': 'claude-sim',
      'gen_ai.response.finish_reasons': ['tool_use'],
      'gen_ai.usage.input_tokens': 3,
      'gen_ai.usage.output_tokens': outputTokens,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.cache_creation.input_tokens': 0,
      'behavior.flags': ['malformed_tool_call'],
    });
  });

  it('the messages.stream() helper is traced through create', async () => {
    const final = await harness.anthropic.messages.stream({ model: 'claude-sim', max_tokens: 256, messages: [{ role: 'user', content: 'use the good tool' }], tools: [anthropicTool] }).finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const [span] = await settledSpans(harness, 1);
    expect([span!.attributes['gen_ai.response.id'], span!.attributes['behavior.flags']]).toEqual([final.id, []]);
  });

  it('maps refusal and max_tokens stops to flags', async () => {
    await harness.anthropic.messages.create({ model: 'claude-sim', max_tokens: 256, messages: [{ role: 'user', content: 'refuse this' }] });
    await harness.anthropic.messages.create({ model: 'claude-sim', max_tokens: 256, messages: [{ role: 'user', content: 'make it long' }] });
    expect(harness.spans().map((span) => span.attributes['behavior.flags'])).toEqual([['refusal'], ['truncated']]);
  });

  it('records errors', async () => {
    const failing = await harness.withProvider({ faults: { rateLimitRate: 1 } });
    await expect(failing.anthropic.messages.create({ model: 'claude-sim', max_tokens: 256, messages: [{ role: 'user', content: 'x' }] })).rejects.toThrow();
    const [span] = harness.spans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toEqual({ ...requestAttributes(), ...serverAttributes(failing), 'error.type': 'RateLimitError' });
  });
});
