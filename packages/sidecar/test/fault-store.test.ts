import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installCallsView } from '../src/behaviors/calls-view.ts';
import { loadBehaviorConfig } from '../src/behaviors/config.ts';
import { Ingestor } from '../src/otlp/ingest.ts';
import { buildReceiver } from '../src/otlp/receiver.ts';
import { migrate } from '../src/store/migrate.ts';
import { Store, StoreUnavailableError } from '../src/store/store.ts';
import { countStatuses, exactlyOnceViolations, ExportResultCode, exportBatches, waitFor } from './fault-helpers.ts';
import { makeSpans } from './spans.ts';

/**
 * The real embedded store behind a switch: inserts into otel_traces can be made to wait
 * (a busy engine), to fail before writing (an unreachable store), or to fail after the
 * write committed (the acknowledgement lost on the way back), which is the case that
 * tests deduplication of the client's retry.
 */
class FaultyStore extends Store {
  mode: 'ok' | 'down' | 'lose-ack' = 'ok';
  gate: Promise<void> | undefined;
  waiting = 0;
  failures = 0;

  override async insert(tag: string, table: string, rows: readonly object[], dedupToken?: string): Promise<void> {
    if (table !== 'otel_traces') return super.insert(tag, table, rows, dedupToken);
    if (this.gate !== undefined) {
      this.waiting += 1;
      await this.gate;
      this.waiting -= 1;
    }
    if (this.mode === 'down') {
      this.failures += 1;
      throw new StoreUnavailableError(`${tag}: connect ECONNREFUSED 127.0.0.1:8123`);
    }
    await super.insert(tag, table, rows, dedupToken);
    if (this.mode === 'lose-ack') {
      this.failures += 1;
      throw new StoreUnavailableError(`${tag}: socket hang up`);
    }
  }
}

describe('storage faults: the receiver sheds load with 429/503 + Retry-After and the real exporter delivers everything once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-fault-store-'));
  const store = new FaultyStore({ dataDir: join(dir, 'data') });
  let receiver: FastifyInstance;
  let statuses: Map<number, number>;
  let otlpUrl: string;
  const retryAfter = new Set<string>();

  beforeAll(async () => {
    await migrate(store);
    await installCallsView(store, loadBehaviorConfig(join(dir, 'no-behaviors.yaml'), false));
    // One write at a time and one waiting: the third concurrent batch is refused as busy.
    receiver = buildReceiver({ ingestor: new Ingestor(store, 1, 1), maxBodyBytes: 1 << 24, busyRetryAfterSeconds: 1, unavailableRetryAfterSeconds: 1 });
    statuses = countStatuses(receiver);
    // The exporter waits as long as Retry-After says; record what every refusal said.
    receiver.addHook('onResponse', (_request, reply, done) => {
      if (reply.statusCode === 429 || reply.statusCode === 503) retryAfter.add(String(reply.getHeader('retry-after')));
      done();
    });
    otlpUrl = await receiver.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await receiver.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await store.command('test', 'TRUNCATE TABLE otel_traces');
    await store.command('test', 'TRUNCATE TABLE genai_calls');
    statuses.clear();
    retryAfter.clear();
    store.mode = 'ok';
    store.failures = 0;
  });

  const batches = (count: number) => Promise.all(Array.from({ length: count }, () => makeSpans(10)));

  it('a busy, slow store: batches beyond the queue get 429, retried after Retry-After once it drains', async () => {
    const sent = await batches(6);
    let open = () => {};
    store.gate = new Promise((resolve) => (open = resolve));
    const exported = exportBatches(otlpUrl, sent);
    await waitFor(() => (statuses.get(429) ?? 0) >= 1 && store.waiting >= 1, 'a 429 while a write waits');
    store.gate = undefined;
    open();
    expect(await exported).toEqual(sent.map(() => ExportResultCode.SUCCESS));
    expect(await exactlyOnceViolations(store, sent)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(statuses.get(429)).toBeGreaterThanOrEqual(1);
    expect([...retryAfter]).toEqual(['1']);
    expect(statuses.get(200)).toBe(6);
  });

  it('an unavailable store: 503 until it is back, then every span once', async () => {
    store.mode = 'down';
    const sent = await batches(4);
    const exported = exportBatches(otlpUrl, sent);
    await waitFor(() => (statuses.get(503) ?? 0) >= 4, 'every batch refused with 503');
    store.mode = 'ok';
    expect(await exported).toEqual(sent.map(() => ExportResultCode.SUCCESS));
    expect(await exactlyOnceViolations(store, sent)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(statuses.get(200)).toBe(4);
    expect([...retryAfter]).toEqual(['1']);
  });

  it('a write that committed but whose acknowledgement was lost: the retry is dropped, in otel_traces and in genai_calls', async () => {
    store.mode = 'lose-ack';
    const sent = await batches(3);
    const exported = exportBatches(otlpUrl, sent);
    await waitFor(() => store.failures >= 3, 'three committed writes answered 503');
    store.mode = 'ok';
    expect(await exported).toEqual(sent.map(() => ExportResultCode.SUCCESS));
    expect(await exactlyOnceViolations(store, sent)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    const [calls] = await store.query<{ n: string | number; distinct: string | number }>('test', 'SELECT count() AS n, uniqExact(span_id) AS distinct FROM genai_calls');
    expect({ n: Number(calls?.n), distinct: Number(calls?.distinct) }).toEqual({ n: 30, distinct: 30 });
    expect(statuses.get(503)).toBeGreaterThanOrEqual(3);
  });
});
