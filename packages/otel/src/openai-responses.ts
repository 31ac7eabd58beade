import type { Attributes } from '@opentelemetry/api';
import type { ChatMessage, MessagePart, ToolDefinition } from './content.ts';
import { promptTemplateHash, toolSchemaHash } from './hashing.ts';
import type { ApiSurface, Loose, NormalizedRequest, NormalizedResponse, StreamAccumulator } from './internal-types.ts';
import { int, list, num, rec, str, uncapturedFields } from './loose.ts';
import { chatInputMessages, openAiContentText } from './openai-chat.ts';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
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
  OPENAI_API_TYPE_VALUE_RESPONSES,
} from './semconv.ts';
import type { ToolCall } from './types.ts';

const CAPTURED = new Set(['model', 'input', 'instructions', 'temperature', 'top_p', 'max_output_tokens', 'service_tier', 'stream', 'tools', 'conversation']);

/** Responses input items in the structured-message format. */
function inputMessages(input: unknown, redact: (text: string) => string): ChatMessage[] {
  if (typeof input === 'string') return [{ role: 'user', parts: [{ type: 'text', content: redact(input) }] }];
  const messages: ChatMessage[] = [];
  for (const item of list(input)) {
    const record = rec(item) ?? {};
    const type = str(record['type']);
    if (type === 'function_call') {
      const part: MessagePart = { type: 'tool_call', id: str(record['call_id']) ?? '', name: str(record['name']) ?? '', arguments: redact(str(record['arguments']) ?? '') };
      messages.push({ role: 'assistant', parts: [part] });
    } else if (type === 'function_call_output') {
      messages.push({ role: 'tool', parts: [{ type: 'tool_call_response', id: str(record['call_id']) ?? '', response: redact(openAiContentText(record['output'])) }] });
    } else if (type === undefined || type === 'message') {
      messages.push(...chatInputMessages([{ role: record['role'], content: record['content'] }], redact));
    } else {
      messages.push({ role: 'user', parts: [{ type }] });
    }
  }
  return messages;
}

function request(params: Loose, redact: (text: string) => string, captureContent: boolean): NormalizedRequest {
  const model = str(params['model']) ?? '';
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
    [ATTR_OPENAI_API_TYPE]: OPENAI_API_TYPE_VALUE_RESPONSES,
    [ATTR_GEN_AI_REQUEST_MODEL]: model,
  };
  const temperature = num(params['temperature']);
  if (temperature !== undefined) attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = temperature;
  const topP = num(params['top_p']);
  if (topP !== undefined) attributes[ATTR_GEN_AI_REQUEST_TOP_P] = topP;
  const maxTokens = int(params['max_output_tokens']);
  if (maxTokens !== undefined) attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const stream = params['stream'] === true;
  if (stream) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;
  const serviceTier = str(params['service_tier']);
  if (serviceTier !== undefined) attributes[ATTR_OPENAI_REQUEST_SERVICE_TIER] = serviceTier;
  const formatType = str(rec(rec(params['text'])?.['format'])?.['type']);
  if (formatType !== undefined) attributes[ATTR_GEN_AI_OUTPUT_TYPE] = formatType === 'text' ? 'text' : 'json';
  const conversation = str(params['conversation']) ?? str(rec(params['conversation'])?.['id']);
  if (conversation !== undefined) attributes[ATTR_GEN_AI_CONVERSATION_ID] = conversation;

  const toolSchemas = new Map<string, unknown>();
  const tools = list(params['tools']);
  if (tools.length > 0) {
    attributes[ATTR_TOOL_SCHEMA_HASH] = toolSchemaHash(tools);
    for (const tool of tools) {
      const name = str(rec(tool)?.['name']);
      if (name !== undefined) toolSchemas.set(name, rec(tool)?.['parameters']);
    }
  }
  const instructions = str(params['instructions']);
  if (instructions !== undefined) attributes[ATTR_PROMPT_TEMPLATE_HASH] = promptTemplateHash(instructions);
  const uncaptured = uncapturedFields(params, CAPTURED);
  if (uncaptured.length > 0) attributes[ATTR_REQUEST_UNCAPTURED_FIELDS] = uncaptured;

  const content = captureContent
    ? (): Attributes => {
        const out: Attributes = { [ATTR_GEN_AI_INPUT_MESSAGES]: JSON.stringify(inputMessages(params['input'], redact)) };
        if (instructions !== undefined) out[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = JSON.stringify([{ type: 'text', content: redact(instructions) }]);
        if (tools.length > 0) {
          const definitions = tools.map((tool): ToolDefinition => {
            const record = rec(tool) ?? {};
            const definition: ToolDefinition = { type: str(record['type']) ?? 'unknown', name: str(record['name']) ?? '' };
            if (record['description'] !== undefined && record['description'] !== null) definition.description = String(record['description']);
            if (record['parameters'] !== undefined) definition.parameters = record['parameters'];
            if (typeof record['strict'] === 'boolean') definition.strict = record['strict'];
            return definition;
          });
          out[ATTR_GEN_AI_TOOL_DEFINITIONS] = JSON.stringify(definitions);
        }
        return out;
      }
    : undefined;
  return { spanName: `${GEN_AI_OPERATION_NAME_VALUE_CHAT} ${model}`, attributes, toolSchemas, stream, content };
}

function response(result: Loose): NormalizedResponse {
  let text = '';
  let refusal: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const item of list(result['output'])) {
    const record = rec(item) ?? {};
    if (record['type'] === 'message') {
      for (const part of list(record['content'])) {
        const partRecord = rec(part) ?? {};
        if (partRecord['type'] === 'output_text') text += str(partRecord['text']) ?? '';
        if (partRecord['type'] === 'refusal') refusal = (refusal ?? '') + (str(partRecord['refusal']) ?? '');
      }
    } else if (record['type'] === 'function_call') {
      toolCalls.push({ id: str(record['call_id']) ?? '', name: str(record['name']) ?? '', arguments: str(record['arguments']) ?? '' });
    }
  }
  const incompleteReason = str(rec(result['incomplete_details'])?.['reason']);
  // The Responses API has no finish reason; map its status to the chat vocabulary.
  let finishReason: string;
  if (incompleteReason === 'max_output_tokens') finishReason = 'length';
  else if (incompleteReason === 'content_filter') finishReason = 'content_filter';
  else if (incompleteReason !== undefined) finishReason = incompleteReason;
  else if (result['status'] === 'failed') finishReason = 'error';
  else finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
  const usage = rec(result['usage']);
  return {
    id: str(result['id']),
    model: str(result['model']),
    serviceTier: str(result['service_tier']),
    inputTokens: int(usage?.['input_tokens']),
    outputTokens: int(usage?.['output_tokens']),
    cacheReadTokens: int(rec(usage?.['input_tokens_details'])?.['cached_tokens']),
    reasoningTokens: int(rec(usage?.['output_tokens_details'])?.['reasoning_tokens']),
    choices: [{ text, refusal, toolCalls, finishReason }],
    contentFiltered: finishReason === 'content_filter',
    truncated: finishReason === 'length',
    raw: result,
  };
}

const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

function accumulator(): StreamAccumulator {
  let final: Loose | undefined;
  let started: Loose | undefined;
  let text = '';
  return {
    add(event) {
      const type = str(event['type']);
      if (type === undefined) return;
      if (FINAL_EVENTS.has(type)) final = rec(event['response']);
      else if (type === 'response.created') started = rec(event['response']);
      else if (type === 'response.output_text.delta') text += str(event['delta']) ?? '';
    },
    finish() {
      if (final !== undefined) return response(final);
      // The stream stopped before its final event: report what arrived.
      const partial = response(started ?? {});
      partial.choices = [{ text, refusal: null, toolCalls: [], finishReason: null }];
      partial.raw = undefined;
      return partial;
    },
  };
}

export const openAiResponsesSurface: ApiSurface = {
  provider: 'openai',
  api: 'responses',
  request,
  response,
  accumulator,
};
