import { afterEach, describe, expect, it } from 'vitest';
import { BehaviorRateInstrumentation } from '../src/index.ts';
import { lookupOrderTool, startHarness, type Harness } from './harness.ts';

const CONTENT_KEYS = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.tool.definitions'];

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  delete process.env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'];
});

const request = {
  model: 'gpt-sim',
  messages: [
    { role: 'system' as const, content: 'You are the bot. Customer email: ann@example.com' },
    { role: 'user' as const, content: 'use the good tool for ann@example.com' },
  ],
  tools: [lookupOrderTool],
};

describe('content capture', () => {
  it('is off by default: no content attributes at all', async () => {
    harness = await startHarness();
    await harness.openai.chat.completions.create(request);
    const keys = Object.keys(harness.onlySpanAttributes());
    expect(CONTENT_KEYS.filter((key) => keys.includes(key))).toEqual([]);
  });

  it('when enabled, records structured messages with redaction applied', async () => {
    harness = await startHarness({ captureContent: true, redact: (text) => text.replaceAll(/\S+@\S+/g, '<email>') });
    const completion = await harness.openai.chat.completions.create(request);
    const attributes = harness.onlySpanAttributes();
    const callId = completion.choices[0]!.message.tool_calls![0]!.id;
    expect({
      input: JSON.parse(attributes['gen_ai.input.messages'] as string),
      system: JSON.parse(attributes['gen_ai.system_instructions'] as string),
      output: JSON.parse(attributes['gen_ai.output.messages'] as string),
      tools: JSON.parse(attributes['gen_ai.tool.definitions'] as string),
    }).toEqual({
      input: [
        { role: 'system', parts: [{ type: 'text', content: 'You are the bot. Customer email: <email>' }] },
        { role: 'user', parts: [{ type: 'text', content: 'use the good tool for <email>' }] },
      ],
      system: [{ type: 'text', content: 'You are the bot. Customer email: <email>' }],
      output: [{ role: 'assistant', parts: [{ type: 'tool_call', id: callId, name: 'lookup_order', arguments: '{"order_id":"A-1"}' }], finish_reason: 'tool_calls' }],
      tools: [{ type: 'function', ...lookupOrderTool.function }],
    });
  });

  it('streamed output is captured too', async () => {
    harness = await startHarness({ captureContent: true });
    const stream = await harness.openai.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'user', content: 'refund' }], stream: true });
    for await (const _chunk of stream) {
      // drain
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(harness.onlySpanAttributes()['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Refunds take seven days.' }], finish_reason: 'stop' },
    ]);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
    ['1', false],
    ['yes', false],
  ])('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=%s → captureContent %s', (value, expected) => {
    process.env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'] = value;
    const instrumentation = new BehaviorRateInstrumentation({ enabled: false });
    expect(instrumentation.getConfig().captureContent).toBe(expected);
  });

  it('an explicit captureContent wins over the environment', () => {
    process.env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'] = 'true';
    expect(new BehaviorRateInstrumentation({ enabled: false, captureContent: false }).getConfig().captureContent).toBe(false);
  });
});
