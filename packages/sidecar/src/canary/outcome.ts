import type { CanaryCase, CanaryFlag } from './config.ts';
import { MAX_MATCHED_CHARS, normalise, outcomeClass } from './normalise.ts';

/** The parts of a chat completion a canary case is judged on. */
export interface CanaryAnswer {
  text: string;
  toolCalls: { name: string; arguments: string }[];
  refusal: string | null;
  finishReason: string | null;
  responseModel: string;
  systemFingerprint: string;
}

/** A judged answer: the outcome class drift counts, and the verdict against the expectation. */
export interface CanaryVerdict {
  outcome: string;
  flags: CanaryFlag[];
  /** pass/fail against the expectation, none when the case declares no expectation. */
  expectation: 'pass' | 'fail' | 'none';
  /** Which checks failed: `must_not:<behavior>`, `reference`, `match`. */
  failedChecks: string[];
}

/** Reads the first choice of a chat completion, tolerating any missing field. */
export function answerFromCompletion(completion: unknown): CanaryAnswer {
  const body = (completion ?? {}) as {
    model?: unknown;
    system_fingerprint?: unknown;
    choices?: { finish_reason?: unknown; message?: { content?: unknown; refusal?: unknown; tool_calls?: { function?: { name?: unknown; arguments?: unknown } }[] } }[];
  };
  const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
  const message = choice?.message;
  const toolCalls = Array.isArray(message?.tool_calls) ? message.tool_calls : [];
  return {
    text: typeof message?.content === 'string' ? message.content : '',
    toolCalls: toolCalls.map((call) => ({
      name: typeof call.function?.name === 'string' ? call.function.name : '',
      arguments: typeof call.function?.arguments === 'string' ? call.function.arguments : '',
    })),
    refusal: typeof message?.refusal === 'string' ? message.refusal : null,
    finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null,
    responseModel: typeof body.model === 'string' ? body.model : '',
    systemFingerprint: typeof body.system_fingerprint === 'string' ? body.system_fingerprint : '',
  };
}

/** The behaviors an answer shows, by the same definitions as the instrumentation's built-in flags. */
export function answerFlags(answer: CanaryAnswer): CanaryFlag[] {
  const flags: CanaryFlag[] = [];
  if (answer.toolCalls.some((call) => !isJsonObject(call.arguments))) flags.push('malformed_tool_call');
  if (answer.refusal !== null || answer.finishReason === 'refusal') flags.push('refusal');
  if (answer.finishReason === 'content_filter') flags.push('content_filtered');
  if (answer.finishReason === 'length') flags.push('truncated');
  if (answer.text.trim() === '' && answer.toolCalls.length === 0 && answer.refusal === null) flags.push('empty_output');
  return flags.sort();
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * The text a normaliser reads: the message text, then one line per tool call
 * (`→ name {args}`, arguments re-serialised with sorted keys when they parse), so a
 * case that expects a tool call has an outcome too.
 */
export function answerText(answer: CanaryAnswer): string {
  const calls = answer.toolCalls.map((call) => `→ ${call.name} ${canonicalArguments(call.arguments)}`);
  return [answer.text, ...calls].filter((part) => part !== '').join('\n');
}

function canonicalArguments(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      return JSON.stringify(Object.fromEntries(Object.keys(record).sort().map((key) => [key, record[key]])));
    }
  } catch {
    // Malformed arguments are an outcome of their own: kept verbatim.
  }
  return text;
}

/** Judges one answer of a case. */
export function judge(testCase: CanaryCase, answer: CanaryAnswer): CanaryVerdict {
  const flags = answerFlags(answer);
  const text = answerText(answer);
  const normalised = normalise(text, testCase.normalise);
  const failedChecks: string[] = [];
  for (const behavior of testCase.expect.mustNot) if (flags.includes(behavior)) failedChecks.push(`must_not:${behavior}`);
  const { reference, match } = testCase.expect;
  if (reference !== undefined && normalise(reference, testCase.normalise) !== normalised) failedChecks.push('reference');
  if (match !== undefined) {
    match.lastIndex = 0;
    if (!match.test(text.slice(0, MAX_MATCHED_CHARS))) failedChecks.push('match');
  }
  const declared = testCase.expect.mustNot.length > 0 || reference !== undefined || match !== undefined;
  return {
    outcome: outcomeClass(normalised),
    flags,
    expectation: !declared ? 'none' : failedChecks.length === 0 ? 'pass' : 'fail',
    failedChecks,
  };
}
