import { argumentsText, finishReasonOf } from './scenario.ts';
import { pieces, responseModel, type ReplyContext } from './reply.ts';

export function chatCompletion(reply: ReplyContext, id: string, toolCallIds: string[]): Record<string, unknown> {
  const { answer } = reply.draw;
  const toolCalls = (answer.toolCalls ?? []).map((call, i) => ({
    id: toolCallIds[i],
    type: 'function',
    function: { name: call.name, arguments: argumentsText(call.arguments) },
  }));
  return {
    id,
    object: 'chat.completion',
    created: reply.createdSec,
    model: responseModel(reply),
    system_fingerprint: reply.draw.systemFingerprint,
    service_tier: reply.serviceTier,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: answer.refusal !== undefined ? null : (answer.text ?? (toolCalls.length > 0 ? null : '')),
          refusal: answer.refusal ?? null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReasonOf(answer),
      },
    ],
    usage: chatUsage(reply),
  };
}

function chatUsage(reply: ReplyContext): Record<string, unknown> {
  return {
    prompt_tokens: reply.inputTokens,
    completion_tokens: reply.outputTokens,
    total_tokens: reply.inputTokens + reply.outputTokens,
    prompt_tokens_details: { cached_tokens: reply.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** The chunks of a streamed chat completion, in order (without the final `[DONE]`). */
export function chatChunks(reply: ReplyContext, id: string, toolCallIds: string[], includeUsage: boolean): Record<string, unknown>[] {
  const { answer } = reply.draw;
  const base = {
    id,
    object: 'chat.completion.chunk',
    created: reply.createdSec,
    model: responseModel(reply),
    system_fingerprint: reply.draw.systemFingerprint,
    service_tier: reply.serviceTier,
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null): Record<string, unknown> => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  const chunks: Record<string, unknown>[] = [chunk({ role: 'assistant', content: '', refusal: null }, null)];
  for (const piece of pieces(answer.text ?? '')) chunks.push(chunk({ content: piece }, null));
  for (const piece of pieces(answer.refusal ?? '')) chunks.push(chunk({ refusal: piece }, null));
  (answer.toolCalls ?? []).forEach((call, index) => {
    chunks.push(chunk({ tool_calls: [{ index, id: toolCallIds[index], type: 'function', function: { name: call.name, arguments: '' } }] }, null));
    for (const piece of pieces(argumentsText(call.arguments))) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null));
    }
  });
  chunks.push(chunk({}, finishReasonOf(answer)));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: chatUsage(reply) });
  return chunks;
}
