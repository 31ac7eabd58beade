import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/config.ts';
import { applyContentTtl, CONTENT_COLUMNS, scrubExpiredContent } from '../src/store/retention.ts';
import { startTestServer, type TestServer } from './helpers.ts';

// Content capture itself is off by default in the instrumentation:
// packages/otel/test/content.test.ts ("is off by default: no content attributes at all").
// This file covers what happens to content an application chose to capture.

const DAY = 86_400_000;

/** ClickHouse DateTime64 text for a moment `daysAgo` before now. */
const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().replace('T', ' ').replace('Z', '');

function span(spanId: string, daysAgo: number) {
  return {
    Timestamp: at(daysAgo),
    TraceId: `${spanId}${spanId}`,
    SpanId: spanId,
    SpanName: 'chat gpt-4o-mini',
    SpanKind: 'Client',
    ServiceName: 'support-bot',
    SpanAttributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.finish_reasons': '["length"]',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `card number of ${spanId}` }] }]),
      'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'be nice' }]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: `secret answer ${spanId}` }], finish_reason: 'length' }]),
      'gen_ai.prompt.0.content': 'legacy prompt',
    },
    Duration: 1_000_000,
    StatusCode: 'Unset',
    'Events.Timestamp': [at(daysAgo)],
    'Events.Name': ['gen_ai.client.inference.operation.details'],
    'Events.Attributes': [{ 'gen_ai.output.messages': 'event copy of the answer', 'event.kept': 'yes' }],
  };
}

describe('captured content expires before metadata', () => {
  let server: TestServer;
  const OLD = 'aaaaaaaaaaaaaaaa';
  const RECENT = 'bbbbbbbbbbbbbbbb';
  beforeAll(async () => {
    server = await startTestServer();
    // Written straight to the raw table, as a backfill or the collector would: the receiver's clock rule would refuse a 10-day-old span.
    await server.store.insert('test', 'otel_traces', [span(OLD, 10), span(RECENT, 1)]);
  });
  afterAll(async () => server.dispose());

  it('defaults to 7 days of content, a bound metadata does not have', () => {
    expect(DEFAULTS.contentRetentionDays).toBe(7);
  });

  const calls = () => server.store.query<Record<string, string | string[]>>('test', `SELECT span_id, request_model, behaviors, ${CONTENT_COLUMNS.join(', ')} FROM genai_calls ORDER BY span_id`);
  const blank = { input_messages: '', system_instructions: '', output_messages: '', output_text: '' };

  it('genai_calls: a call already past the content TTL is stored without its content, with its metadata and behaviors', async () => {
    const rows = await calls();
    expect(rows.map((row) => ({ ...row, behaviors: [...(row.behaviors as string[])].sort() }))).toEqual([
      { span_id: OLD, request_model: 'gpt-4o-mini', behaviors: ['truncated'], ...blank },
      {
        span_id: RECENT,
        request_model: 'gpt-4o-mini',
        behaviors: ['truncated'],
        input_messages: expect.stringContaining('card number'),
        system_instructions: expect.stringContaining('be nice'),
        output_messages: expect.stringContaining('secret answer'),
        output_text: `secret answer ${RECENT}`,
      },
    ]);
  });

  it('genai_calls: content stored under a longer TTL is blanked once it is shortened and the table merges; metadata stays', async () => {
    const LATER = 'cccccccccccccccc';
    expect(await applyContentTtl(server.store, 30)).toEqual([...CONTENT_COLUMNS]);
    await server.store.insert('test', 'otel_traces', [span(LATER, 10)]);
    const kept = (await calls()).find((row) => row.span_id === LATER);
    expect(kept?.output_text).toBe(`secret answer ${LATER}`);
    expect(await applyContentTtl(server.store, DEFAULTS.contentRetentionDays)).toEqual([...CONTENT_COLUMNS]);
    await server.store.command('test', 'OPTIMIZE TABLE genai_calls FINAL');
    const rows = await calls();
    expect(rows.find((row) => row.span_id === LATER)).toEqual({ ...kept, ...blank });
    expect(rows.find((row) => row.span_id === RECENT)?.output_text).toBe(`secret answer ${RECENT}`);
  });

  it('otel_traces: content keys of spans past the TTL are scrubbed from span and event attributes; the rest of the span stays', async () => {
    const spans = () => server.store.query<{ SpanId: string; SpanAttributes: Record<string, string>; events: Record<string, string>[]; Duration: string | number }>(
      'test',
      'SELECT SpanId, SpanAttributes, `Events.Attributes` AS events, Duration FROM otel_traces ORDER BY SpanId',
    );
    const before = await spans();
    // A daily run looks back over the newest expiries only: spans that expired 3 days ago are not its business.
    expect(await scrubExpiredContent(server.store, DEFAULTS.contentRetentionDays, undefined, { wait: true, lookbackDays: 2 })).toBe(0);
    // The full run: the two 10-day-old spans (OLD, LATER), not the recent one.
    expect(await scrubExpiredContent(server.store, DEFAULTS.contentRetentionDays, undefined, { wait: true })).toBe(2);
    const after = await spans();
    for (const index of [0, 2]) {
      expect(after[index]).toEqual({
        SpanId: before[index]?.SpanId,
        SpanAttributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.finish_reasons': '["length"]' },
        events: [{ 'event.kept': 'yes' }],
        Duration: before[index]?.Duration,
      });
    }
    expect(after[1]?.SpanId).toBe(RECENT);
    expect(after[1]).toEqual(before[1]);
    // Nothing left to do: no second mutation is queued.
    expect(await scrubExpiredContent(server.store, DEFAULTS.contentRetentionDays, undefined, { wait: true })).toBe(0);
  });

  it('the TTL is applied once: a restart with the same days changes nothing, other days re-apply it', async () => {
    expect(await applyContentTtl(server.store, DEFAULTS.contentRetentionDays)).toEqual([]);
    expect(await applyContentTtl(server.store, 3)).toEqual([...CONTENT_COLUMNS]);
    expect(await applyContentTtl(server.store, 3)).toEqual([]);
    await expect(applyContentTtl(server.store, 0)).rejects.toThrow(/whole days/);
  });
});
