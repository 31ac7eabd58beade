import { argumentsText, finishReasonOf } from './scenario.ts';
import { pieces, responseModel, type ReplyContext } from './reply.ts';

/** Ids a Responses answer needs, drawn by the caller from the request's generator. */
export interface ResponsesIds {
  response: string;
  message: string;
  functionCalls: string[];
  callIds: string[];
}

function messageItem(reply: ReplyContext, ids: ResponsesIds, status: 'completed' | 'in_progress'): Record<string, unknown> | null {
  const { answer } = reply.draw;
  if (answer.refusal !== undefined) {
    return { type: 'message', id: ids.message, status, role: 'assistant', content: [{ type: 'refusal', refusal: answer.refusal }] };
  }
  if (answer.text === undefined && (answer.toolCalls ?? []).length > 0) return null;
  return {
    type: 'message',
    id: ids.message,
    status,
    role: 'assistant',
    content: [{ type: 'output_text', text: answer.text ?? '', annotations: [], logprobs: [] }],
  };
}

function functionCallItems(reply: ReplyContext, ids: ResponsesIds): Record<string, unknown>[] {
  return (reply.draw.answer.toolCalls ?? []).map((call, i) => ({
    type: 'function_call',
    id: ids.functionCalls[i],
    call_id: ids.callIds[i],
    name: call.name,
    arguments: argumentsText(call.arguments),
    status: 'completed',
  }));
}

export function responseObject(reply: ReplyContext, ids: ResponsesIds, instructions: unknown): Record<string, unknown> {
  const finish = finishReasonOf(reply.draw.answer);
  const incomplete = finish === 'length' ? 'max_output_tokens' : finish === 'content_filter' ? 'content_filter' : null;
  const message = messageItem(reply, ids, 'completed');
  return {
    id: ids.response,
    object: 'response',
    created_at: reply.createdSec,
    status: incomplete === null ? 'completed' : 'incomplete',
    incomplete_details: incomplete === null ? null : { reason: incomplete },
    error: null,
    model: responseModel(reply),
    instructions: instructions ?? null,
    output: [...(message === null ? [] : [message]), ...functionCallItems(reply, ids)],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    service_tier: reply.serviceTier,
    usage: {
      input_tokens: reply.inputTokens,
      input_tokens_details: { cached_tokens: reply.cachedTokens },
      output_tokens: reply.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: reply.inputTokens + reply.outputTokens,
    },
  };
}

/** Server-sent events of a streamed response, as [event name, payload]. */
export function responseEvents(reply: ReplyContext, ids: ResponsesIds, instructions: unknown): [string, Record<string, unknown>][] {
  const final = responseObject(reply, ids, instructions);
  const events: [string, Record<string, unknown>][] = [];
  const emit = (type: string, payload: Record<string, unknown>): void => {
    events.push([type, { type, sequence_number: events.length, ...payload }]);
  };
  emit('response.created', { response: { ...final, status: 'in_progress', output: [], usage: null } });
  let outputIndex = 0;
  const message = messageItem(reply, ids, 'in_progress');
  if (message !== null) {
    emit('response.output_item.added', { output_index: outputIndex, item: { ...message, content: [] } });
    const { answer } = reply.draw;
    const part = (message['content'] as Record<string, unknown>[])[0]!;
    const where = { item_id: ids.message, output_index: outputIndex, content_index: 0 };
    if (answer.refusal !== undefined) {
      emit('response.content_part.added', { ...where, part: { type: 'refusal', refusal: '' } });
      for (const piece of pieces(answer.refusal)) emit('response.refusal.delta', { ...where, delta: piece });
      emit('response.refusal.done', { ...where, refusal: answer.refusal });
    } else {
      emit('response.content_part.added', { ...where, part: { ...part, text: '' } });
      for (const piece of pieces(answer.text ?? '')) emit('response.output_text.delta', { ...where, delta: piece, logprobs: [] });
      emit('response.output_text.done', { ...where, text: answer.text ?? '', logprobs: [] });
    }
    emit('response.content_part.done', { ...where, part });
    emit('response.output_item.done', { output_index: outputIndex, item: { ...message, status: 'completed' } });
    outputIndex++;
  }
  for (const item of functionCallItems(reply, ids)) {
    emit('response.output_item.added', { output_index: outputIndex, item: { ...item, arguments: '', status: 'in_progress' } });
    for (const piece of pieces(String(item['arguments']))) {
      emit('response.function_call_arguments.delta', { item_id: item['id'], output_index: outputIndex, delta: piece });
    }
    emit('response.function_call_arguments.done', { item_id: item['id'], output_index: outputIndex, arguments: item['arguments'] });
    emit('response.output_item.done', { output_index: outputIndex, item });
    outputIndex++;
  }
  emit(final['status'] === 'completed' ? 'response.completed' : 'response.incomplete', { response: final });
  return events;
}
