import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withUncontrolledInputs } from '../src/index.ts';
import { startHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => harness.close());
afterEach(() => harness.exporter.reset());

const ask = () => harness.openai.chat.completions.create({ model: 'gpt-sim', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'refund' }] });

function ours(attributes: Record<string, unknown>) {
  const keys = ['retrieval.index.version', 'retrieval.freshness_lag_ms', 'traffic.class', 'prompt.template.hash', 'gen_ai.conversation.id', 'canary.case_id', 'replay.of', 'replay.run_id'];
  return Object.fromEntries(keys.filter((key) => key in attributes).map((key) => [key, attributes[key]]));
}

describe('withUncontrolledInputs', () => {
  it('puts the inputs on every GenAI span inside, across awaits, and nowhere else', async () => {
    await withUncontrolledInputs(
      { retrievalIndexVersion: 'idx-42', retrievalFreshnessLagMs: 1234.6, trafficClass: 'live', conversationId: 'conv-1', promptTemplateId: 'refund-v3' },
      async () => {
        await ask();
        await new Promise((resolve) => setTimeout(resolve, 1));
        await ask();
      },
    );
    await ask();
    expect(harness.spans().map((span) => ours(span.attributes))).toEqual([
      { 'retrieval.index.version': 'idx-42', 'retrieval.freshness_lag_ms': 1235, 'traffic.class': 'live', 'gen_ai.conversation.id': 'conv-1', 'prompt.template.hash': 'refund-v3' },
      { 'retrieval.index.version': 'idx-42', 'retrieval.freshness_lag_ms': 1235, 'traffic.class': 'live', 'gen_ai.conversation.id': 'conv-1', 'prompt.template.hash': 'refund-v3' },
      { 'prompt.template.hash': harness.spans()[2]!.attributes['prompt.template.hash'] },
    ]);
    expect(harness.spans()[2]!.attributes['prompt.template.hash']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('nests (inner wins) and carries canary and replay marks; returns what fn returns', async () => {
    const result = await withUncontrolledInputs({ trafficClass: 'canary', canaryCaseId: 'case-7' }, () =>
      withUncontrolledInputs({ replayOf: 'span-abc', replayRunId: 'run-1', trafficClass: 'replay' }, async () => {
        await ask();
        return 'done';
      }),
    );
    expect(result).toBe('done');
    const { ['prompt.template.hash']: _hash, ...marks } = ours(harness.onlySpanAttributes());
    expect(marks).toEqual({ 'traffic.class': 'replay', 'canary.case_id': 'case-7', 'replay.of': 'span-abc', 'replay.run_id': 'run-1' });
  });

  it('concurrent scopes do not leak into each other', async () => {
    await Promise.all([
      withUncontrolledInputs({ retrievalIndexVersion: 'a' }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await ask();
      }),
      withUncontrolledInputs({ retrievalIndexVersion: 'b' }, ask),
    ]);
    expect(harness.spans().map((span) => span.attributes['retrieval.index.version']).sort()).toEqual(['a', 'b']);
  });
});
