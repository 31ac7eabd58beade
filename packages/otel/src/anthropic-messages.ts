import type { Attributes } from '@opentelemetry/api';
import type { ChatMessage, MessagePart, ToolDefinition } from './content.ts';
import { promptTemplateHash, toolSchemaHash } from './hashing.ts';
import type { ApiSurface, Loose, NormalizedRequest, NormalizedResponse, StreamAccumulator } from './internal-types.ts';
import { int, list, num, rec, stopSequences, str, uncapturedFields } from './loose.ts';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_PROMPT_TEMPLATE_HASH,
  ATTR_REQUEST_UNCAPTURED_FIELDS,
  ATTR_TOOL_SCHEMA_HASH,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
} from './semconv.ts';
import type { ToolCall } from './types.ts';

const CAPTURED = new Set(['model', 'max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'system', 'messages', 'tools', 'stream']);

function blocksText(content: unknown): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const block of list(content)) if (rec(block)?.['type'] === 'text') text += str(rec(block)?.['text']) ?? '';
  return text;
}

function messageParts(content: unknown, redact: (text: string) => string): MessagePart[] {
  if (typeof content === 'string') return [{ type: 'text', content: redact(content) }];
  return list(content).map((block): MessagePart => {
    const record = rec(block) ?? {};
    switch (record['type']) {
      case 'text':
        return { type: 'text', content: redact(str(record['text']) ?? '') };
      case 'tool_use':
        return { type: 'tool_call', id: str(record['id']) ?? '', name: str(record['name']) ?? '', arguments: redact(JSON.stringify(record['input'] ?? {})) };
      case 'tool_result':
        return { type: 'tool_call_response', id: str(record['tool_use_id']) ?? '', response: redact(blocksText(record['content'])) };
      default:
        return { type: str(record['type']) ?? 'unknown' };
    }
  });
}

function request(params: Loose, redact: (text: string) => string, captureContent: boolean): NormalizedRequest {
  const model = str(params['model']) ?? '';
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
    [ATTR_GEN_AI_REQUEST_MODEL]: model,
  };
  const maxTokens = int(params['max_tokens']);
  if (maxTokens !== undefined) attributes[ATTR_GEN_AI_REQUEST_MAX_TOKENS] = maxTokens;
  const temperature = num(params['temperature']);
  if (temperature !== undefined) attributes[ATTR_GEN_AI_REQUEST_TEMPERATURE] = temperature;
  const topP = num(params['top_p']);
  if (topP !== undefined) attributes[ATTR_GEN_AI_REQUEST_TOP_P] = topP;
  const topK = num(params['top_k']);
  if (topK !== undefined) attributes[ATTR_GEN_AI_REQUEST_TOP_K] = topK;
  const stop = stopSequences(params['stop_sequences']);
  if (stop !== undefined) attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stop;
  const stream = params['stream'] === true;
  if (stream) attributes[ATTR_GEN_AI_REQUEST_STREAM] = true;

  const toolSchemas = new Map<string, unknown>();
  const tools = list(params['tools']);
  if (tools.length > 0) {
    attributes[ATTR_TOOL_SCHEMA_HASH] = toolSchemaHash(tools);
    for (const tool of tools) {
      const name = str(rec(tool)?.['name']);
      if (name !== undefined) toolSchemas.set(name, rec(tool)?.['input_schema']);
    }
  }
  const system = params['system'];
  if (system !== undefined) attributes[ATTR_PROMPT_TEMPLATE_HASH] = promptTemplateHash(blocksText(system));
  const uncaptured = uncapturedFields(params, CAPTURED);
  if (uncaptured.length > 0) attributes[ATTR_REQUEST_UNCAPTURED_FIELDS] = uncaptured;

  const content = captureContent
    ? (): Attributes => {
        const messages = list(params['messages']).map((message): ChatMessage => ({
          role: str(rec(message)?.['role']) ?? 'user',
          parts: messageParts(rec(message)?.['content'], redact),
        }));
        const out: Attributes = { [ATTR_GEN_AI_INPUT_MESSAGES]: JSON.stringify(messages) };
        if (system !== undefined) out[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = JSON.stringify(messageParts(system, redact));
        if (tools.length > 0) {
          const definitions = tools.map((tool): ToolDefinition => {
            const record = rec(tool) ?? {};
            const definition: ToolDefinition = { type: 'function', name: str(record['name']) ?? '' };
            if (record['description'] !== undefined) definition.description = String(record['description']);
            if (record['input_schema'] !== undefined) definition.parameters = record['input_schema'];
            return definition;
          });
          out[ATTR_GEN_AI_TOOL_DEFINITIONS] = JSON.stringify(definitions);
        }
        return out;
      }
    : undefined;
  return { spanName: `${GEN_AI_OPERATION_NAME_VALUE_CHAT} ${model}`, attributes, toolSchemas, stream, content };
}

function normalize(message: Loose, toolArguments: (block: Loose, index: number) => string): NormalizedResponse {
  let text = '';
  const toolCalls: ToolCall[] = [];
  list(message['content']).forEach((block, index) => {
    const record = rec(block) ?? {};
    if (record['type'] === 'text') text += str(record['text']) ?? '';
    else if (record['type'] === 'tool_use') toolCalls.push({ id: str(record['id']) ?? '', name: str(record['name']) ?? '', arguments: toolArguments(record, index) });
  });
  const stopReason = str(message['stop_reason']) ?? null;
  const refused = stopReason === 'refusal';
  const usage = rec(message['usage']);
  const cacheRead = int(usage?.['cache_read_input_tokens']);
  const cacheCreation = int(usage?.['cache_creation_input_tokens']);
  const uncachedInput = int(usage?.['input_tokens']);
  return {
    id: str(message['id']),
    model: str(message['model']),
    // Anthropic's input_tokens exclude cache reads and writes; the convention's include them.
    inputTokens: uncachedInput === undefined ? undefined : uncachedInput + (cacheRead ?? 0) + (cacheCreation ?? 0),
    outputTokens: int(usage?.['output_tokens']),
    cacheReadTokens: cacheRead,
    cacheCreationTokens: cacheCreation,
    choices: [{ text: refused ? '' : text, refusal: refused ? text : null, toolCalls, finishReason: stopReason }],
    contentFiltered: false,
    truncated: stopReason === 'max_tokens',
    raw: message,
  };
}

function response(result: Loose): NormalizedResponse {
  return normalize(result, (block) => JSON.stringify(block['input'] ?? {}));
}

function accumulator(): StreamAccumulator {
  const message: Loose = { content: [] as Loose[] };
  const partialJson: string[] = [];
  let usage: Loose = {};
  return {
    add(event) {
      switch (event['type']) {
        case 'message_start': {
          const start = rec(event['message']) ?? {};
          message['id'] = start['id'];
          message['model'] = start['model'];
          usage = { ...rec(start['usage']) };
          break;
        }
        case 'content_block_start': {
          const index = int(event['index']) ?? (message['content'] as Loose[]).length;
          (message['content'] as Loose[])[index] = { ...rec(event['content_block']) };
          partialJson[index] = '';
          break;
        }
        case 'content_block_delta': {
          const index = int(event['index']) ?? 0;
          const block = (message['content'] as Loose[])[index];
          const delta = rec(event['delta']) ?? {};
          if (block === undefined) break;
          if (delta['type'] === 'text_delta') block['text'] = (str(block['text']) ?? '') + (str(delta['text']) ?? '');
          if (delta['type'] === 'input_json_delta') partialJson[index] = (partialJson[index] ?? '') + (str(delta['partial_json']) ?? '');
          break;
        }
        case 'message_delta': {
          const delta = rec(event['delta']) ?? {};
          if (delta['stop_reason'] !== undefined) message['stop_reason'] = delta['stop_reason'];
          // message_delta carries cumulative usage; its fields replace message_start's.
          for (const [key, value] of Object.entries(rec(event['usage']) ?? {})) if (value !== null && value !== undefined) usage[key] = value;
          break;
        }
      }
    },
    finish() {
      message['usage'] = usage;
      // Streamed tool input arrives as raw JSON text: keep it raw, so malformed input is seen.
      const normalized = normalize(message, (block, index) => (partialJson[index] !== undefined && partialJson[index] !== '' ? partialJson[index] : JSON.stringify(block['input'] ?? {})));
      normalized.raw = undefined;
      return normalized;
    },
  };
}

export const anthropicMessagesSurface: ApiSurface = {
  provider: 'anthropic',
  api: 'messages',
  request,
  response,
  accumulator,
};
