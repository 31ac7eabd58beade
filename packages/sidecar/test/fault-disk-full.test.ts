import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statfsSync, statSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { chatAttributes, makeSpans, postTraces, protobufBody } from './spans.ts';

const root = mkdtempSync(join(tmpdir(), 'behavior-rate-disk-full-'));
const disk = join(root, 'disk');
mkdirSync(disk);

/** A 32 MiB tmpfs as the data directory's disk; needs root (or CAP_SYS_ADMIN). */
function mountSmallDisk(): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', disk], { stdio: 'pipe', timeout: 5000 });
    return undefined;
  } catch (error) {
    return (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message;
  }
}
const mountError = mountSmallDisk();
if (mountError !== undefined) {
  console.warn(`fault-disk-full: skipped: cannot mount tmpfs here (${mountError})`);
  rmSync(root, { recursive: true, force: true });
}

/** Unmounts the small disk; lazily if the embedded engine still holds a file open there. */
function unmount(): void {
  try {
    execFileSync('umount', [disk], { stdio: 'pipe', timeout: 10_000 });
  } catch {
    execFileSync('umount', ['-l', disk], { stdio: 'pipe', timeout: 10_000 });
  }
}

interface Batch {
  body: Buffer;
  spanIds: string[];
}

async function batch(spans: number): Promise<Batch> {
  // Sizeable content per span, so a batch needs real disk space.
  const made = await makeSpans(spans, (i) => chatAttributes({ 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `question ${i} `.repeat(150) }] }]) }));
  return { body: protobufBody(made), spanIds: made.map((span) => span.spanContext().spanId) };
}

describe.skipIf(mountError !== undefined)('disk full on the data directory', () => {
  const filler = join(disk, 'filler');
  const logged: string[] = [];
  let server: RunningServer;
  /** What was stored before the disk filled up, as the engine reads it back. */
  const fingerprint = async (spanIds: string[]) =>
    (await server.store.query<Record<string, string | number>>(
      'test',
      `SELECT (SELECT count() FROM otel_traces WHERE SpanId IN {ids:Array(String)}) AS spans,
              (SELECT sum(cityHash64(SpanId, Timestamp, SpanAttributes, Duration)) FROM otel_traces WHERE SpanId IN {ids:Array(String)}) AS spanHash,
              (SELECT sum(cityHash64(span_id, input_messages, behaviors)) FROM genai_calls WHERE span_id IN {ids:Array(String)}) AS callHash`,
      { ids: spanIds },
    ))[0];

  beforeAll(async () => {
    server = await startServer(resolveConfig({ dataDir: join(disk, 'data'), port: 0, otlpPort: 0, behaviorsFile: join(root, 'none.yaml') }), (line) => logged.push(line));
  });
  afterAll(async () => {
    await server?.close();
    if (mountError === undefined) unmount();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers 503 + Retry-After while the disk is full, never 500, keeps what was stored intact, and takes every span once after space is freed', async () => {
    const before: Batch[] = [];
    for (let i = 0; i < 5; i++) {
      const b = await batch(20);
      expect((await postTraces(server.otlpUrl, b.body, 'application/x-protobuf')).status).toBe(200);
      before.push(b);
    }
    const beforeIds = before.flatMap((b) => b.spanIds);
    const stored = await fingerprint(beforeIds);
    expect(Number(stored?.spans)).toBe(100);

    // Fill the disk to ENOSPC, then give back a little at a time: nothing, 256 KB, 1.2 MB.
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(1 << 16, 7);
    try {
      for (let written = 0; written < 64 << 20; written += chunk.length) writeSync(fd, chunk);
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    const full = statfsSync(disk);
    expect(full.bavail * full.bsize).toBeLessThan(64 << 10);
    const fillerFull = statSync(filler).size;

    const acknowledged: Batch[] = [];
    const refused: Batch[] = [];
    const statuses = new Map<number, number>();
    for (const free of [0, 256_000, 1_200_000]) {
      truncateSync(filler, fillerFull - free);
      for (let i = 0; i < 8; i++) {
        const b = await batch(20);
        const response = await postTraces(server.otlpUrl, b.body, 'application/x-protobuf');
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect([200, 503]).toContain(response.status);
        if (response.status === 503) {
          expect(response.headers.get('retry-after')).toBe('5');
          refused.push(b);
        } else acknowledged.push(b);
      }
      // Reads keep working on a full disk.
      expect((await fetch(`${server.apiUrl}/readyz`)).status).toBe(200);
    }
    console.log(`fault-disk-full: while full: ${JSON.stringify(Object.fromEntries(statuses))} (status: batches)`);
    expect(statuses.get(503)).toBeGreaterThan(0);
    // The operator learns why, in the sidecar's log.
    expect(logged.join('\n')).toMatch(/OTLP ingest: store unavailable, answering 503: .*not enough space/i);

    // Space is back: clients retry what was refused (the exporter would); each retry is the same bytes.
    rmSync(filler);
    for (const b of refused) {
      let status = 0;
      for (let attempt = 0; attempt < 5 && status !== 200; attempt++) status = (await postTraces(server.otlpUrl, b.body, 'application/x-protobuf')).status;
      expect(status).toBe(200);
    }

    expect(await fingerprint(beforeIds)).toEqual(stored);
    const all = [...before, ...acknowledged, ...refused].flatMap((b) => b.spanIds);
    const counts = await server.store.query<{ SpanId: string; n: string | number }>('test', 'SELECT SpanId, count() AS n FROM otel_traces GROUP BY SpanId');
    expect(counts.filter((row) => Number(row.n) !== 1)).toEqual([]);
    expect(counts.map((row) => row.SpanId).sort()).toEqual([...all].sort());
    // The views hold one call per stored span: no batch half-written into the raw table only.
    const [calls] = await server.store.query<{ n: string | number; minute: string | number }>('test', 'SELECT (SELECT count() FROM genai_calls) AS n, (SELECT sum(calls) FROM calls_by_minute) AS minute');
    expect({ calls: Number(calls?.n), minute: Number(calls?.minute) }).toEqual({ calls: all.length, minute: all.length });
    const check = await server.store.query<{ result: string | number }>('test', 'CHECK TABLE otel_traces', {}, { check_query_single_value_result: 1 });
    expect(check.map((row) => Number(row.result))).toEqual([1]);
  });
});
