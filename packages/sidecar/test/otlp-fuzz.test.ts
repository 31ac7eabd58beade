import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJson, decodeProtobuf, OtlpDecodeError, type DecodedRequest } from '../src/otlp/decode.ts';
import { applyClockPolicy, batchToken, DEFAULT_CLOCK_POLICY } from '../src/otlp/ingest.ts';
import { toTraceRow } from '../src/otlp/rows.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { chatAttributes, jsonBody, makeSpans, postTraces, protobufBody } from './spans.ts';

/** Decoding either succeeds with rows that serialize, or fails with a decode error: nothing else. */
function decodesCleanly(decode: () => DecodedRequest): boolean {
  try {
    const decoded = decode();
    for (const span of decoded.spans) JSON.stringify(toTraceRow(span));
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
});
