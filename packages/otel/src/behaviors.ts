import { diag } from '@opentelemetry/api';
import type { NormalizedRequest, NormalizedResponse } from './internal-types.ts';
import { toolCallProblem } from './tool-calls.ts';
import type { BehaviorClassifier, FinishedCall } from './types.ts';

export const FLAG_MALFORMED_TOOL_CALL = 'malformed_tool_call';
export const FLAG_REFUSAL = 'refusal';
export const FLAG_CONTENT_FILTERED = 'content_filtered';
export const FLAG_TRUNCATED = 'truncated';
export const FLAG_EMPTY_OUTPUT = 'empty_output';

/** Flags computed from the response alone, without exporting content. */
export function builtinFlags(request: NormalizedRequest, response: NormalizedResponse): string[] {
  const flags: string[] = [];
  const choices = response.choices;
  if (choices.some((choice) => choice.toolCalls.some((call) => toolCallProblem(call, request.toolSchemas) !== null))) {
    flags.push(FLAG_MALFORMED_TOOL_CALL);
  }
  if (choices.some((choice) => choice.refusal !== null)) flags.push(FLAG_REFUSAL);
  if (response.contentFiltered) flags.push(FLAG_CONTENT_FILTERED);
  if (response.truncated) flags.push(FLAG_TRUNCATED);
  const empty =
    choices.length === 0 ||
    choices.every((choice) => choice.text.trim() === '' && choice.toolCalls.length === 0 && choice.refusal === null);
  if (empty) flags.push(FLAG_EMPTY_OUTPUT);
  return flags;
}

/** Adds the names of the classifiers that return true. A throwing classifier is logged and skipped. */
export function classify(flags: string[], classifiers: Record<string, BehaviorClassifier> | undefined, call: FinishedCall): string[] {
  if (classifiers === undefined) return flags;
  for (const name in classifiers) {
    const classifier = classifiers[name];
    if (typeof classifier !== 'function' || flags.includes(name)) continue;
    try {
      if (classifier(call) === true) flags.push(name);
    } catch (error) {
      diag.error(`behavior-rate: behavior classifier "${name}" threw; flag not set`, error);
    }
  }
  return flags;
}
