import { describe, expect, it } from 'vitest';
import { parseCanaryConfig } from '../src/canary/config.ts';
import { answerFromCompletion, judge } from '../src/canary/outcome.ts';
import { normalise, outcomeClass } from '../src/canary/normalise.ts';

const VALID = `
defaults:
  model: gpt-4o-mini
  temperature: 0
cases:
  - id: refund-sla
    request:
      messages:
        - { role: system, content: You are a support agent. }
        - { role: user, content: How long do refunds take? }
      max_tokens: 100
    expect:
      must_not: [refusal, truncated]
      match: '(?i:\\b(7|seven) days\\b)'
    normalise: [lowercase, { extract: '(\\d+|seven|five) days' }]
  - id: order-tool
    request:
      model: gpt-4o
      messages: [{ role: user, content: Where is order A-1? }]
      tools:
        - type: function
          function: { name: lookup_order, parameters: { type: object } }
    expect:
      reference: '→ lookup_order {"order_id":"A-1"}'
`;

function errorOf(yaml: string): string {
  try {
    parseCanaryConfig(yaml, 'canaries.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

const caseWith = (body: string) => `cases:\n  - id: bad-case\n${body}`;

describe('canary configuration', () => {
  it('loads cases with defaults merged, expectations and normalisers', () => {
    const config = parseCanaryConfig(VALID, 'canaries.yaml');
    expect(config.cases.map((c) => c.id)).toEqual(['refund-sla', 'order-tool']);
    const [refund, tool] = config.cases;
    expect(refund?.request).toEqual({
      model: 'gpt-4o-mini',
      temperature: 0,
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'You are a support agent.' },
        { role: 'user', content: 'How long do refunds take?' },
      ],
    });
    expect(refund?.expect.mustNot).toEqual(['refusal', 'truncated']);
    expect(refund?.normalise.map((step) => step.kind)).toEqual(['lowercase', 'extract']);
    expect(tool?.request.model).toBe('gpt-4o');
    expect(tool?.normalise.map((step) => step.kind)).toEqual(['trim', 'collapse_whitespace']);
    expect(config.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each([
    ['a misspelled request field', caseWith('    request: { model: m, temprature: 0.2, messages: [{ role: user, content: hi }] }'), 'case "bad-case": request.temprature: not a supported request field'],
    ['a bad role', caseWith('    request: { model: m, messages: [{ role: usr, content: hi }] }'), 'case "bad-case": request.messages[0].role: expected one of system, developer, user, assistant, tool, got "usr"'],
    ['no model anywhere', caseWith('    request: { messages: [{ role: user, content: hi }] }'), 'case "bad-case": request.model: required (here or in defaults)'],
    ['a temperature out of range', caseWith('    request: { model: m, temperature: 3, messages: [{ role: user, content: hi }] }'), 'case "bad-case": request.temperature: expected a number from 0 to 2, got 3'],
    ['streaming', caseWith('    request: { model: m, stream: true, messages: [{ role: user, content: hi }] }'), 'case "bad-case": request.stream: not a supported request field (a canary run reads one whole answer)'],
    ['an invalid regex', caseWith('    request: { model: m, messages: [{ role: user, content: hi }] }\n    expect: { match: "(unclosed" }'), 'case "bad-case": expect.match: invalid regular expression'],
    ['a behavior the runner cannot see', caseWith('    request: { model: m, messages: [{ role: user, content: hi }] }\n    expect: { must_not: [rude] }'), 'case "bad-case": expect.must_not: unknown behavior "rude"'],
    ['an unknown normaliser step', caseWith('    request: { model: m, messages: [{ role: user, content: hi }] }\n    normalise: [uppercase]'), 'case "bad-case": normalise[0]: unknown step "uppercase"'],
    ['a bad class pattern', caseWith('    request: { model: m, messages: [{ role: user, content: hi }] }\n    normalise: [{ classes: { yes: "[" } }]'), 'case "bad-case": normalise[0].classes.yes: invalid regular expression'],
    ['an unknown case field', caseWith('    request: { model: m, messages: [{ role: user, content: hi }] }\n    expected: {}'), 'case "bad-case": unknown field "expected"'],
    ['a malformed tool', caseWith('    request: { model: m, messages: [{ role: user, content: hi }], tools: [{ type: function }] }'), 'case "bad-case": request.tools[0]: expected { type: function'],
  ])('names the case and the field for %s', (_what, yaml, message) => {
    expect(errorOf(yaml)).toContain(`canaries.yaml: ${message}`);
  });

  it('names the position when the id itself is wrong, and refuses duplicate ids', () => {
    expect(errorOf('cases:\n  - id: "has space"\n    request: {}')).toContain('canaries.yaml: cases[0]: id: expected letters');
    const twice = 'cases:\n  - id: a\n    request: { model: m, messages: [{ role: user, content: hi }] }\n  - id: a\n    request: { model: m, messages: [{ role: user, content: hi }] }';
    expect(errorOf(twice)).toContain('canaries.yaml: case "a": id: used by another case');
  });

  it('refuses files that are not a canary set', () => {
    expect(errorOf('cases: [')).toContain('canaries.yaml: not valid YAML');
    expect(errorOf('- a\n- b')).toContain('canaries.yaml: expected a mapping with a "cases:" list');
    expect(errorOf('cases: []')).toContain('canaries.yaml: cases: expected a non-empty list');
    expect(errorOf('case: []')).toContain('canaries.yaml: unknown top-level field "case"');
    expect(errorOf('defaults: { model: m, top_k: 3 }\ncases: []')).toContain('canaries.yaml: defaults.top_k: not a supported request field');
  });
});

describe('judging an answer', () => {
  const config = parseCanaryConfig(VALID, 'canaries.yaml');
  const refund = config.cases[0]!;
  const tool = config.cases[1]!;
  const completion = (message: Record<string, unknown>, finish = 'stop') => ({
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_1',
    choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', content: null, ...message } }],
  });

  it('normalises answers into classes and checks the expectation', () => {
    expect(judge(refund, answerFromCompletion(completion({ content: 'Refunds take Seven days to arrive.' })))).toEqual({
      outcome: 'seven', flags: [], expectation: 'pass', failedChecks: [],
    });
    expect(judge(refund, answerFromCompletion(completion({ content: 'Refunds take 7 hours.' })))).toEqual({
      outcome: '(no match)', flags: [], expectation: 'fail', failedChecks: ['match'],
    });
    expect(judge(refund, answerFromCompletion(completion({ content: 'Refunds take 7 days' }, 'length')))).toEqual({
      outcome: '7', flags: ['truncated'], expectation: 'fail', failedChecks: ['must_not:truncated'],
    });
    expect(judge(refund, answerFromCompletion(completion({ refusal: 'I cannot help with that.' })))).toMatchObject({
      flags: ['refusal'], expectation: 'fail', failedChecks: ['must_not:refusal', 'match'],
    });
  });

  it('turns tool calls into outcomes with canonical arguments', () => {
    const call = (args: string) => completion({ tool_calls: [{ id: 'c1', type: 'function', function: { name: 'lookup_order', arguments: args } }] }, 'tool_calls');
    expect(judge(tool, answerFromCompletion(call('{ "order_id": "A-1" }')))).toEqual({
      outcome: '→ lookup_order {"order_id":"A-1"}', flags: [], expectation: 'pass', failedChecks: [],
    });
    expect(judge(tool, answerFromCompletion(call('{"order_id": ')))).toMatchObject({ flags: ['malformed_tool_call'], expectation: 'fail', failedChecks: ['reference'] });
  });

  it('keeps long outcomes distinct but readable', () => {
    const long = 'x'.repeat(100);
    expect(outcomeClass(long)).toMatch(/^x{48}…#[0-9a-f]{12}$/);
    expect(outcomeClass(long)).not.toBe(outcomeClass(`${long}y`));
    expect(outcomeClass('two\nlines')).toMatch(/^two lines…#/);
    expect(normalise('  About 7 days,\n maybe 10 ', [{ kind: 'numbers' }])).toBe('7 10');
    expect(normalise('{"b":1,"a":[2]}', [{ kind: 'json' }])).toBe('{"a":[2],"b":1}');
    expect(normalise('Yes!!', [{ kind: 'lowercase' }, { kind: 'strip_punctuation' }])).toBe('yes');
    expect(normalise('I would say no', [{ kind: 'classes', classes: [{ label: 'yes', pattern: /\byes\b/u }, { label: 'no', pattern: /\bno\b/u }] }])).toBe('no');
  });
});
