import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExportTraceServiceResponse, RpcStatus } from '../src/otlp/decode.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { jsonBody, makeSpans, postTraces, protobufBody } from './spans.ts';

const MAX_BODY = 256 * 1024;

describe('OTLP/HTTP receiver', () => {
  let server: TestServer;
  let stored: () => Promise<{ spans: number; calls: number; minuteCalls: number }>;
  let before: { spans: number; calls: number; minuteCalls: number };

  beforeAll(async () => {
    server = await startTestServer({ config: { otlpMaxBodyBytes: MAX_BODY } });
    stored = async () => {
      const [row] = await server.store.query<Record<string, string | number>>(
        'test',
        `SELECT (SELECT count() FROM otel_traces) AS spans, (SELECT count() FROM genai_calls) AS calls, (SELECT sum(calls) FROM calls_by_minute) AS minuteCalls`,
      );
      return { spans: Number(row?.spans), calls: Number(row?.calls), minuteCalls: Number(row?.minuteCalls) };
    };
    // Data already accepted, which no rejected request may change.
    const accepted = await postTraces(server.otlpUrl, protobufBody(await makeSpans(25)), 'application/x-protobuf');
    expect(accepted.status).toBe(200);
  });
  afterAll(async () => server.dispose());
  beforeEach(async () => {
    before = await stored();
  });

  it('acknowledges protobuf with an empty ExportTraceServiceResponse after the rows are committed', async () => {
    const response = await postTraces(server.otlpUrl, protobufBody(await makeSpans(3)), 'application/x-protobuf');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/x-protobuf/);
    expect(ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(response.bytes))).toEqual({});
    expect(await stored()).toEqual({ spans: before.spans + 3, calls: before.calls + 3, minuteCalls: before.minuteCalls + 3 });
  });

  it('accepts gzip-compressed JSON', async () => {
    const response = await postTraces(server.otlpUrl, gzipSync(jsonBody(await makeSpans(4))), 'application/json', { 'content-encoding': 'gzip' });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({});
    expect((await stored()).calls).toBe(before.calls + 4);
  });

  it('counts a retried batch once, in the raw table and in every view', async () => {
    const body = protobufBody(await makeSpans(7));
    for (let attempt = 0; attempt < 3; attempt++) expect((await postTraces(server.otlpUrl, body, 'application/x-protobuf')).status).toBe(200);
    expect(await stored()).toEqual({ spans: before.spans + 7, calls: before.calls + 7, minuteCalls: before.minuteCalls + 7 });
  });

  it('stores spans that are not GenAI calls without counting them as calls', async () => {
    const response = await postTraces(server.otlpUrl, jsonBody(await makeSpans(2, () => ({ 'http.route': '/refunds' }))), 'application/json');
    expect(response.status).toBe(200);
    expect(await stored()).toEqual({ spans: before.spans + 2, calls: before.calls, minuteCalls: before.minuteCalls });
  });

  it('rejects spans with invalid ids one by one, as OTLP partial success', async () => {
    const body = JSON.parse(jsonBody(await makeSpans(3)).toString()) as { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] };
    const spans = body.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    (spans[1] as { traceId: string }).traceId = 'not-hex';
    const response = await postTraces(server.otlpUrl, JSON.stringify(body), 'application/json');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({
      partialSuccess: { rejectedSpans: 1, errorMessage: 'resourceSpans[0].scopeSpans[0].spans[1]: invalid traceId/spanId' },
    });
    expect((await stored()).spans).toBe(before.spans + 2);
  });

  it('refuses spans from a broken clock one by one, by the documented window', async () => {
    const now = Date.now();
    const starts = [now - 60_000, now + 2 * 3600_000, now - 40 * 86_400_000, now + 5 * 60_000];
    const spans = await makeSpans(4, () => ({ 'gen_ai.operation.name': 'chat' }), (i) => new Date(starts[i] as number));
    const response = await postTraces(server.otlpUrl, jsonBody(spans), 'application/json');
    expect(response.status).toBe(200);
    const { partialSuccess } = JSON.parse(response.text) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    expect(partialSuccess.rejectedSpans).toBe(2);
    expect(partialSuccess.errorMessage).toMatch(/start time .* is in the future \(accepted: now −30 d … now \+15 min\).*start time .* is too old/);
    expect(await stored()).toEqual({ spans: before.spans + 2, calls: before.calls + 2, minuteCalls: before.minuteCalls + 2 });
  });

  describe('refuses bad requests with the right status and a precise message, storing nothing', () => {
    const validJson = async () => JSON.parse(jsonBody(await makeSpans(2)).toString()) as Record<string, unknown>;
    const cases: [string, () => Promise<{ body: Buffer | string; type: string; headers?: Record<string, string> }>, number, RegExp][] = [
      ['malformed JSON', async () => ({ body: '{"resourceSpans": [', type: 'application/json' }), 400, /^invalid JSON/],
      ['truncated protobuf', async () => {
        const body = protobufBody(await makeSpans(5));
        return { body: body.subarray(0, Math.floor(body.length / 2)), type: 'application/x-protobuf' };
      }, 400, /^invalid protobuf ExportTraceServiceRequest/],
      ['wrong content type', async () => ({ body: 'hello', type: 'text/plain' }), 415, /content-type "text\/plain" is not supported/],
      ['oversize body', async () => ({ body: Buffer.alloc(MAX_BODY + 1, 32), type: 'application/json' }), 413, /exceeds the 262144-byte limit/],
      ['oversize after decompression', async () => ({ body: gzipSync(Buffer.alloc(MAX_BODY * 4, 32)), type: 'application/json', headers: { 'content-encoding': 'gzip' } }), 413, /decompressed body exceeds/],
      ['unknown content encoding', async () => ({ body: 'x', type: 'application/json', headers: { 'content-encoding': 'br' } }), 415, /unsupported content-encoding "br"/],
      ['integer attribute that is not an integer', async () => {
        const body = await validJson();
        const spans = (body.resourceSpans as { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[])[0]?.scopeSpans[0]?.spans;
        spans?.[1]?.attributes.push({ key: 'gen_ai.usage.input_tokens', value: { intValue: 'twelve' } });
        return { body: JSON.stringify(body), type: 'application/json' };
      }, 400, /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]\.attributes\[\d+\]\.value\.intValue: expected a 64-bit integer$/],
      ['boolean attribute holding a string', async () => {
        const body = await validJson();
        const spans = (body.resourceSpans as { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[])[0]?.scopeSpans[0]?.spans;
        spans?.[0]?.attributes.push({ key: 'gen_ai.request.stream', value: { boolValue: 'yes' } });
        return { body: JSON.stringify(body), type: 'application/json' };
      }, 400, /spans\[0\]\.attributes\[\d+\]\.value\.boolValue: expected a boolean$/],
      ['spans that are not a list', async () => ({ body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: { traceId: 'x' } }] }] }), type: 'application/json' }), 400, /^resourceSpans\[0\]\.scopeSpans\[0\]\.spans: expected an array$/],
      ['unknown span kind', async () => {
        const body = await validJson();
        const spans = (body.resourceSpans as { scopeSpans: { spans: { kind: unknown }[] }[] }[])[0]?.scopeSpans[0]?.spans;
        if (spans?.[0]) spans[0].kind = 9;
        return { body: JSON.stringify(body), type: 'application/json' };
      }, 400, /spans\[0\]\.kind: unknown value 9$/],
      ['attribute values nested without end', async () => {
        let value: unknown = { stringValue: 'bottom' };
        for (let i = 0; i < 100; i++) value = { arrayValue: { values: [value] } };
        const body = await validJson();
        const spans = (body.resourceSpans as { scopeSpans: { spans: { attributes: unknown[] }[] }[] }[])[0]?.scopeSpans[0]?.spans;
        spans?.[0]?.attributes.push({ key: 'deep', value });
        return { body: JSON.stringify(body), type: 'application/json' };
      }, 400, /nested deeper than 32 levels/],
    ];

    it.each(cases)('%s', async (_name, make, status, message) => {
      const request = await make();
      const response = await postTraces(server.otlpUrl, request.body, request.type, request.headers);
      expect(response.status).toBe(status);
      const text = request.type === 'application/x-protobuf' ? String(RpcStatus.toObject(RpcStatus.decode(response.bytes)).message) : (JSON.parse(response.text) as { message: string }).message;
      expect(text).toMatch(message);
      expect(await stored()).toEqual(before);
    });
  });
});
