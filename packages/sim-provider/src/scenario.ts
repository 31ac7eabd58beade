import type { Random } from './random.ts';
import type { SimAnswer, SimRule, SimScenario } from './types.ts';

const DEFAULT_FINGERPRINT = 'fp_sim_0001';
const DEFAULT_FALLBACK: SimAnswer = { id: 'fallback', weight: 1, text: 'I am a simulated assistant.' };

interface CompiledRule {
  rule: SimRule;
  pattern: RegExp;
}

/** What the provider looks like at one simulated minute. */
export interface ProviderState {
  systemFingerprint: string;
  responseModel: string | undefined;
  weights: Map<string, Map<string, number>>;
}

/** The answer drawn for one request. */
export interface Draw {
  ruleId: string | null;
  answer: SimAnswer;
  systemFingerprint: string;
  responseModel: string | undefined;
}

/** A scenario checked once, with its rules compiled and its changes sorted. */
export interface CompiledScenario {
  stateAt(minute: number): ProviderState;
  draw(lastUserText: string, minute: number, random: Random): Draw;
}

export function compileScenario(scenario: SimScenario): CompiledScenario {
  const rules: CompiledRule[] = scenario.rules.map((rule) => {
    if (rule.answers.length === 0) throw new Error(`scenario rule ${rule.id} has no answers`);
    for (const answer of rule.answers) {
      if (!(answer.weight >= 0)) throw new Error(`answer ${rule.id}/${answer.id} has weight ${answer.weight}`);
    }
    return { rule, pattern: new RegExp(rule.match, 'i') };
  });
  const changes = [...(scenario.changes ?? [])].sort((a, b) => a.atMinute - b.atMinute);
  const fallback = scenario.fallback ?? DEFAULT_FALLBACK;

  const stateAt = (minute: number): ProviderState => {
    const state: ProviderState = {
      systemFingerprint: scenario.systemFingerprint ?? DEFAULT_FINGERPRINT,
      responseModel: scenario.responseModel,
      weights: new Map(),
    };
    for (const change of changes) {
      if (change.atMinute > minute) break;
      if (change.systemFingerprint !== undefined) state.systemFingerprint = change.systemFingerprint;
      if (change.responseModel !== undefined) state.responseModel = change.responseModel;
      for (const [ruleId, answers] of Object.entries(change.weights ?? {})) {
        const current = state.weights.get(ruleId) ?? new Map<string, number>();
        for (const [answerId, weight] of Object.entries(answers)) current.set(answerId, weight);
        state.weights.set(ruleId, current);
      }
    }
    return state;
  };

  const draw = (lastUserText: string, minute: number, random: Random): Draw => {
    const state = stateAt(minute);
    const matched = rules.find((compiled) => compiled.pattern.test(lastUserText));
    if (matched === undefined) {
      return { ruleId: null, answer: fallback, systemFingerprint: state.systemFingerprint, responseModel: state.responseModel };
    }
    const overrides = state.weights.get(matched.rule.id);
    const weights = matched.rule.answers.map((answer) => overrides?.get(answer.id) ?? answer.weight);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let target = random.next() * total;
    let chosen = matched.rule.answers[matched.rule.answers.length - 1]!;
    for (let i = 0; i < weights.length; i++) {
      target -= weights[i]!;
      if (target < 0) {
        chosen = matched.rule.answers[i]!;
        break;
      }
    }
    return { ruleId: matched.rule.id, answer: chosen, systemFingerprint: state.systemFingerprint, responseModel: state.responseModel };
  };

  return { stateAt, draw };
}

/** The answer's arguments as the string the wire carries. */
export function argumentsText(args: string | Record<string, unknown>): string {
  return typeof args === 'string' ? args : JSON.stringify(args);
}

/** The finish reason the answer implies, in OpenAI chat terms. */
export function finishReasonOf(answer: SimAnswer): 'stop' | 'length' | 'content_filter' | 'tool_calls' {
  if (answer.finishReason !== undefined) return answer.finishReason;
  return answer.toolCalls !== undefined && answer.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}
