import { context, createContextKey, type Attributes, type Context } from '@opentelemetry/api';
import {
  ATTR_CANARY_CASE_ID,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_PROMPT_TEMPLATE_HASH,
  ATTR_REPLAY_OF,
  ATTR_REPLAY_RUN_ID,
  ATTR_RETRIEVAL_FRESHNESS_LAG_MS,
  ATTR_RETRIEVAL_INDEX_VERSION,
  ATTR_TRAFFIC_CLASS,
} from './semconv.ts';
import type { UncontrolledInputs } from './types.ts';

const UNCONTROLLED_INPUTS_KEY = createContextKey('behavior-rate.uncontrolled-inputs');

/**
 * Runs `fn` with `inputs` attached to the active OpenTelemetry context, so every GenAI span
 * started inside it (across awaits, with a context manager registered, as NodeSDK does)
 * carries them. Nested calls merge, the inner values winning. Returns what `fn` returns.
 */
export function withUncontrolledInputs<T>(inputs: UncontrolledInputs, fn: () => T): T {
  const active = context.active();
  const outer = active.getValue(UNCONTROLLED_INPUTS_KEY) as UncontrolledInputs | undefined;
  const merged: UncontrolledInputs = outer === undefined ? { ...inputs } : { ...outer, ...definedOnly(inputs) };
  return context.with(active.setValue(UNCONTROLLED_INPUTS_KEY, merged), fn);
}

function definedOnly(inputs: UncontrolledInputs): UncontrolledInputs {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) if (value !== undefined) out[key] = value;
  return out as UncontrolledInputs;
}

/** The span attributes for the inputs in `ctx` (none outside withUncontrolledInputs). */
export function uncontrolledInputAttributes(ctx: Context): Attributes | undefined {
  const inputs = ctx.getValue(UNCONTROLLED_INPUTS_KEY) as UncontrolledInputs | undefined;
  if (inputs === undefined) return undefined;
  const attributes: Attributes = {};
  if (typeof inputs.retrievalIndexVersion === 'string') attributes[ATTR_RETRIEVAL_INDEX_VERSION] = inputs.retrievalIndexVersion;
  if (typeof inputs.retrievalFreshnessLagMs === 'number' && Number.isFinite(inputs.retrievalFreshnessLagMs)) {
    attributes[ATTR_RETRIEVAL_FRESHNESS_LAG_MS] = Math.round(inputs.retrievalFreshnessLagMs);
  }
  if (typeof inputs.trafficClass === 'string') attributes[ATTR_TRAFFIC_CLASS] = inputs.trafficClass;
  if (typeof inputs.promptTemplateId === 'string') attributes[ATTR_PROMPT_TEMPLATE_HASH] = inputs.promptTemplateId;
  if (typeof inputs.conversationId === 'string') attributes[ATTR_GEN_AI_CONVERSATION_ID] = inputs.conversationId;
  if (typeof inputs.canaryCaseId === 'string') attributes[ATTR_CANARY_CASE_ID] = inputs.canaryCaseId;
  if (typeof inputs.replayOf === 'string') attributes[ATTR_REPLAY_OF] = inputs.replayOf;
  if (typeof inputs.replayRunId === 'string') attributes[ATTR_REPLAY_RUN_ID] = inputs.replayRunId;
  return attributes;
}
