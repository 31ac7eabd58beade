import type { Store } from '../store/store.ts';

/** The GenAI call a report is about, as stored: typed columns plus the raw span attributes. */
export interface IncidentCall {
  traceId: string;
  spanId: string;
  /** Span start, epoch milliseconds. */
  timestampMs: number;
  service: string;
  operation: string;
  provider: string;
  requestModel: string;
  responseModel: string;
  systemFingerprint: string;
  fingerprint: string;
  finishReasons: string[];
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  durationMs: number;
  status: string;
  errorType: string;
  seed: number | null;
  temperature: number | null;
  indexVersion: string;
  freshnessLagMs: number | null;
  toolSchemaHash: string;
  promptTemplateHash: string;
  trafficClass: string;
  source: string;
  inputMessages: string;
  systemInstructions: string;
  outputMessages: string;
  outputText: string;
  behaviors: string[];
  /** Every span attribute, as the exporter stored it (all values strings). */
  attributes: Record<string, string>;
  resourceAttributes: Record<string, string>;
}

/** Which call: a span id, or a trace id (its first live GenAI call, preferring one that shows `behavior`). */
export interface IncidentLookup {
  traceId?: string;
  spanId?: string;
  behavior?: string;
}

/** No GenAI call matches the lookup; the message says what was searched. */
export class IncidentNotFoundError extends Error {
  override readonly name = 'IncidentNotFoundError';
}

interface CallRow {
  trace_id: string;
  span_id: string;
  ts_ms: string | number;
  service: string;
  operation: string;
  provider: string;
  request_model: string;
  response_model: string;
  system_fingerprint: string;
  fingerprint: string;
  finish_reasons: string[];
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  duration_ns: string | number;
  status: string;
  error_type: string;
  seed: string | number | null;
  temperature: number | null;
  index_version: string;
  freshness_lag_ms: string | number | null;
  tool_schema_hash: string;
  prompt_template_hash: string;
  traffic_class: string;
  source: string;
  input_messages: string;
  system_instructions: string;
  output_messages: string;
  output_text: string;
  behaviors: string[];
}

const nullableNumber = (value: string | number | null): number | null => (value === null ? null : Number(value));

/**
 * Finds the incident's call. With a trace id and no span id, live calls come first, then
 * calls showing `behavior`, then the earliest: a trace with a retry reports the bad answer.
 */
export async function findIncidentCall(store: Store, lookup: IncidentLookup): Promise<IncidentCall> {
  if (lookup.traceId === undefined && lookup.spanId === undefined) throw new IncidentNotFoundError('a trace id or a span id is required');
  const filters: string[] = [];
  if (lookup.traceId !== undefined) filters.push('trace_id = {traceId:String}');
  if (lookup.spanId !== undefined) filters.push('span_id = {spanId:String}');
  const rows = await store.query<CallRow>(
    'incident call',
    `SELECT *, toUnixTimestamp64Milli(timestamp) AS ts_ms FROM genai_calls
     WHERE ${filters.join(' AND ')}
     ORDER BY source = 'live' DESC, has(behaviors, {behavior:String}) DESC, timestamp
     LIMIT 1`,
    { traceId: lookup.traceId ?? '', spanId: lookup.spanId ?? '', behavior: lookup.behavior ?? '' },
  );
  const row = rows[0];
  if (row === undefined) {
    const what = [lookup.traceId === undefined ? '' : `trace ${lookup.traceId}`, lookup.spanId === undefined ? '' : `span ${lookup.spanId}`].filter(Boolean).join(', ');
    throw new IncidentNotFoundError(`no GenAI call found for ${what}: the span never reached this store, or it is not a GenAI span (no gen_ai.operation.name)`);
  }
  const raw = await store.query<{ SpanAttributes: Record<string, string>; ResourceAttributes: Record<string, string> }>(
    'incident call',
    'SELECT SpanAttributes, ResourceAttributes FROM otel_traces WHERE TraceId = {traceId:String} AND SpanId = {spanId:String} LIMIT 1',
    { traceId: row.trace_id, spanId: row.span_id },
  );
  return {
    traceId: row.trace_id,
    spanId: row.span_id,
    timestampMs: Number(row.ts_ms),
    service: row.service,
    operation: row.operation,
    provider: row.provider,
    requestModel: row.request_model,
    responseModel: row.response_model,
    systemFingerprint: row.system_fingerprint,
    fingerprint: row.fingerprint,
    finishReasons: row.finish_reasons,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    durationMs: Number(row.duration_ns) / 1e6,
    status: row.status,
    errorType: row.error_type,
    seed: nullableNumber(row.seed),
    temperature: row.temperature,
    indexVersion: row.index_version,
    freshnessLagMs: nullableNumber(row.freshness_lag_ms),
    toolSchemaHash: row.tool_schema_hash,
    promptTemplateHash: row.prompt_template_hash,
    trafficClass: row.traffic_class,
    source: row.source,
    inputMessages: row.input_messages,
    systemInstructions: row.system_instructions,
    outputMessages: row.output_messages,
    outputText: row.output_text,
    behaviors: row.behaviors,
    attributes: raw[0]?.SpanAttributes ?? {},
    resourceAttributes: raw[0]?.ResourceAttributes ?? {},
  };
}

/** One span of the incident's trace, for the "what the user saw" timeline. */
export interface TraceSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  startMs: number;
  durationMs: number;
  status: string;
}

/** The spans of a trace in start order, at most `limit` (default 200). */
export async function traceSpans(store: Store, traceId: string, limit = 200): Promise<TraceSpan[]> {
  const rows = await store.query<{ SpanId: string; ParentSpanId: string; SpanName: string; ServiceName: string; start_ms: string | number; Duration: string | number; StatusCode: string }>(
    'incident trace',
    `SELECT SpanId, ParentSpanId, SpanName, ServiceName, toUnixTimestamp64Milli(Timestamp) AS start_ms, Duration, StatusCode
     FROM otel_traces WHERE TraceId = {traceId:String} ORDER BY Timestamp LIMIT {limit:UInt32}`,
    { traceId, limit },
  );
  return rows.map((row) => ({
    spanId: row.SpanId,
    parentSpanId: row.ParentSpanId,
    name: row.SpanName,
    service: row.ServiceName,
    startMs: Number(row.start_ms),
    durationMs: Number(row.Duration) / 1e6,
    status: row.StatusCode,
  }));
}
