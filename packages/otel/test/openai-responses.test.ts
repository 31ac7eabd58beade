import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { promptTemplateHash, toolSchemaHash } from '../src/index.ts';
import { serverAttributes, settledSpans, startHarness, type Harness } from './harness.ts';

const INSTRUCTIONS = 'You are the support bot of Acme.';
const responsesTool = {
  type: 'function' as const,
  name: 'lookup_order',
  description: 'Look up an order',
  strict: true,
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
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
    'gen_ai.provider.name': 'openai',
    'openai.api.type': 'responses',
    'gen_ai.request.model': 'gpt-sim',
    ...serverAttributes(harness),
  };
}

describe('openai responses', () => {
  it('records a non-streamed response', async () => {
    const response = await harness.openai.responses.create({
      model: 'gpt-sim',
      instructions: INSTRUCTIONS,
      input: 'How do refunds work?',
      temperature: 0.5,
      max_output_tokens: 100,
      tools: [responsesTool],
    });
    expect(response.output_text).toBe('Refunds take seven days.');
    expect(harness.onlySpanAttributes()).toEqual({
      ...requestAttributes(),
      'gen_ai.request.temperature': 0.5,
      'gen_ai.request.max_tokens': 100,
      'tool.schema.hash': toolSchemaHash([responsesTool]),
      'prompt.template.hash': promptTemplateHash(INSTRUCTIONS),
      'gen_ai.response.id': response.id,
      'gen_ai.response.model': 'gpt-sim',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': response.usage!.input_tokens,
      'gen_ai.usage.output_tokens': response.usage!.output_tokens,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.reasoning.output_tokens': 0,
      'openai.response.service_tier': 'default',
      'behavior.flags': [],
    });
  });

  it('records a streamed response with a malformed function call', async () => {
    const stream = await harness.openai.responses.create({
      model: 'gpt-sim',
      input: [{ role: 'user', content: 'bad json please' }],
      tools: [responsesTool],
      stream: true,
    });
    let completedId = '';
    let usage: { input_tokens: number; output_tokens: number } | undefined;
    for await (const event of stream) {
      if (event.type === 'response.completed') {
        completedId = event.response.id;
        usage = event.response.usage ?? undefined;
      }
    }
    const [span] = await settledSpans(harness, 1);
    expect(span!.attributes).toEqual({
      ...requestAttributes(),
      'gen_ai.request.stream': true,
      'tool.schema.hash': toolSchemaHash([responsesTool]),
      'gen_ai.response.id': completedId,
      'gen_ai.response.model': 'gpt-sim',
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.usage.input_tokens': usage!.input_tokens,
      'gen_ai.usage.output_tokens': usage!.output_tokens,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.reasoning.output_tokens': 0,
      'openai.response.service_tier': 'default',
      'behavior.flags': ['malformed_tool_call'],
    });
  });

  it('the responses.stream() helper is traced through create', async () => {
    const final = await harness.openai.responses.stream({ model: 'gpt-sim', input: 'refund' }).finalResponse();
    const [span] = await settledSpans(harness, 1);
    expect([span!.attributes['gen_ai.response.id'], span!.attributes['gen_ai.request.stream']]).toEqual([final.id, true]);
  });

  it('maps incomplete responses to truncated and content_filtered', async () => {
    await harness.openai.responses.create({ model: 'gpt-sim', input: 'make it long' });
    await harness.openai.responses.create({ model: 'gpt-sim', input: 'trip the filter' });
    await harness.openai.responses.create({ model: 'gpt-sim', input: 'refuse this' });
    expect(harness.spans().map((span) => [span.attributes['gen_ai.response.finish_reasons'], span.attributes['behavior.flags']])).toEqual([
      [['length'], ['truncated']],
      [['content_filter'], ['content_filtered', 'empty_output']],
      [['stop'], ['refusal']],
    ]);
  });

  it('records errors', async () => {
    const failing = await harness.withProvider({ faults: { serverErrorRate: 1 } });
    await expect(failing.openai.responses.create({ model: 'gpt-sim', input: 'refund' })).rejects.toThrow();
    const [span] = harness.spans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toEqual({ ...requestAttributes(), ...serverAttributes(failing), 'error.type': 'InternalServerError' });
  });
});
