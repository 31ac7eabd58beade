import type { Attributes } from '@opentelemetry/api';
import type { NormalizedResponse } from './internal-types.ts';
import {
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from './semconv.ts';

/** Response-side attributes; absent values are not set. */
export function responseAttributes(response: NormalizedResponse, provider: 'openai' | 'anthropic'): Attributes {
  const attributes: Attributes = {};
  if (response.id !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = response.id;
  if (response.model !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = response.model;
  attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = response.choices.map((choice) => choice.finishReason ?? '');
  if (response.inputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = response.inputTokens;
  if (response.outputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = response.outputTokens;
  if (response.cacheReadTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = response.cacheReadTokens;
  if (response.cacheCreationTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = response.cacheCreationTokens;
  if (response.reasoningTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = response.reasoningTokens;
  if (provider === 'openai') {
    if (response.systemFingerprint !== undefined) attributes[ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = response.systemFingerprint;
    if (response.serviceTier !== undefined) attributes[ATTR_OPENAI_RESPONSE_SERVICE_TIER] = response.serviceTier;
  }
  return attributes;
}

const serverAttributeCache = new Map<string, Attributes>();

/** `server.address` and `server.port` from the client's base URL (parsed once per URL). */
export function serverAttributes(baseURL: unknown): Attributes | undefined {
  if (typeof baseURL !== 'string') return undefined;
  let attributes = serverAttributeCache.get(baseURL);
  if (attributes === undefined) {
    attributes = {};
    try {
      const url = new URL(baseURL);
      attributes[ATTR_SERVER_ADDRESS] = url.hostname;
      const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : url.protocol === 'http:' ? 80 : undefined;
      if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
    } catch {
      // An unparseable base URL only costs the server attributes.
    }
    if (serverAttributeCache.size > 100) serverAttributeCache.clear();
    serverAttributeCache.set(baseURL, attributes);
  }
  return attributes;
}

/** Low-cardinality error type: the error's class name (e.g. `RateLimitError`), else `_OTHER`. */
export function errorType(error: unknown): string {
  if (error instanceof Error) {
    const name = error.constructor?.name;
    return typeof name === 'string' && name !== '' && name !== 'Error' ? name : error.name || '_OTHER';
  }
  return '_OTHER';
}
