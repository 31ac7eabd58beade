import { withUncontrolledInputs } from '@behavior-rate/otel';
import OpenAI from 'openai';
import pLimit from 'p-limit';

/** What to send and how: one run of N identical requests. */
export interface ReplayPlan {
  /** The chat-completions body, sent unchanged every time (never streamed). */
  body: Record<string, unknown>;
  count: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1. */
  endpoint: string;
  apiKey: string;
  /** Span id of the call replayed → `replay.of`. */
  replayOf: string;
  /** → `replay.run_id`. */
  runId: string;
  /** Retrieval index version of the incident, carried onto the replays so their rows say which context they replay. */
  indexVersion?: string;
  /** Per-attempt timeout, ms. Default 60 000. */
  timeoutMs?: number;
  /**
   * Retries per replay on 429, 5xx, timeouts and dropped connections, with the SDK's
   * exponential backoff (honouring Retry-After). Default 4.
   */
  maxRetries?: number;
}

/** Progress as replays finish. */
export interface ReplayProgress {
  total: number;
  done: number;
  completed: number;
  failed: number;
  /** Extra attempts made after a retryable failure. */
  retries: number;
}

/** What ran: every replay is counted as completed or failed, none dropped. */
export interface ReplayRunResult extends ReplayProgress {
  /** Failure reason (rate_limited, server_error, timeout, connection, client_error:NNN, …) → replays that ended with it. */
  failures: Record<string, number>;
  wallMs: number;
}

/** Why a replay finally failed, in a few stable words. */
export function failureReason(error: unknown): string {
  if (error instanceof OpenAI.APIConnectionTimeoutError) return 'timeout';
  if (error instanceof OpenAI.APIConnectionError) return 'connection';
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    if (status === 429) return 'rate_limited';
    if (status !== undefined && status >= 500) return 'server_error';
    return `client_error:${String(status)}`;
  }
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * Sends `plan.body` `plan.count` times with bounded concurrency through an instrumented
 * OpenAI client, so each replay becomes a GenAI span marked `replay.of`/`replay.run_id`.
 * Failures are retried by the SDK, then counted by reason; the run always resolves.
 */
export async function runReplays(plan: ReplayPlan, onProgress: (progress: ReplayProgress) => void = () => {}): Promise<ReplayRunResult> {
  const began = performance.now();
  let attempts = 0;
  const countingFetch: typeof fetch = (input, init) => {
    attempts += 1;
    return fetch(input, init);
  };
  const client = new OpenAI({
    baseURL: plan.endpoint,
    apiKey: plan.apiKey,
    maxRetries: plan.maxRetries ?? 4,
    timeout: plan.timeoutMs ?? 60_000,
    fetch: countingFetch,
  });
  const progress: ReplayProgress = { total: plan.count, done: 0, completed: 0, failed: 0, retries: 0 };
  const failures: Record<string, number> = {};
  const limit = pLimit(plan.concurrency ?? 8);
  const body = { ...plan.body, stream: false } as unknown as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
  const inputs = {
    replayOf: plan.replayOf,
    replayRunId: plan.runId,
    trafficClass: 'replay',
    ...(plan.indexVersion === undefined || plan.indexVersion === '' ? {} : { retrievalIndexVersion: plan.indexVersion }),
  };
  let started = 0;
  const one = async (): Promise<void> => {
    started += 1;
    try {
      await withUncontrolledInputs(inputs, () => client.chat.completions.create(body));
      progress.completed += 1;
    } catch (error) {
      progress.failed += 1;
      const reason = failureReason(error);
      failures[reason] = (failures[reason] ?? 0) + 1;
    }
    progress.done += 1;
    // Every started replay has made its first attempt; anything beyond is a retry.
    progress.retries = Math.max(0, attempts - started);
    onProgress({ ...progress });
  };
  await Promise.all(Array.from({ length: plan.count }, () => limit(one)));
  progress.retries = attempts - plan.count;
  return { ...progress, failures, wallMs: performance.now() - began };
}
