import type { Attributes } from '@opentelemetry/api';
import type { ChatMessage, MessagePart, ToolDefinition } from './content.ts';
import { promptTemplateHash, toolSchemaHash } from './hashing.ts';
import type { ApiSurface, ChoiceOutput, Loose, NormalizedRequest, NormalizedResponse, StreamAccumulator } from './internal-types.ts';
import { int, isRecord, list, num, rec, stopSequences, str, uncapturedFields } from './loose.ts';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_OPENAI_API_TYPE,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_PROMPT_TEMPLATE_HASH,
  ATTR_REQUEST_UNCAPTURED_FIELDS,
  ATTR_TOOL_SCHEMA_HASH,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS,
} from './semconv.ts';
import type { ToolCall } from './types.ts';

// Request fields the span carries (as attributes or content); others are listed in
// request.uncaptured_fields. stream/stream_options are transport, not part of a replay.
const CAPTURED = new Set([
  'model', 'messages', 'temperature', 'top_p', 'seed', 'max_tokens', 'max_completion_tokens', 'stop',
  'frequency_penalty', 'presence_penalty', 'n', 'stream', 'stream_options', 'service_tier', 'tools',
]);

const SYSTEM_ROLES = new Set(['system', 'developer']);

/** Text of an OpenAI content field: a string, or the text parts of an array. */
export function openAiContentText(content: unknown): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of list(content)) {
    const partText = rec(part)?.['text'];
    if (typeof partText === 'string') text += partText;
  }
  return text;
}

function contentParts(content: unknown, redact: (text: string) => string): MessagePart[] {
  if (typeof content === 'string') return [{ type: 'text', content: redact(content) }];
  return list(content).map((part): MessagePart => {
    const record = rec(part) ?? {};
    const text = str(record['text']);
    if (text !== undefined) return { type: 'text', content: redact(text) };
    // Non-text parts (images, audio, files) are named, not copied.
    return { type: str(record['type']) ?? 'unknown' };
  });
}

/** Chat messages (all roles, in order, system ones included) in the structured-message format. */
export function chatInputMessages(messages: unknown, redact: (text: string) => string): ChatMessage[] {
  return list(messages).map((message): ChatMessage => {
    const record = rec(message) ?? {};
    const role = str(record['role']) ?? 'user';
    if (role === 'tool') {
      return { role, parts: [{ type: 'tool_call_response', id: str(record['tool_call_id']) ?? '', response: redact(openAiContentText(record['content'])) }] };
    }
    const parts = record['content'] === null || record['content'] === undefined ? [] : contentParts(record['content'], redact);
    for (const call of list(record['tool_calls'])) {
      const fn = rec(rec(call)?.['function']);
      parts.push({ type: 'tool_call', id: str(rec(call)?.['id']) ?? '', name: str(fn?.['name']) ?? '', arguments: redact(str(fn?.['arguments']) ?? '') });
    }
    return { role, parts };
  });
}

function toolDefinitions(tools: unknown[]): ToolDefinition[] {
  return tools.map((tool): ToolDefinition => {
    const record = rec(tool) ?? {};
    const fn = rec(record['function']);
    if (fn === undefined) return { type: str(record['type']) ?? 'unknown', name: str(rec(record['custom'])?.['name']) ?? '' };
    const definition: ToolDefinition = { type: 'function', name: str(fn['name']) ?? '' };
    if (fn['description'] !== undefined) definition.description = String(fn['description']);
    if (fn['parameters'] !== undefined) definition.parameters = fn['parameters'];
    if (typeof fn['strict'] === 'boolean') definition.strict = fn['strict'];
    return definition;
  });
}

function outputType(responseFormat: unknown): string | undefined {
  const type = str(rec(responseFormat)?.['type']);
  if (type === 'json_schema' || type === 'json_object') return 'json';
  return type === 'text' ? 'text' : undefined;
}

function request(params: Loose, redact: (text: string) => string, captureContent: boolean): NormalizedRequest {
  const model = str(params['model']) ?? '';
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    [ATTR_OPENAI_API_TYPE]: OPENAI_API_TYPE_VALUE_CHAT_COMPLETIONS,
    [ATTR_GEN_AI_REQUEST_MODEL]: model,
  };
  const temperature = num(params['temperature']);
  if (temperature !== undefined) attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = temperature;
  const topP = num(params['top_p']);
  if (topP !== undefined) attributes[ATTR_GEN_AI_REQUEST_TOP_P] = topP;
  const seed = int(params['seed']);
  if (seed !== undefined) attributes[ATTR_GEN_AI_REQUEST_SEED] = seed;
  const maxTokens = int(params['max_completion_tokens']) ?? int(params['max_tokens']);
  if (maxTokens !== undefined) attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const stop = stopSequences(params['stop']);
  if (stop !== undefined) attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stop;
  const frequencyPenalty = num(params['frequency_penalty']);
  if (frequencyPenalty !== undefined) attributes[ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY] = frequencyPenalty;
  const presencePenalty = num(params['presence_penalty']);
  if (presencePenalty !== undefined) attributes[ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY] = presencePenalty;
  const n = int(params['n']);
  if (n !== undefined && n !== 1) attributes[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = n;
  const stream = params['stream'] === true;
  if (stream) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
  const serviceTier = str(params['service_tier']);
  if (serviceTier !== undefined) attributes[ATTR_OPENAI_REQUEST_SERVICE_TIER] = serviceTier;
  const type = outputType(params['response_format']);
  if (type !== undefined) attributes[ATTR_GEN_AI_OUTPUT_TYPE] = type;

  const toolSchemas = new Map<string, unknown>();
  const tools = list(params['tools']);
  if (tools.length > 0) {
    attributes[ATTR_TOOL_SCHEMA_HASH] = toolSchemaHash(tools);
    for (const tool of tools) {
      const fn = rec(rec(tool)?.['function']);
      if (fn !== undefined && typeof fn['name'] === 'string') toolSchemas.set(fn['name'], fn['parameters']);
      const custom = str(rec(rec(tool)?.['custom'])?.['name']);
      if (custom !== undefined) toolSchemas.set(custom, undefined);
    }
  }
  let systemText: string | undefined;
  for (const message of list(params['messages'])) {
    if (isRecord(message) && SYSTEM_ROLES.has(message['role'] as string)) {
      const text = openAiContentText(message['content']);
      systemText = systemText === undefined ? text : `${systemText}\n${text}`;
    }
  }
  if (systemText !== undefined) attributes[ATTR_PROMPT_TEMPLATE_HASH] = promptTemplateHash(systemText);
  const uncaptured = uncapturedFields(params, CAPTURED);
  if (uncaptured.length > 0) attributes[ATTR_REQUEST_UNCAPTURED_FIELDS] = uncaptured;

  const content = captureContent
    ? (): Attributes => {
        const messages = chatInputMessages(params['messages'], redact);
        const out: Attributes = { [ATTR_GEN_AI_INPUT_MESSAGES]: JSON.stringify(messages) };
        // System messages stay in input.messages at their place (exact replay); their parts are
        // also copied to system_instructions, which the sidecar keeps as its own column.
        const system = messages.filter((message) => SYSTEM_ROLES.has(message.role)).flatMap((message) => message.parts);
        if (system.length > 0) out[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = JSON.stringify(system);
        if (tools.length > 0) out[ATTR_GEN_AI_TOOL_DEFINITIONS] = JSON.stringify(toolDefinitions(tools));
        return out;
      }
    : undefined;
  return { spanName: `${GEN_AI_OPERATION_NAME_VALUE_CHAT} ${model}`, attributes, toolSchemas, stream, content };
}

function usageInto(target: NormalizedResponse, usage: unknown): void {
  const record = rec(usage);
  if (record === undefined) return;
  target.inputTokens = int(record['prompt_tokens']);
  target.outputTokens = int(record['completion_tokens']);
  target.cacheReadTokens = int(rec(record['prompt_tokens_details'])?.['cached_tokens']);
  target.reasoningTokens = int(rec(record['completion_tokens_details'])?.['reasoning_tokens']);
}

function flagsFromChoices(target: NormalizedResponse): NormalizedResponse {
  target.contentFiltered = target.choices.some((choice) => choice.finishReason === 'content_filter');
  target.truncated = target.choices.some((choice) => choice.finishReason === 'length');
  return target;
}

function response(result: Loose): NormalizedResponse {
  const choices = list(result['choices']).map((choice): ChoiceOutput => {
    const message = rec(rec(choice)?.['message']) ?? {};
    const toolCalls = list(message['tool_calls']).map((call): ToolCall => {
      const fn = rec(rec(call)?.['function']);
      return { id: str(rec(call)?.['id']) ?? '', name: str(fn?.['name']) ?? '', arguments: str(fn?.['arguments']) ?? '' };
    });
    return {
      text: openAiContentText(message['content']),
      refusal: str(message['refusal']) ?? null,
      toolCalls,
      finishReason: str(rec(choice)?.['finish_reason']) ?? null,
    };
  });
  const normalized: NormalizedResponse = {
    id: str(result['id']),
    model: str(result['model']),
    systemFingerprint: str(result['system_fingerprint']),
    serviceTier: str(result['service_tier']),
    choices,
    contentFiltered: false,
    truncated: false,
    raw: result,
  };
  usageInto(normalized, result['usage']);
  return flagsFromChoices(normalized);
}

interface ChoiceDraft {
  text: string;
  refusal: string | null;
  toolCalls: ToolCall[];
  finishReason: string | null;
}

function accumulator(): StreamAccumulator {
  const normalized: NormalizedResponse = { choices: [], contentFiltered: false, truncated: false, raw: undefined };
  const drafts: ChoiceDraft[] = [];
  return {
    add(chunk) {
      normalized.id ??= str(chunk['id']);
      normalized.model ??= str(chunk['model']);
      normalized.systemFingerprint ??= str(chunk['system_fingerprint']);
      normalized.serviceTier ??= str(chunk['service_tier']);
      if (chunk['usage'] !== undefined && chunk['usage'] !== null) usageInto(normalized, chunk['usage']);
      for (const choice of list(chunk['choices'])) {
        const record = rec(choice);
        if (record === undefined) continue;
        const index = int(record['index']) ?? 0;
        const draft = (drafts[index] ??= { text: '', refusal: null, toolCalls: [], finishReason: null });
        const delta = rec(record['delta']);
        if (delta !== undefined) {
          if (typeof delta['content'] === 'string') draft.text += delta['content'];
          if (typeof delta['refusal'] === 'string' && delta['refusal'] !== '') draft.refusal = (draft.refusal ?? '') + delta['refusal'];
          for (const call of list(delta['tool_calls'])) {
            const callRecord = rec(call) ?? {};
            const callIndex = int(callRecord['index']) ?? draft.toolCalls.length;
            const fn = rec(callRecord['function']);
            const existing = (draft.toolCalls[callIndex] ??= { id: '', name: '', arguments: '' });
            if (typeof callRecord['id'] === 'string') existing.id = callRecord['id'];
            if (typeof fn?.['name'] === 'string') existing.name = fn['name'];
            if (typeof fn?.['arguments'] === 'string') existing.arguments += fn['arguments'];
          }
        }
        const finishReason = str(record['finish_reason']);
        if (finishReason !== undefined) draft.finishReason = finishReason;
      }
    },
    finish() {
      normalized.choices = drafts.filter((draft) => draft !== undefined).map((draft) => ({ ...draft, toolCalls: draft.toolCalls.filter(Boolean) }));
      return flagsFromChoices(normalized);
    },
  };
}

export const openAiChatSurface: ApiSurface = {
  provider: 'openai',
  api: 'chat_completions',
  request,
  response,
  accumulator,
};
