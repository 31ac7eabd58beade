/**
 * Simulated canary history: a simulated provider (the sim-provider's own scenario
 * model and seeded generator) answers a canary set once a minute, each answer is
 * judged by the runner's code, and each run becomes the `canary.case` span row the
 * runner would have exported, stamped with its simulated minute. Days of history
 * are written in seconds, straight into otel_traces, and flow through the views.
 */
import type { SimAnswer, SimScenario } from '../../sim-provider/src/index.ts';
import { requestRandom } from '../../sim-provider/src/random.ts';
import { compileScenario } from '../../sim-provider/src/scenario.ts';
import { parseCanaryConfig, type CanaryConfig } from '../src/canary/config.ts';
import { answerFromCompletion, judge } from '../src/canary/outcome.ts';
import { CANARY_ATTRIBUTES, CANARY_SPAN_NAME } from '../src/canary/runner.ts';
import type { TraceRow } from '../src/otlp/rows.ts';

/** 2026-01-01T00:00:00Z: simulated minute 0. */
export const SIM_EPOCH_S = Date.UTC(2026, 0, 1) / 1000;

type Weights = [string, number][];

/**
 * Case kinds of a realistic canary set: mostly deterministic answers, some with a
 * minority answer, a few spread over three. `after` is the provider's answer
 * distribution from the change on: a moderate silent update.
 */
const KINDS: { before: Weights; after: Weights }[] = [
  { before: [['7 days', 1], ['14 days', 0]], after: [['7 days', 0.8], ['14 days', 0.2]] },
  { before: [['yes', 0.9], ['no', 0.1], ['unsure', 0]], after: [['yes', 0.6], ['no', 0.3], ['unsure', 0.1]] },
  { before: [['red', 0.6], ['blue', 0.3], ['green', 0.1]], after: [['red', 0.4], ['blue', 0.3], ['green', 0.3]] },
];

/** Case i's kind: 40% deterministic, 40% two answers, 20% three. */
const kindOf = (i: number) => KINDS[[0, 0, 1, 1, 2][i % 5]!]!;

/** A scenario with one rule per case, whose answer weights change at `changeAtMinute`. */
export function canaryScenario(cases: number, changeAtMinute: number | undefined): SimScenario {
  const rules = Array.from({ length: cases }, (_, i) => ({
    id: `case-${i}`,
    match: `^case-${i}$`,
    answers: kindOf(i).before.map(([text, weight]): SimAnswer => ({ id: text, weight, text: `The answer is ${text}.` })),
  }));
  return {
    systemFingerprint: 'fp_sim_a',
    rules,
    changes: changeAtMinute === undefined ? [] : [{
      atMinute: changeAtMinute,
      systemFingerprint: 'fp_sim_b',
      weights: Object.fromEntries(rules.map((rule, i) => [rule.id, Object.fromEntries(kindOf(i).after)])),
    }],
  };
}

/** The canary set the scenario answers: the expected answer is each case's majority answer. */
export function canaryConfig(cases: number): CanaryConfig {
  const yaml = [
    'defaults: { model: sim-model, temperature: 0 }',
    'cases:',
    ...Array.from({ length: cases }, (_, i) => [
      `  - id: case-${i}`,
      `    request: { messages: [{ role: user, content: case-${i} }] }`,
      `    expect: { reference: "The answer is ${kindOf(i).before[0]![0]}." }`,
      `    normalise: [lowercase, { extract: 'answer is (.+)\\.' }]`,
    ].join('\n')),
  ].join('\n');
  return parseCanaryConfig(yaml, 'sim-canaries.yaml');
}

/** One simulated case run, as drift sees it. */
export interface SimRun {
  minute: number;
  caseId: string;
  /** Outcome key as canary_outcomes_by_minute stores it, or the error type. */
  key: string;
  kind: 'answer' | 'error';
}

export interface SimHistory {
  rows: TraceRow[];
  runs: SimRun[];
}

/**
 * Runs the canary set once a minute for `minutes` simulated minutes. `errorRate` of
 * the runs time out instead (drawn from the same seeded generator).
 */
export function simulateCanaryHistory(options: { cases: number; minutes: number; changeAtMinute?: number; seed: number; errorRate?: number }): SimHistory {
  const scenario = compileScenario(canaryScenario(options.cases, options.changeAtMinute));
  const config = canaryConfig(options.cases);
  const rows: TraceRow[] = [];
  const runs: SimRun[] = [];
  let seq = 0;
  for (let minute = 0; minute < options.minutes; minute++) {
    for (const testCase of config.cases) {
      const random = requestRandom(options.seed, seq++);
      const timestamp = SIM_EPOCH_S + minute * 60 + (seq % 50);
      const base = {
        [CANARY_ATTRIBUTES.caseId]: testCase.id,
        [CANARY_ATTRIBUTES.runId]: `run-${minute}`,
        [CANARY_ATTRIBUTES.configHash]: config.hash,
        [CANARY_ATTRIBUTES.requestModel]: testCase.request.model,
      };
      if (random.next() < (options.errorRate ?? 0)) {
        rows.push(spanRow(timestamp, seq, { ...base, [CANARY_ATTRIBUTES.errorType]: 'timeout' }, 'Error'));
        runs.push({ minute, caseId: testCase.id, key: 'timeout', kind: 'error' });
        continue;
      }
      const draw = scenario.draw(testCase.id, minute, random);
      const answer = answerFromCompletion({
        model: 'sim-model-0001',
        system_fingerprint: draw.systemFingerprint,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: draw.answer.text ?? '' } }],
      });
      const verdict = judge(testCase, answer);
      rows.push(spanRow(timestamp, seq, {
        ...base,
        [CANARY_ATTRIBUTES.responseModel]: answer.responseModel,
        [CANARY_ATTRIBUTES.systemFingerprint]: answer.systemFingerprint,
        [CANARY_ATTRIBUTES.outcome]: verdict.outcome,
        [CANARY_ATTRIBUTES.flags]: JSON.stringify(verdict.flags),
        [CANARY_ATTRIBUTES.expectation]: verdict.expectation,
        [CANARY_ATTRIBUTES.failedChecks]: JSON.stringify(verdict.failedChecks),
      }, 'Unset'));
      runs.push({ minute, caseId: testCase.id, key: verdict.outcome, kind: 'answer' });
    }
  }
  return { rows, runs };
}

function spanRow(timestampS: number, seq: number, attributes: Record<string, string>, status: 'Unset' | 'Error'): TraceRow {
  const id = seq.toString(16).padStart(16, '0');
  return {
    Timestamp: `${timestampS}.000000000`,
    TraceId: id.padStart(32, '0'),
    SpanId: id,
    ParentSpanId: '',
    TraceState: '',
    SpanName: CANARY_SPAN_NAME,
    SpanKind: 'Internal',
    ServiceName: 'behavior-rate-canary',
    ResourceAttributes: { 'service.name': 'behavior-rate-canary' },
    ScopeName: '@behavior-rate/sidecar canary',
    ScopeVersion: '',
    SpanAttributes: attributes,
    Duration: '250000000',
    StatusCode: status,
    StatusMessage: status === 'Error' ? 'canary case timed out' : '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  };
}
