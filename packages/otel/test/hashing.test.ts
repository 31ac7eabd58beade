import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/hashing.ts';
import { promptTemplateHash, toolSchemaHash } from '../src/index.ts';

const tool = {
  type: 'function',
  function: { name: 'lookup_order', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } },
};
const reordered = {
  function: { parameters: { required: ['order_id'], properties: { order_id: { type: 'string' } }, type: 'object' }, name: 'lookup_order' },
  type: 'function',
};

describe('tool.schema.hash', () => {
  it('is stable under key order', () => {
    expect(toolSchemaHash([reordered])).toBe(toolSchemaHash([tool]));
    expect(canonicalJson(reordered)).toBe(canonicalJson(tool));
  });

  it('changes when a schema changes', () => {
    const changed = structuredClone(tool);
    changed.function.parameters.properties.order_id.type = 'integer';
    expect(toolSchemaHash([changed])).not.toBe(toolSchemaHash([tool]));
  });

  it('changes when the same array is mutated between calls (no stale cache)', () => {
    const tools = [structuredClone(tool)];
    const before = toolSchemaHash(tools);
    tools[0]!.function.name = 'lookup_refund';
    expect(toolSchemaHash(tools)).not.toBe(before);
  });

  it('keeps the order of tools significant (it changes the prompt)', () => {
    const other = { type: 'function', function: { name: 'cancel_order' } };
    expect(toolSchemaHash([tool, other])).not.toBe(toolSchemaHash([other, tool]));
  });

  it('is 16 hex characters', () => {
    expect(toolSchemaHash([tool])).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('prompt.template.hash', () => {
  it('is equal for equal text and differs otherwise', () => {
    expect(promptTemplateHash('You are a bot.')).toBe(promptTemplateHash('You are a bot.'));
    expect(promptTemplateHash('You are a bot.')).not.toBe(promptTemplateHash('You are a bot!'));
  });
});
