import type { Random } from './random.ts';
import type { Draw } from './scenario.ts';

/** Everything a wire format needs to render one drawn answer. */
export interface ReplyContext {
  draw: Draw;
  random: Random;
  requestModel: string;
  /** Simulated time, epoch seconds. */
  createdSec: number;
  inputTokens: number;
  /** Part of inputTokens served from the simulated prompt cache. */
  cachedTokens: number;
  /** Tokens written to the simulated prompt cache by this request (Anthropic reports them). */
  cacheCreationTokens: number;
  outputTokens: number;
  serviceTier: string;
}

export function responseModel(reply: ReplyContext): string {
  return reply.draw.responseModel ?? reply.requestModel;
}

/** Splits text into up to three pieces, so streams have more than one delta. */
export function pieces(text: string): string[] {
  if (text.length < 3) return text.length === 0 ? [] : [text];
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
}
