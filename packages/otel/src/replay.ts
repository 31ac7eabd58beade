import { isRecord } from './loose.ts';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_REQUEST_UNCAPTURED_FIELDS,
  ATTR_TOOL_SCHEMA_HASH,
} from './semconv.ts';
import type { ReplayRequest } from './types.ts';

type Attrs = Readonly<Record<string, unknown>>;
type Loose = Record<string, unknown>;

// Span attributes arrive either typed (from the SDK) or as strings (from ClickHouse's
// Map(String, String)), so every reader accepts both.

function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function readJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function readStringArray(value: unknown): string[] | undefined {
  const parsed = readJson(value);
  return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
}

const SYSTEM_ROLES = new Set(['system', 'developer']);

function textOf(parts: Loose[]): string {
  return parts.map((part) => (typeof part['content'] === 'string' ? part['content'] : '')).join('');
}

/** One structured message → chat messages (a tool message per tool_call_response part). */
function toChatMessages(message: Loose, index: number, missing: string[]): Loose[] {
  const role = typeof message['role'] === 'string' ? message['role'] : 'user';
  const parts = Array.isArray(message['parts']) ? message['parts'].filter(isRecord) : [];
  if (role === 'tool') {
    return parts.map((part) => ({ role: 'tool', tool_call_id: part['id'], content: typeof part['response'] === 'string' ? part['response'] : JSON.stringify(part['response']) }));
  }
  const texts: Loose[] = [];
  const toolCalls: Loose[] = [];
  parts.forEach((part, partIndex) => {
    if (part['type'] === 'text') texts.push(part);
    else if (part['type'] === 'tool_call') {
      const args = typeof part['arguments'] === 'string' ? part['arguments'] : JSON.stringify(part['arguments'] ?? {});
      toolCalls.push({ id: part['id'], type: 'function', function: { name: part['name'], arguments: args } });
    } else missing.push(`messages[${index}].parts[${partIndex}] (${String(part['type'])})`);
  });
  const chat: Loose = { role };
  // One text part was a string content; several were an array of text parts.
  if (texts.length === 1) chat['content'] = texts[0]!['content'];
  else if (texts.length > 1) chat['content'] = texts.map((part) => ({ type: 'text', text: part['content'] }));
  else chat['content'] = toolCalls.length > 0 ? null : '';
  if (toolCalls.length > 0) chat['tool_calls'] = toolCalls;
  return [chat];
}

/**
 * Rebuilds an OpenAI chat-completions request body from a captured GenAI span's attributes
 * (typed, or strings as stored in ClickHouse), for replay. Content capture must have been on
 * for messages and tools. `missing` names everything the original request had that the span
 * does not carry; when it is empty, the body equals the original request's (streaming aside:
 * the body is always non-streamed).
 */
export function requestFromSpanAttributes(attributes: Attrs): ReplayRequest {
  const body: Loose = {};
  const missing: string[] = [];
  const model = attributes[ATTR_GEN_AI_REQUEST_MODEL];
  if (typeof model === 'string' && model !== '') body['model'] = model;
  else missing.push('model');

  const messages = readJson(attributes[ATTR_GEN_AI_INPUT_MESSAGES]);
  if (Array.isArray(messages)) {
    const chat = messages.filter(isRecord).flatMap((message, index) => toChatMessages(message, index, missing));
    const system = readJson(attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]);
    // Chat spans keep system messages in place; other APIs send instructions apart from the history.
    if (Array.isArray(system) && !chat.some((message) => SYSTEM_ROLES.has(message['role'] as string))) {
      chat.unshift({ role: 'system', content: textOf(system.filter(isRecord)) });
    }
    body['messages'] = chat;
  } else missing.push('messages');

  const tools = readJson(attributes[ATTR_GEN_AI_TOOL_DEFINITIONS]);
  if (Array.isArray(tools)) {
    body['tools'] = tools.filter(isRecord).map((tool) => {
      const fn: Loose = { name: tool['name'] };
      if (tool['description'] !== undefined) fn['description'] = tool['description'];
      if (tool['parameters'] !== undefined) fn['parameters'] = tool['parameters'];
      if (tool['strict'] !== undefined) fn['strict'] = tool['strict'];
      return { type: 'function', function: fn };
    });
  } else if (attributes[ATTR_TOOL_SCHEMA_HASH] !== undefined) missing.push('tools');

  const numeric: [string, string][] = [
    [ATTR_GEN_AI_REQUEST_TEMPERATURE, 'temperature'],
    [ATTR_GEN_AI_REQUEST_TOP_P, 'top_p'],
    [ATTR_GEN_AI_REQUEST_SEED, 'seed'],
    [ATTR_GEN_AI_REQUEST_MAX_TOKENS, 'max_tokens'],
    [ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, 'frequency_penalty'],
    [ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, 'presence_penalty'],
    [ATTR_GEN_AI_REQUEST_CHOICE_COUNT, 'n'],
  ];
  for (const [attribute, field] of numeric) {
    const value = readNumber(attributes[attribute]);
    if (value !== undefined) body[field] = value;
  }
  const stop = readStringArray(attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]);
  if (stop !== undefined) body['stop'] = stop;
  const serviceTier = attributes[ATTR_OPENAI_REQUEST_SERVICE_TIER];
  if (typeof serviceTier === 'string') body['service_tier'] = serviceTier;
  for (const field of readStringArray(attributes[ATTR_REQUEST_UNCAPTURED_FIELDS]) ?? []) missing.push(field);
  return { body, missing };
}
