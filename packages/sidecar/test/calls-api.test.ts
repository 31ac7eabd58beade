import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getApi, startTestServer, type TestServer } from './helpers.ts';
import { chatAttributes, makeSpans, postTraces, protobufBody } from './spans.ts';

interface CallsAnswer {
  behavior: string;
  calls: { timestamp: string; trace_id: string; span_id: string; fingerprint: string; behaviors: string[]; output_preview: string }[];
}

describe('GET /api/v1/calls lists the calls that showed a behavior', () => {
  let server: TestServer;
  const base = Date.now() - 30 * 60_000;
  let flaggedTraceIds: string[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    const spans = await makeSpans(
      30,
      (i) =>
        chatAttributes({
          'gen_ai.response.finish_reasons': [i % 7 === 0 ? 'length' : 'stop'],
          'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: `answer ${i} ${'x'.repeat(400)}` }] }]),
        }),
      (i) => new Date(base + i * 60_000),
    );
    // Newest first: i = 28, 21, 14, 7, 0.
    flaggedTraceIds = spans.filter((_, i) => i % 7 === 0).reverse().map((s) => s.spanContext().traceId);
    expect((await postTraces(server.otlpUrl, protobufBody(spans), 'application/x-protobuf')).status).toBe(200);
  });
  afterAll(async () => server.dispose());

  const range = () => `from=${new Date(base - 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`;

  it('returns them newest first, with a bounded preview of the answer', async () => {
    const { status, body } = await getApi<CallsAnswer>(server, `/api/v1/calls?behavior=truncated&${range()}`);
    expect(status).toBe(200);
    expect(body.calls.map((c) => c.trace_id)).toEqual(flaggedTraceIds);
    expect(body.calls.every((c) => c.behaviors.includes('truncated'))).toBe(true);
    expect(body.calls[0]?.output_preview).toMatch(/^answer 28 x+$/);
    expect(body.calls[0]?.output_preview.length).toBe(300);
  });

  it('honours the limit and the range', async () => {
    expect((await getApi<CallsAnswer>(server, `/api/v1/calls?behavior=truncated&${range()}&limit=2`)).body.calls.map((c) => c.trace_id)).toEqual(flaggedTraceIds.slice(0, 2));
    const early = `from=${new Date(base - 60_000).toISOString()}&to=${new Date(base + 8 * 60_000).toISOString()}`;
    expect((await getApi<CallsAnswer>(server, `/api/v1/calls?behavior=truncated&${early}`)).body.calls.map((c) => c.trace_id)).toEqual(flaggedTraceIds.slice(-2));
  });

  it('refuses bad parameters by name', async () => {
    const { status, body } = await getApi<{ message: string }>(server, `/api/v1/calls?behavior=truncated&${range()}&limit=5000`);
    expect(status).toBe(400);
    expect(body.message).toMatch(/^limit: must be <= 200/);
    expect((await getApi<{ message: string }>(server, `/api/v1/calls?behavior=truncated&from=yesterday&to=now`)).body.message).toMatch(/^from: expected an ISO 8601 timestamp/);
  });
});
