import { describe, expect, it } from 'vitest';
import type { ProductionRates } from '../src/investigation/behavior-rates.ts';
import type { CanaryDriftSummary } from '../src/investigation/canary-drift.ts';
import type { IncidentCall } from '../src/investigation/incident-call.ts';
import { couldNotDetermine, type UnknownsInput } from '../src/postmortem/unknowns.ts';

/** A call with everything captured; each test removes what it is about. */
function fullCall(): IncidentCall {
  const attributes: Record<string, string> = {
    'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"How long does a refund take?"}]}]',
    'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Seven hours."}],"finish_reason":"stop"}]',
    'openai.response.system_fingerprint': 'fp_1',
    'retrieval.index.version': 'idx-7',
    'retrieval.freshness_lag_ms': '1200',
    'traffic.class': 'live',
    'prompt.template.hash': 'abc',
  };
  return {
    traceId: 't'.repeat(32), spanId: 's'.repeat(16), timestampMs: 0, service: 'bot', operation: 'chat', provider: 'openai', requestModel: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18', systemFingerprint: 'fp_1', fingerprint: 'fp_1', finishReasons: ['stop'], inputTokens: 10, outputTokens: 3, cacheReadTokens: 0,
    durationMs: 100, status: 'Unset', errorType: '', seed: null, temperature: 0.7, indexVersion: 'idx-7', freshnessLagMs: 1200, toolSchemaHash: '', promptTemplateHash: 'abc',
    trafficClass: 'live', source: 'live', inputMessages: attributes['gen_ai.input.messages']!, systemInstructions: '', outputMessages: attributes['gen_ai.output.messages']!,
    outputText: 'Seven hours.', behaviors: ['wrong_sla'], attributes, resourceAttributes: {},
  };
}

const rate = (hits: number, calls: number) => ({ hits, calls, rate: calls === 0 ? null : hits / calls, ci_low: 0, ci_high: 1 });
const production = { behavior: 'wrong_sla', before: rate(1, 100), during: rate(2, 100), comparison: null, byDimension: { fingerprint: [], traffic_class: [], index_version: [], tool_schema_hash: [] }, series: [], step: '1m' } as ProductionRates;
const drift: CanaryDriftSummary = { available: true, reason: null, canaryCalls: 100, points: [], maxDuring: 0.05, threshold: 0.2, crossings: [] };
const replay = { completed: 100, failed: 0, failures: {}, incidentFingerprint: 'fp_1', fingerprints: [{ fingerprint: 'fp_1', count: 100 }] } as unknown as UnknownsInput['replay'];

function unknowns(call: IncidentCall, overrides: Partial<UnknownsInput> = {}) {
  return couldNotDetermine({ call, replay, replayNote: null, production, drift, traceId: call.traceId, ...overrides });
}

describe('What We Could Not Determine', () => {
  it('is empty when everything was captured and measured', () => {
    expect(unknowns(fullCall())).toEqual([]);
  });

  it('missing content: the prompt and the answer, each with why and the capture switch', () => {
    const call = fullCall();
    delete call.attributes['gen_ai.input.messages'];
    delete call.attributes['gen_ai.output.messages'];
    const found = unknowns(call, { replay: null, replayNote: 'the request could not be rebuilt from the span: missing messages' });
    expect(found.map((u) => u.id)).toEqual(['content', 'output', 'replay']);
    expect(found[0]).toMatchObject({ why: expect.stringContaining('gen_ai.input.messages was not captured'), recover: expect.stringContaining('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true') });
    expect(found[2]).toMatchObject({ why: expect.stringContaining('missing messages'), recover: expect.stringContaining('content was not captured') });
  });

  it('missing fingerprint: which backend answered, naming the response model as the only clue', () => {
    const call = { ...fullCall(), systemFingerprint: '', fingerprint: 'gpt-4o-mini-2024-07-18' };
    delete call.attributes['openai.response.system_fingerprint'];
    const [only, ...rest] = unknowns(call);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ id: 'fingerprint', what: 'Which backend configuration answered' });
    expect(only?.why).toContain('no openai.response.system_fingerprint');
    expect(only?.why).toContain('only the response model (gpt-4o-mini-2024-07-18)');
  });

  it('missing index version: which index the context came from, recovered with withUncontrolledInputs', () => {
    const call = { ...fullCall(), indexVersion: '' };
    delete call.attributes['retrieval.index.version'];
    expect(unknowns(call)).toEqual([
      { id: 'index_version', what: 'Which retrieval index the context came from, and whether it changed', why: 'retrieval.index.version was not set on the incident span', recover: 'withUncontrolledInputs({ retrievalIndexVersion }, () => …) around the call' },
    ]);
  });

  it('replays on another backend, no canary, no live calls, fields the span could not carry', () => {
    const call = fullCall();
    call.attributes['request.uncaptured_fields'] = '["response_format","logit_bias"]';
    const otherBackend = { ...replay!, fingerprints: [{ fingerprint: 'fp_2', count: 100 }] };
    const found = unknowns(call, { replay: otherBackend, production: { ...production, during: rate(0, 0) }, drift: { ...drift, available: false, reason: 'no canary ran' } });
    expect(found.map((u) => u.id)).toEqual(['request_fields', 'old_backend', 'production', 'canary_drift']);
    expect(found[0]?.what).toBe("The request's response_format, logit_bias");
    expect(found[1]?.why).toContain('ran on fp_2, not on fp_1');
  });
});
