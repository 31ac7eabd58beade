import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJson, decodeProtobuf, OtlpDecodeError, type DecodedRequest } from '../src/otlp/decode.ts';
import { applyClockPolicy, batchToken, DEFAULT_CLOCK_POLICY } from '../src/otlp/ingest.ts';
import { toTraceRow } from '../src/otlp/rows.ts';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { buildApi } from '../src/app.ts';
import { loadBehaviorConfig } from '../src/behaviors/config.ts';
import { stringifyRow } from '../src/store/store.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { chatAttributes, jsonBody, makeSpans, postTraces, protobufBody } from './spans.ts';

/** Decoding either succeeds with rows that serialize, or fails with a decode error: nothing else. */
function decodesCleanly(decode: () => DecodedRequest): boolean {
  try {
    const decoded = decode();
    for (const span of decoded.spans) stringifyRow(toTraceRow(span));
    return true;
  } catch (error) {
    if (error instanceof OtlpDecodeError) return true;
    throw error;
  }
}

/** Mutations of a valid protobuf body: bit flips, truncation, insertion, duplication. */
const mutatedBytes = (seed: Buffer) =>
  fc.oneof(
    fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const copy = Buffer.from(seed);
      for (const [at, bit] of flips) copy[at] = (copy[at] as number) ^ (1 << bit);
      return copy;
    }),
    fc.nat(seed.length).map((cut) => seed.subarray(0, cut)),
    fc.tuple(fc.nat(seed.length), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, bytes]) => Buffer.concat([seed.subarray(0, at), bytes, seed.subarray(at)])),
    fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  );

/** Replaces one random subtree of a valid OTLP/JSON document with an arbitrary JSON value. */
function replaceAt(document: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || document === null || typeof document !== 'object') return value;
  const entries = Array.isArray(document) ? document.map((v, i) => [i, v] as const) : Object.entries(document);
  if (entries.length === 0) return value;
  const [head, ...rest] = path;
  const index = (head as number) % entries.length;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(document) ? [...document] : { ...(document as Record<string, unknown>) };
  const [key, child] = entries[index] as readonly [string | number, unknown];
  (copy as Record<string | number, unknown>)[key] = replaceAt(child, rest, value);
  return copy;
}

let tried = 0;
let hostileTried = 0;
let receiverTried = 0;
let apiTried = 0;
afterAll(() => {
  console.log(`otlp fuzz: ${tried + hostileTried} decoder inputs (${hostileTried} hostile documents), ${receiverTried} receiver requests, ${apiTried} API requests: ${tried + hostileTried + receiverTried + apiTried} inputs in all`);
});

/** Attribute values as hostile clients write them: wrong types, lone surrogates, 64-bit overflow. */
const hostileValue = fc.oneof(
  fc.record({ stringValue: fc.string({ unit: 'binary', maxLength: 40 }) }),
  fc.record({ intValue: fc.oneof(fc.integer(), fc.constantFrom('9223372036854775807', '99999999999999999999', '1e3', ''), fc.boolean()) }),
  fc.record({ boolValue: fc.oneof(fc.boolean(), fc.string({ maxLength: 5 }), fc.integer()) }),
  fc.record({ doubleValue: fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '-0', 'x'), fc.constant(null)) }),
  fc.record({ bytesValue: fc.oneof(fc.base64String({ maxLength: 16 }), fc.string({ maxLength: 8 }), fc.array(fc.integer({ min: -5, max: 300 }), { maxLength: 4 })) }),
  fc.record({ arrayValue: fc.oneof(fc.constant(5), fc.constant({ values: 'x' }), fc.constant({})) }),
  fc.record({ kvlistValue: fc.oneof(fc.constant([]), fc.constant({ values: [{ key: 1, value: {} }] })) }),
  fc.constantFrom({}, null, 'text', 42, []),
);

/** One span whose attributes are hostile: odd values, a value nested 0–40 levels deep, and sometimes thousands of keys. */
const hostileDocument = (seed: Record<string, unknown>) =>
  fc.record({
    values: fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 20 }), hostileValue), { maxLength: 6 }),
    depth: fc.integer({ min: 0, max: 40 }),
    wide: fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 5000 })),
    name: fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.integer(), fc.constant(null)),
  }).map(({ values, depth, wide, name }) => {
    let nested: unknown = { stringValue: 'bottom' };
    for (let i = 0; i < depth; i++) nested = i % 2 === 0 ? { arrayValue: { values: [nested] } } : { kvlistValue: { values: [{ key: `k${i}`, value: nested }] } };
    const attributes = [
      ...values.map(([key, value]) => ({ key, value })),
      { key: 'deep', value: nested },
      ...Array.from({ length: wide }, (_, i) => ({ key: `wide.${i}`, value: { stringValue: `v${i}` } })),
    ];
    const document = structuredClone(seed) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    const span = document.resourceSpans[0]?.scopeSpans[0]?.spans[0] as Record<string, unknown>;
    span.name = name;
    span.attributes = attributes;
    return document;
  });

/** Protobuf bodies whose service name is replaced, byte for byte, by invalid UTF-8 (overlong, surrogate halves, 0xFF). */
const invalidUtf8 = (seed: Buffer) => {
  const at = seed.indexOf('support-bot');
  return fc.array(fc.constantFrom(0xff, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xf8, 0x41), { minLength: 11, maxLength: 11 }).map((bytes) => Buffer.concat([seed.subarray(0, at), Buffer.from(bytes), seed.subarray(at + 11)]));
};

describe('OTLP decoders under random and mutated input', () => {
  let protobufSeed: Buffer;
  let jsonSeed: unknown;
  beforeAll(async () => {
    const spans = await makeSpans(3, (i) => chatAttributes({ 'gen_ai.usage.input_tokens': 10 + i, 'behavior.flags': ['a', 'b'], 'x.nested': [1, 2, 3] }));
    protobufSeed = protobufBody(spans);
    jsonSeed = JSON.parse(jsonBody(spans).toString());
  });
  afterAll(() => {
    console.log(`otlp fuzz: ${tried} decoder inputs tried`);
  });

  it('protobuf: never throws anything but a decode error', () => {
    fc.assert(
      fc.property(mutatedBytes(protobufSeed), (body) => {
        tried += 1;
        return decodesCleanly(() => decodeProtobuf(body));
      }),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('JSON: arbitrary documents and mutated valid ones never throw anything but a decode error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 6 }),
          fc.tuple(fc.array(fc.nat(), { maxLength: 12 }), fc.jsonValue({ maxDepth: 4 })).map(([path, value]) => replaceAt(jsonSeed, path, value)),
        ),
        (document) => {
          tried += 1;
          return decodesCleanly(() => decodeJson(JSON.stringify(document)));
        },
      ),
      { numRuns: 3000, seed: 43 },
    );
  });

  it('JSON: deeply nested values, huge attribute maps, wrong types and lone surrogates decode or fail cleanly', () => {
    let refused = 0;
    fc.assert(
      fc.property(hostileDocument(jsonSeed as Record<string, unknown>), (document) => {
        hostileTried += 1;
        try {
          decodeJson(JSON.stringify(document));
        } catch (error) {
          if (!(error instanceof OtlpDecodeError)) throw error;
          refused += 1;
        }
        return decodesCleanly(() => decodeJson(JSON.stringify(document)));
      }),
      { numRuns: 600, seed: 46 },
    );
    // Both paths were taken: the generator is not all-invalid or all-valid.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(600);
  });

  it('protobuf: invalid UTF-8 in string fields decodes to rows that serialize', () => {
    fc.assert(
      fc.property(invalidUtf8(protobufSeed), (body) => {
        hostileTried += 1;
        return decodesCleanly(() => decodeProtobuf(body));
      }),
      { numRuns: 300, seed: 47 },
    );
  });

  it('JSON text: invalid UTF-8 and broken syntax are decode errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        tried += 1;
        return decodesCleanly(() => decodeJson(Buffer.from(bytes)));
      }),
      { numRuns: 1000, seed: 44 },
    );
  });
});

describe('receiver under mutated requests', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.dispose());

  it('answers 200 or 4xx, and stores exactly the distinct batches it acknowledged', async () => {
    const seed = protobufBody(await makeSpans(4));
    const bodies = fc.sample(mutatedBytes(seed), { numRuns: 150, seed: 45 });
    // Rows per acknowledged batch, keyed by the batch's deduplication token: a mutation can
    // reproduce a batch exactly, and that one is stored once.
    const acknowledged = new Map<string, number>();
    let refused = 0;
    for (const body of bodies) {
      receiverTried += 1;
      const response = await postTraces(server.otlpUrl, body, 'application/x-protobuf');
      expect([200, 400]).toContain(response.status);
      if (response.status !== 200) {
        refused += 1;
        continue;
      }
      const rows = applyClockPolicy(decodeProtobuf(body), DEFAULT_CLOCK_POLICY).believable.map(toTraceRow);
      if (rows.length > 0) acknowledged.set(batchToken(rows), rows.length);
    }
    const [row] = await server.store.query<{ n: string | number }>('test', 'SELECT count() AS n FROM otel_traces');
    expect(refused).toBeGreaterThan(0);
    expect(acknowledged.size).toBeGreaterThan(0);
    expect(Number(row?.n)).toBe([...acknowledged.values()].reduce((a, b) => a + b, 0));
  });

  it('hostile documents and invalid UTF-8: 200 or 400, never 5xx, and a refused request writes nothing', async () => {
    const spans = await makeSpans(2);
    const jsonSeed = JSON.parse(jsonBody(spans).toString()) as Record<string, unknown>;
    const requests: { body: Buffer; type: string }[] = [
      ...fc.sample(hostileDocument(jsonSeed), { numRuns: 100, seed: 48 }).map((document) => ({ body: Buffer.from(JSON.stringify(document)), type: 'application/json' })),
      ...fc.sample(invalidUtf8(protobufBody(spans)), { numRuns: 40, seed: 49 }).map((body) => ({ body, type: 'application/x-protobuf' })),
    ];
    const count = async () => Number((await server.store.query<{ n: string | number }>('test', 'SELECT count() AS n FROM otel_traces'))[0]?.n);
    const statuses = new Map<number, number>();
    const acknowledged = new Map<string, number>();
    const start = await count();
    for (const request of requests) {
      receiverTried += 1;
      const before = await count();
      const response = await postTraces(server.otlpUrl, request.body, request.type);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect([200, 400]).toContain(response.status);
      if (response.status === 400) {
        expect(await count()).toBe(before);
        continue;
      }
      const decoded = request.type === 'application/json' ? decodeJson(request.body) : decodeProtobuf(request.body);
      const rows = applyClockPolicy(decoded, DEFAULT_CLOCK_POLICY).believable.map(toTraceRow);
      if (rows.length > 0) acknowledged.set(batchToken(rows), rows.length);
    }
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect((await count()) - start).toBe([...acknowledged.values()].reduce((a, b) => a + b, 0));
  });
});

describe('API parameters under random and hostile values', () => {
  let server: TestServer;
  let app: FastifyInstance;
  const routes: RouteOptions[] = [];
  beforeAll(async () => {
    // Replays a random body may start go to a closed loopback port.
    process.env.BEHAVIOR_RATE_REPLAY_ENDPOINT = 'http://127.0.0.1:9/v1';
    server = await startTestServer();
    app = buildApi({ store: server.store, behaviors: loadBehaviorConfig('/nonexistent/behaviors.yaml', false) });
    app.ctx.otlpUrl = server.otlpUrl;
    app.addHook('onRoute', (route) => {
      if (route.method !== 'HEAD') routes.push(route);
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await server?.dispose();
    delete process.env.BEHAVIOR_RATE_REPLAY_ENDPOINT;
  });

  const hour = 3600_000;
  /** Values of every shape: valid-looking timestamps and names, numbers at the edges, lone surrogates, arrays, objects. */
  const anyParam = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.integer({ min: -2, max: 400 }).map((h) => new Date(Date.now() - h * hour).toISOString()),
    fc.constantFrom('truncated', 'error', 'all', 'live', '1m', '1h', '10m', '7d', 'md', 'html', 'json', 'fingerprint', 'wilson'),
    fc.oneof(fc.integer(), fc.double(), fc.constantFrom('1e309', '-0', 'NaN', '0x10', '')),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.jsonValue({ maxDepth: 3 }),
  );

  it('every route, random parameter sets: 4xx or an answer, never 5xx', async () => {
    const failures: string[] = [];
    for (const [index, route] of routes.entries()) {
      const schema = (route.schema ?? {}) as { querystring?: { properties?: Record<string, unknown> }; body?: { properties?: Record<string, unknown> } };
      const names = [...Object.keys(schema.querystring?.properties ?? {}), ...Object.keys(schema.body?.properties ?? {}), 'unknown_param'];
      const samples = fc.sample(fc.tuple(fc.dictionary(fc.constantFrom(...names), anyParam, { maxKeys: 6 }), fc.string({ unit: 'binary', maxLength: 20 })), { numRuns: 40, seed: 100 + index });
      for (const [params, pathValue] of samples) {
        apiTried += 1;
        // Keep replay runs tiny: a random count could ask for thousands.
        for (const key of ['count', 'replays']) if (typeof params[key] === 'number') params[key] = 1;
        const path = route.url.replace(/:(\w+)/g, () => [...Buffer.from(pathValue || 'x')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
        const method = (Array.isArray(route.method) ? route.method[0] : route.method) as 'GET' | 'POST';
        const query = new URLSearchParams(method === 'GET' ? Object.entries(params).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)]) : []);
        const response = await app.inject({ method, url: `${path}?${query.toString()}`, ...(method === 'POST' ? { payload: params } : {}) });
        if (response.statusCode >= 500) failures.push(`${method} ${route.url} ${JSON.stringify(params).slice(0, 120)} → ${response.statusCode}`);
      }
    }
    expect(routes.length).toBeGreaterThan(10);
    expect(failures).toEqual([]);
  });
});
