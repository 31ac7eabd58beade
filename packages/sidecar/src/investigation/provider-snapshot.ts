import type { Store } from '../store/store.ts';
import type { IncidentCall } from './incident-call.ts';

/** Provider metadata over a set of calls: what answered and how. */
export interface ProviderSnapshot {
  calls: number;
  fingerprints: { value: string; calls: number }[];
  responseModels: { value: string; calls: number }[];
  finishReasons: { value: string; calls: number }[];
  meanInputTokens: number | null;
  meanOutputTokens: number | null;
  /** Cache-read input tokens ÷ input tokens, over calls reporting both. */
  cacheReadShare: number | null;
}

/** The incident call's own metadata as a snapshot of one call. */
export function snapshotOfCall(call: IncidentCall): ProviderSnapshot {
  const one = (value: string) => (value === '' ? [] : [{ value, calls: 1 }]);
  return {
    calls: 1,
    fingerprints: one(call.fingerprint),
    responseModels: one(call.responseModel),
    finishReasons: call.finishReasons.map((value) => ({ value, calls: 1 })),
    meanInputTokens: call.inputTokens,
    meanOutputTokens: call.outputTokens,
    cacheReadShare: call.inputTokens === null || call.cacheReadTokens === null || call.inputTokens === 0 ? null : call.cacheReadTokens / call.inputTokens,
  };
}

/**
 * Provider metadata of the most recent live calls of the same service and request model
 * (at most `limit`, default 1000): "now", to set beside the incident's "then".
 */
export async function recentProviderSnapshot(store: Store, call: IncidentCall, limit = 1000): Promise<ProviderSnapshot> {
  const recent = `SELECT fingerprint, response_model, finish_reasons, input_tokens, output_tokens, cache_read_tokens
     FROM genai_calls WHERE service = {service:String} AND request_model = {model:String} AND source = 'live'
     ORDER BY timestamp DESC LIMIT {limit:UInt32}`;
  const params = { service: call.service, model: call.requestModel, limit };
  const [totals] = await store.query<{ calls: number | string; in_mean: number | null; out_mean: number | null; cache: number | null; cached_input: number | null }>(
    'provider snapshot',
    `SELECT count() AS calls, avg(input_tokens) AS in_mean, avg(output_tokens) AS out_mean,
            sumIf(cache_read_tokens, cache_read_tokens IS NOT NULL AND input_tokens IS NOT NULL) AS cache,
            sumIf(input_tokens, cache_read_tokens IS NOT NULL AND input_tokens IS NOT NULL) AS cached_input
     FROM (${recent})`,
    params,
  );
  const counts = async (expression: string) =>
    (
      await store.query<{ value: string; calls: number | string }>(
        'provider snapshot',
        // The expression is one of the fixed column expressions below, never request input.
        `SELECT ${expression} AS value, count() AS calls FROM (${recent}) GROUP BY value ORDER BY calls DESC, value LIMIT 10`,
        params,
      )
    ).map((row) => ({ value: row.value, calls: Number(row.calls) }));
  const cachedInput = Number(totals?.cached_input ?? 0);
  return {
    calls: Number(totals?.calls ?? 0),
    fingerprints: (await counts('fingerprint')).filter((v) => v.value !== ''),
    responseModels: (await counts('response_model')).filter((v) => v.value !== ''),
    finishReasons: (await counts('arrayJoin(if(empty(finish_reasons), [\'\'], finish_reasons))')).filter((v) => v.value !== ''),
    meanInputTokens: totals?.in_mean === null || totals?.in_mean === undefined ? null : Number(totals.in_mean),
    meanOutputTokens: totals?.out_mean === null || totals?.out_mean === undefined ? null : Number(totals.out_mean),
    cacheReadShare: cachedInput > 0 ? Number(totals?.cache ?? 0) / cachedInput : null,
  };
}
