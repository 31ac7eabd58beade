import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCallsView } from '../src/behaviors/calls-view.ts';
import { parseBehaviorConfig } from '../src/behaviors/config.ts';
import { decodeProtobuf } from '../src/otlp/decode.ts';
import { Ingestor } from '../src/otlp/ingest.ts';
import { loadMigrations, migrate, splitStatements } from '../src/store/migrate.ts';
import { Store } from '../src/store/store.ts';
import { makeSpans, protobufBody } from './spans.ts';

/** The collector exporter's traces table columns and types, in order (SPECS.md §2). */
const EXPORTER_COLUMNS: [string, string][] = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['ParentSpanId', 'String'],
  ['TraceState', 'String'],
  ['SpanName', 'LowCardinality(String)'],
  ['SpanKind', 'LowCardinality(String)'],
  ['ServiceName', 'LowCardinality(String)'],
  ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['SpanAttributes', 'Map(LowCardinality(String), String)'],
  ['Duration', 'UInt64'],
  ['StatusCode', 'LowCardinality(String)'],
  ['StatusMessage', 'String'],
  ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', 'Array(LowCardinality(String))'],
  ['Events.Attributes', 'Array(Map(LowCardinality(String), String))'],
  ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'],
  ['Links.TraceState', 'Array(String)'],
  ['Links.Attributes', 'Array(Map(LowCardinality(String), String))'],
];

/** What the exporter itself runs with create_schema: true (its ORDER BY lacks our trailing Timestamp; no dedup window). */
const EXPORTER_DDL = `CREATE TABLE otel_traces (
  Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)), TraceId String CODEC(ZSTD(1)), SpanId String CODEC(ZSTD(1)),
  ParentSpanId String CODEC(ZSTD(1)), TraceState String CODEC(ZSTD(1)), SpanName LowCardinality(String) CODEC(ZSTD(1)),
  SpanKind LowCardinality(String) CODEC(ZSTD(1)), ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)), ScopeName String CODEC(ZSTD(1)),
  ScopeVersion String CODEC(ZSTD(1)), SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  Duration UInt64 CODEC(ZSTD(1)), StatusCode LowCardinality(String) CODEC(ZSTD(1)), StatusMessage String CODEC(ZSTD(1)),
  Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
  Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1))
) ENGINE = MergeTree PARTITION BY toDate(Timestamp) ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;

const columns = async (store: Store, table: string) =>
  (await store.query<{ name: string; type: string }>('test', 'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position', { table })).map(
    (c) => [c.name, c.type],
  );

describe('migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-migrations-'));
  let store: Store;
  beforeAll(() => {
    store = new Store({ dataDir: join(dir, 'data') });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('splits files into statements and numbers them in order', () => {
    expect(splitStatements('-- a comment; with a semicolon\nSELECT 1;\n\nSELECT 2;  \n')).toEqual(['SELECT 1', 'SELECT 2']);
    const versions = loadMigrations().map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('applies on top of a table the collector exporter created, then is a no-op', async () => {
    await store.command('test', EXPORTER_DDL);
    const applied = await migrate(store);
    expect(applied).toEqual(loadMigrations().map((m) => m.version));
    expect(await migrate(store)).toEqual([]);
    // The exporter's table was kept as it was, and it has exactly the exporter's columns.
    expect(await columns(store, 'otel_traces')).toEqual(EXPORTER_COLUMNS);
    const [table] = await store.query<{ sorting_key: string; engine_full: string }>(
      'test',
      `SELECT sorting_key, engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'otel_traces'`,
    );
    expect(table?.sorting_key).toBe('ServiceName, SpanName, toDateTime(Timestamp)');
    // …with the deduplication window that makes retried batches count once.
    expect(table?.engine_full).toMatch(/non_replicated_deduplication_window = 10000/);
  });

  it('feeds the views from the exporter-created table', async () => {
    await installCallsView(store, parseBehaviorConfig('', undefined));
    const body = protobufBody(await makeSpans(12));
    await new Ingestor(store, 1, 1).write(decodeProtobuf(body));
    await new Ingestor(store, 1, 1).write(decodeProtobuf(body));
    const [row] = await store.query<{ calls: string | number }>('test', 'SELECT sum(calls) AS calls FROM calls_by_minute');
    expect(Number(row?.calls)).toBe(12);
  });
});

describe('a fresh database', () => {
  it('gets exactly the exporter columns in otel_traces', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-migrations-'));
    // One engine per process: this file's first store is closed, chDB accepts a new path only after that.
    const store = new Store({ dataDir: join(dir, 'data') });
    try {
      await migrate(store);
      expect(await columns(store, 'otel_traces')).toEqual(EXPORTER_COLUMNS);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
