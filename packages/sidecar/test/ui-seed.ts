import type { TraceRow } from '../src/otlp/rows.ts';
import type { Store } from '../src/store/store.ts';

/** The flagged behavior of the support-bot story, with an objective so the chart draws one. */
export const UI_BEHAVIORS_YAML = `behaviors:
  - name: wrong_sla
    description: The bot quoted a refund time other than the seven-day SLA.
    objective: 0.02
`;

/** Options of {@link seedSupportBot}: live traffic for a support bot whose provider changes backend once. */
export interface SupportBotSeed {
  /** Last minute seeded (exclusive), rounded down to a minute. */
  end: Date;
  minutes: number;
  callsPerMinute: number;
  /** Minutes after the first seeded minute when the fingerprint changes. */
  changeAfterMinutes: number;
  /** wrong_sla rate before and after the change. */
  rateBefore: number;
  rateAfter: number;
  seed: number;
}

export const FINGERPRINT_BEFORE = 'fp_sim_a1b2c3';
export const FINGERPRINT_AFTER = 'fp_sim_d4e5f6';

/** mulberry32: a small seeded generator so seeded data is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(next: () => number, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(next() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** One GenAI chat span as the collector exporter would store it. */
export function chatRow(options: { timeMs: number; traceId: string; spanId: string; fingerprint: string; trafficClass: string; flags: string[]; attributes?: Record<string, string> }): TraceRow {
  const seconds = Math.floor(options.timeMs / 1000);
  const nanos = String((options.timeMs % 1000) * 1_000_000).padStart(9, '0');
  return {
    Timestamp: `${seconds}.${nanos}`,
    TraceId: options.traceId,
    SpanId: options.spanId,
    ParentSpanId: '',
    TraceState: '',
    SpanName: 'chat gpt-4o-mini',
    SpanKind: 'Client',
    ServiceName: 'support-bot',
    ResourceAttributes: { 'service.name': 'support-bot' },
    ScopeName: '@behavior-rate/otel',
    ScopeVersion: '0.1.0',
    SpanAttributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'openai.response.system_fingerprint': options.fingerprint,
      'gen_ai.response.finish_reasons': '["stop"]',
      'traffic.class': options.trafficClass,
      'behavior.flags': JSON.stringify(options.flags),
      ...options.attributes,
    },
    Duration: '250000000',
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
  };
}

/**
 * Live support-bot traffic, minute by minute: two traffic classes, one fingerprint
 * change, and the wrong-SLA flag at a known rate before and after it.
 */
export function supportBotRows(options: SupportBotSeed): TraceRow[] {
  const next = random(options.seed);
  const end = Math.floor(options.end.getTime() / 60_000) * 60_000;
  const start = end - options.minutes * 60_000;
  const rows: TraceRow[] = [];
  for (let minute = 0; minute < options.minutes; minute++) {
    const after = minute >= options.changeAfterMinutes;
    for (let i = 0; i < options.callsPerMinute; i++) {
      const timeMs = start + minute * 60_000 + Math.floor((i / options.callsPerMinute) * 60_000);
      rows.push(
        chatRow({
          timeMs,
          traceId: hex(next, 32),
          spanId: hex(next, 16),
          fingerprint: after ? FINGERPRINT_AFTER : FINGERPRINT_BEFORE,
          trafficClass: next() < 0.7 ? 'refund' : 'shipping',
          flags: next() < (after ? options.rateAfter : options.rateBefore) ? ['wrong_sla'] : [],
        }),
      );
    }
  }
  return rows;
}

/** Inserts rows into otel_traces in bounded batches (the materialized views do the rest). */
export async function insertTraceRows(store: Store, rows: readonly TraceRow[], batch = 20_000): Promise<void> {
  for (let offset = 0; offset < rows.length; offset += batch) {
    await store.insert('ui seed', 'otel_traces', rows.slice(offset, offset + batch));
  }
}

/** The reported call: a wrong SLA answer with its content captured, so it can be replayed exactly. */
export function incidentRow(options: { traceId: string; spanId: string; timeMs: number }): TraceRow {
  return chatRow({
    ...options,
    fingerprint: FINGERPRINT_AFTER,
    trafficClass: 'refund',
    flags: ['wrong_sla'],
    attributes: {
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'How long does a refund take?' }] }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Refunds are processed within seven hours of approval.' }], finish_reason: 'stop' }]),
      'gen_ai.request.temperature': '0',
      'gen_ai.request.seed': '42',
    },
  });
}

/**
 * Canary results as the canary runner records them (`canary.case` spans): each case
 * once a minute; after `changeAfterMinutes` the refund case answers differently.
 */
export function canaryRows(options: { end: Date; minutes: number; changeAfterMinutes: number; seed: number }): TraceRow[] {
  const next = random(options.seed);
  const end = Math.floor(options.end.getTime() / 60_000) * 60_000;
  const start = end - options.minutes * 60_000;
  const rows: TraceRow[] = [];
  for (let minute = 0; minute < options.minutes; minute++) {
    const after = minute >= options.changeAfterMinutes;
    const runId = hex(next, 16);
    for (const caseId of ['refund-sla', 'shipping-time', 'greeting']) {
      const wrong = caseId === 'refund-sla' && next() < (after ? 0.5 : 0.02);
      const row = chatRow({ timeMs: start + minute * 60_000 + 1000, traceId: hex(next, 32), spanId: hex(next, 16), fingerprint: after ? FINGERPRINT_AFTER : FINGERPRINT_BEFORE, trafficClass: '', flags: [] });
      row.SpanName = 'canary.case';
      row.SpanKind = 'Internal';
      row.ServiceName = 'behavior-rate-canary';
      row.SpanAttributes = {
        'canary.run_id': runId,
        'canary.case_id': caseId,
        'canary.request_model': 'gpt-4o-mini',
        'canary.response_model': 'gpt-4o-mini-2024-07-18',
        'canary.system_fingerprint': after ? FINGERPRINT_AFTER : FINGERPRINT_BEFORE,
        'canary.outcome': wrong ? 'seven hours' : `${caseId} expected`,
        'canary.flags': '[]',
        'canary.expectation': wrong ? 'fail' : 'pass',
        'canary.failed_checks': wrong ? '["regex"]' : '[]',
      };
      rows.push(row);
    }
  }
  return rows;
}
