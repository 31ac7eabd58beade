/**
 * A small, deterministic world of GenAI calls for running panel SQL against: two models,
 * a fingerprint change, a behavior-rate shift in the last hour, canary and replay
 * traffic that must stay out of live rates, and one incident with replays.
 * Expected values in tests are computed from these rows, never typed in.
 */

export interface SeedCall {
  timestamp: Date;
  trace_id: string;
  span_id: string;
  service: string;
  request_model: string;
  fingerprint: string;
  traffic_class: string;
  index_version: string;
  tool_schema_hash: string;
  source: 'live' | 'canary' | 'replay';
  replay_of: string;
  output_text: string;
  behaviors: string[];
}

/** Deterministic PRNG (mulberry32), so every run seeds the same rows. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const MINUTE = 60_000;
/** "Now" for the seeded world: a fixed minute, so macro output is reproducible. */
export const NOW = new Date(Date.UTC(2026, 10, 20, 12, 0, 0));
export const INCIDENT_TRACE = 'incident-trace-0001';
export const INCIDENT_SPAN = 'incident-span-0001';
/** The fingerprint gpt-a switches to 10 minutes before NOW. */
export const NEW_FINGERPRINT = 'fp_a2';
export const FINGERPRINT_SWITCH = new Date(NOW.getTime() - 10 * MINUTE);

export interface SeedWorld {
  calls: SeedCall[];
}

/** Seven days and a bit of traffic: 1 call a minute per model, 5 a minute in the last hour. */
export function seedWorld(days = 7.1): SeedWorld {
  const random = prng(20261120);
  const calls: SeedCall[] = [];
  const start = NOW.getTime() - Math.round(days * 1440) * MINUTE;
  let n = 0;
  for (let minute = start; minute < NOW.getTime(); minute += MINUTE) {
    const recent = minute >= NOW.getTime() - 60 * MINUTE;
    for (const model of ['gpt-a', 'gpt-b']) {
      const perMinute = recent ? 5 : 1;
      for (let k = 0; k < perMinute; k++) {
        n++;
        const timestamp = new Date(minute + Math.floor(random() * 59_000));
        const fingerprint = model === 'gpt-a' ? (timestamp >= FINGERPRINT_SWITCH ? NEW_FINGERPRINT : 'fp_a1') : 'fp_b1';
        // gpt-a's refusal rate jumps from 2% to 30% in the last hour; gpt-b stays at 2%.
        const refusalRate = model === 'gpt-a' && recent ? 0.3 : 0.02;
        const behaviors = [...(random() < 0.05 ? ['truncated'] : []), ...(random() < refusalRate ? ['refusal'] : [])].sort();
        calls.push({
          timestamp,
          trace_id: `trace-${n}`,
          span_id: `span-${n}`,
          service: random() < 0.5 ? 'chat' : 'search',
          request_model: model,
          fingerprint,
          traffic_class: random() < 0.7 ? 'web' : 'api',
          index_version: timestamp.getTime() < NOW.getTime() - 1440 * MINUTE ? 'idx-1' : 'idx-2',
          tool_schema_hash: 'tools-1',
          source: 'live',
          replay_of: '',
          output_text: 'answer',
          behaviors,
        });
      }
    }
    // Canary traffic with a high refusal rate: it must never show in live rates.
    if (minute % (10 * MINUTE) === 0) {
      calls.push({
        timestamp: new Date(minute),
        trace_id: `canary-${minute}`,
        span_id: `canary-span-${minute}`,
        service: 'canary',
        request_model: 'gpt-a',
        fingerprint: 'fp_canary',
        traffic_class: 'canary',
        index_version: 'idx-1',
        tool_schema_hash: 'tools-1',
        source: 'canary',
        replay_of: '',
        output_text: 'canary answer',
        behaviors: ['refusal'],
      });
    }
  }
  // The incident: a refusal on gpt-a 30 minutes ago, then 40 replays of it.
  const incidentAt = new Date(NOW.getTime() - 30 * MINUTE);
  calls.push({
    timestamp: incidentAt,
    trace_id: INCIDENT_TRACE,
    span_id: INCIDENT_SPAN,
    service: 'chat',
    request_model: 'gpt-a',
    fingerprint: 'fp_a1',
    traffic_class: 'web',
    index_version: 'idx-2',
    tool_schema_hash: 'tools-1',
    source: 'live',
    replay_of: '',
    output_text: 'The refund takes seven hours.',
    behaviors: ['refusal'],
  });
  for (let r = 0; r < 40; r++) {
    calls.push({
      timestamp: new Date(NOW.getTime() - 5 * MINUTE + r * 1000),
      trace_id: `replay-${r}`,
      span_id: `replay-span-${r}`,
      service: 'chat',
      request_model: 'gpt-a',
      fingerprint: r % 4 === 0 ? 'fp_a1' : NEW_FINGERPRINT,
      traffic_class: 'web',
      index_version: 'idx-2',
      tool_schema_hash: 'tools-1',
      source: 'replay',
      // Half the replays point at the span, half at the trace: both are valid `replay.of` values.
      replay_of: r % 2 === 0 ? INCIDENT_SPAN : INCIDENT_TRACE,
      output_text: r % 10 === 0 ? 'The refund takes seven hours.' : 'The refund takes seven days.',
      behaviors: r % 10 === 0 ? ['refusal'] : [],
    });
  }
  return { calls };
}

/**
 * otel_traces rows (JSONEachRow), as the collector exporter or the sidecar's receiver
 * writes them: the seed goes through the real views (genai_calls_mv and every view
 * below it), so a view that stops deriving a column the panels read fails the tests.
 * Behaviors are expressed the way the views detect them: `truncated` as finish reason
 * "length", `refusal` as an in-app flag.
 */
export function toTraceRows(calls: readonly SeedCall[]): object[] {
  return calls.map((call) => {
    const attributes: Record<string, string> = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': call.request_model,
      'gen_ai.response.model': call.request_model,
      'openai.response.system_fingerprint': call.fingerprint,
      'gen_ai.response.finish_reasons': JSON.stringify([call.behaviors.includes('truncated') ? 'length' : 'stop']),
      'behavior.flags': JSON.stringify(call.behaviors.filter((b) => b !== 'truncated')),
      'retrieval.index.version': call.index_version,
      'tool.schema.hash': call.tool_schema_hash,
      'traffic.class': call.traffic_class,
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: call.output_text }] }]),
    };
    if (call.source === 'canary') attributes['canary.case_id'] = 'seed-case';
    if (call.source === 'replay') attributes['replay.of'] = call.replay_of;
    return {
      Timestamp: (call.timestamp.getTime() / 1000).toFixed(3),
      TraceId: call.trace_id,
      SpanId: call.span_id,
      ParentSpanId: '',
      TraceState: '',
      SpanName: `chat ${call.request_model}`,
      SpanKind: 'Client',
      ServiceName: call.service,
      ResourceAttributes: { 'service.name': call.service },
      ScopeName: '@behavior-rate/otel',
      ScopeVersion: '0.1.0',
      SpanAttributes: attributes,
      Duration: '1000000',
      StatusCode: 'Ok',
      StatusMessage: '',
    };
  });
}

/** Canary cases whose outcome distribution moves in the last 30 minutes. */
export const DRIFTING_CASE = 'refund-sla';

/**
 * Per-minute canary outcomes for two days: two cases, 3 runs a minute each. `refund-sla`
 * answers "7 days" 95% of the time until 30 minutes before NOW, then "7 hours" 60%.
 */
export function seedCanaryOutcomes(): { minute: number; request_model: string; case_id: string; kind: string; outcome_key: string; expectation: string; runs: number }[] {
  const random = prng(7);
  const rows = [];
  for (let minute = NOW.getTime() - 2 * 1440 * MINUTE; minute < NOW.getTime(); minute += MINUTE) {
    const drifted = minute >= NOW.getTime() - 30 * MINUTE;
    for (const caseId of [DRIFTING_CASE, 'greeting']) {
      for (let run = 0; run < 3; run++) {
        const wrong = caseId === DRIFTING_CASE && random() < (drifted ? 0.6 : 0.05);
        const outcome = caseId === 'greeting' ? 'hello' : wrong ? '7 hours' : '7 days';
        rows.push({ minute: minute / 1000, request_model: 'gpt-a', case_id: caseId, kind: 'answer', outcome_key: outcome, expectation: wrong ? 'fail' : 'pass', runs: 1 });
      }
    }
  }
  return rows;
}
