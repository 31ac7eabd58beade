import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/** Sends one canary request and resolves with the provider's chat completion. */
export type CanarySender = (request: Record<string, unknown>, options: { signal: AbortSignal; timeoutMs: number }) => Promise<unknown>;

/** Environment variables the canary API key is read from, in order. Never a flag: flags show in `ps`. */
export const CANARY_API_KEY_ENV = ['BEHAVIOR_RATE_CANARY_API_KEY', 'OPENAI_API_KEY'] as const;

/** The API key from the environment, or undefined. */
export function canaryApiKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of CANARY_API_KEY_ENV) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/**
 * A sender for an OpenAI-compatible endpoint (base URL including `/v1`). Retries are
 * off: a failed canary call is a measurement, recorded as such, and the next run
 * comes soon enough.
 */
export function openAiSender(endpoint: string, apiKey: string | undefined): CanarySender {
  // Local endpoints (vLLM, the simulated provider) take no key; the SDK insists on one.
  const client = new OpenAI({ baseURL: endpoint, apiKey: apiKey ?? 'no-key', maxRetries: 0 });
  return (request, { signal, timeoutMs }) =>
    client.chat.completions.create({ ...request, stream: false } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming, { signal, timeout: timeoutMs, maxRetries: 0 });
}

/**
 * A failed call as a small fixed vocabulary, so error counts can be grouped:
 * timeout, rate_limited, server_error, client_error, connection_error, aborted, other.
 */
export function canaryErrorType(error: unknown, timedOut: boolean): string {
  if (timedOut || error instanceof APIConnectionTimeoutError) return 'timeout';
  if (error instanceof APIUserAbortError) return 'aborted';
  if (error instanceof APIError) {
    const status = error.status;
    if (status === 429) return 'rate_limited';
    if (typeof status === 'number' && status >= 500) return 'server_error';
    if (typeof status === 'number' && status >= 400) return 'client_error';
    return 'connection_error';
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return timedOut ? 'timeout' : 'aborted';
  return 'other';
}
