import type { Attributes } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestFromSpanAttributes } from '../src/index.ts';
import { lookupOrderTool, startHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ captureContent: true });
});
afterAll(async () => harness.close());
afterEach(() => {
  harness.exporter.reset();
  harness.provider.requests.length = 0;
});

// A multi-turn support conversation: system prompt, a tool round trip, then the question.
const original = {
  model: 'gpt-sim',
  messages: [
    { role: 'system' as const, content: 'You are the support bot. Refunds take seven days.' },
    { role: 'user' as const, content: 'Where is order A-1?' },
    {
      role: 'assistant' as const,
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function' as const, function: { name: 'lookup_order', arguments: '{"order_id": "A-1"}' } }],
    },
    { role: 'tool' as const, tool_call_id: 'call_1', content: '{"status":"refund approved"}' },
    { role: 'user' as const, content: 'How long does the refund take?' },
  ],
  tools: [lookupOrderTool],
  temperature: 0.3,
  top_p: 0.95,
  seed: 42,
  max_tokens: 300,
  stop: ['END'],
  frequency_penalty: 0.1,
  presence_penalty: 0.2,
};

/** Attributes as ClickHouse's Map(String, String) returns them: every value a string. */
function asStrings(attributes: Attributes): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
}

describe('requestFromSpanAttributes', () => {
  it('replaying a captured span sends the same body as the original call', async () => {
    await harness.openai.chat.completions.create(original);
    const captured = harness.onlySpanAttributes();
    const replay = requestFromSpanAttributes(captured);
    expect(replay.missing).toEqual([]);
    await harness.openai.chat.completions.create(replay.body as never);
    const [sent, resent] = harness.provider.requests;
    expect(resent!.body).toEqual(sent!.body);
    expect(sent!.body).toEqual(original);
  });

  it('reads string-valued attributes as stored in ClickHouse', async () => {
    await harness.openai.chat.completions.create(original);
    const replay = requestFromSpanAttributes(asStrings(harness.onlySpanAttributes()));
    expect(replay).toEqual({ body: original, missing: [] });
  });

  it('rebuilds Anthropic and Responses spans with instructions as a system message', async () => {
    await harness.anthropic.messages.create({ model: 'claude-sim', max_tokens: 50, system: 'Be brief.', messages: [{ role: 'user', content: 'refund?' }] });
    expect(requestFromSpanAttributes(harness.onlySpanAttributes())).toEqual({
      body: { model: 'claude-sim', max_tokens: 50, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'refund?' }] },
      missing: [],
    });
  });

  it('reports exactly the fields the span does not carry', async () => {
    await harness.openai.chat.completions.create({ ...original, response_format: { type: 'text' }, tool_choice: 'auto', user: 'u-1' });
    expect(requestFromSpanAttributes(harness.onlySpanAttributes()).missing).toEqual(['response_format', 'tool_choice', 'user']);
  });

  it('without content capture, messages and tools are missing', () => {
    const attributes = { 'gen_ai.request.model': 'gpt-sim', 'gen_ai.request.seed': 1, 'tool.schema.hash': 'abc' };
    expect(requestFromSpanAttributes(attributes)).toEqual({ body: { model: 'gpt-sim', seed: 1 }, missing: ['messages', 'tools'] });
  });
});
