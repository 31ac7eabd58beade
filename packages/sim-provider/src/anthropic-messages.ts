import { finishReasonOf } from './scenario.ts';
import { pieces, responseModel, type ReplyContext } from './reply.ts';

function stopReason(reply: ReplyContext): string {
  const { answer } = reply.draw;
  if (answer.refusal !== undefined) return 'refusal';
  switch (finishReasonOf(answer)) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    // Anthropic has no content filter finish; its classifiers stop with a refusal.
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

// Anthropic tool inputs are objects on the wire; unparseable scenario arguments become {}.
function toolInput(args: string | Record<string, unknown>): Record<string, unknown> {
  if (typeof args !== 'string') return args;
  try {
    const parsed: unknown = JSON.parse(args);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function contentBlocks(reply: ReplyContext, toolIds: string[]): Record<string, unknown>[] {
  const { answer } = reply.draw;
  const blocks: Record<string, unknown>[] = [];
  const text = answer.refusal ?? answer.text;
  if (text !== undefined) blocks.push({ type: 'text', text });
  (answer.toolCalls ?? []).forEach((call, i) => {
    blocks.push({ type: 'tool_use', id: toolIds[i], name: call.name, input: toolInput(call.arguments) });
  });
  return blocks;
}

function usage(reply: ReplyContext): Record<string, unknown> {
  // Anthropic's input_tokens exclude the cached and cache-written tokens.
  return {
    input_tokens: reply.inputTokens - reply.cachedTokens - reply.cacheCreationTokens,
    output_tokens: reply.outputTokens,
    cache_creation_input_tokens: reply.cacheCreationTokens,
    cache_read_input_tokens: reply.cachedTokens,
    service_tier: reply.serviceTier,
  };
}

export function anthropicMessage(reply: ReplyContext, id: string, toolIds: string[]): Record<string, unknown> {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: responseModel(reply),
    content: contentBlocks(reply, toolIds),
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: usage(reply),
  };
}

export function anthropicEvents(reply: ReplyContext, id: string, toolIds: string[]): [string, Record<string, unknown>][] {
  const full = anthropicMessage(reply, id, toolIds);
  const events: [string, Record<string, unknown>][] = [];
  const emit = (type: string, payload: Record<string, unknown>): void => {
    events.push([type, { type, ...payload }]);
  };
  emit('message_start', { message: { ...full, content: [], stop_reason: null, usage: { ...usage(reply), output_tokens: 1 } } });
  contentBlocks(reply, toolIds).forEach((block, index) => {
    if (block['type'] === 'text') {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of pieces(String(block['text']))) emit('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
    } else {
      emit('content_block_start', { index, content_block: { ...block, input: {} } });
      for (const piece of pieces(JSON.stringify(block['input']))) {
        emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      }
    }
    emit('content_block_stop', { index });
  });
  emit('message_delta', { delta: { stop_reason: full['stop_reason'], stop_sequence: null }, usage: { output_tokens: reply.outputTokens } });
  emit('message_stop', {});
  return events;
}
