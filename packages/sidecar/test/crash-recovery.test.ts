import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../src/store/store.ts';
import { makeSpans, postTraces, protobufBody } from './spans.ts';

const BIN = fileURLToPath(new URL('../bin/behavior-rate.js', import.meta.url));

interface Sidecar {
  child: ChildProcess;
  apiUrl: string;
  otlpUrl: string;
}

/** Starts `behavior-rate serve` as its own process and waits for both listeners to be announced. */
function startSidecar(cwd: string, dataDir: string): Promise<Sidecar> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--otlp-port', '0'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`sidecar did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const api = /API\s+(http:\/\/\S+)/.exec(output)?.[1];
      const otlp = /OTLP\s+(http:\/\/\S+)\/v1\/traces/.exec(output)?.[1];
      if (api && otlp) {
        clearTimeout(timer);
        resolve({ child, apiUrl: api, otlpUrl: otlp });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sidecar exited with ${code}:\n${output}`));
    });
  });
}

describe('kill -9 under ingest load', () => {
  const root = mkdtempSync(join(tmpdir(), 'behavior-rate-crash-'));
  const dataDir = join(root, 'data');
  let sidecar: Sidecar | undefined;
  afterAll(() => {
    sidecar?.child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps every acknowledged span exactly once after a restart on the same data directory', async () => {
    const first = await startSidecar(root, dataDir);
    sidecar = first;
    const acknowledged = new Set<string>();
    let killed = false;
    // Four concurrent senders; the process is killed while batches are in flight.
    const sender = async () => {
      for (let round = 0; round < 500; round++) {
        const spans = await makeSpans(20);
        try {
          const response = await postTraces(first.otlpUrl, protobufBody(spans), 'application/x-protobuf');
          if (response.status === 200) spans.forEach((span) => acknowledged.add(span.spanContext().spanId));
        } catch {
          return; // connection refused or reset: the process is gone
        }
        if (acknowledged.size >= 400 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([sender(), sender(), sender(), sender()]);
    expect(killed).toBe(true);
    await exited(first.child);

    // The restarted sidecar opens the same directory, re-checks migrations and answers.
    sidecar = await startSidecar(root, dataDir);
    expect((await fetch(`${sidecar.apiUrl}/readyz`)).status).toBe(200);
    sidecar.child.kill('SIGTERM');
    await exited(sidecar.child);

    const store = new Store({ dataDir });
    try {
      const counts = await store.query<{ SpanId: string; n: string | number }>('test', 'SELECT SpanId, count() AS n FROM otel_traces GROUP BY SpanId');
      const stored = new Map(counts.map((row) => [row.SpanId, Number(row.n)]));
      const missing = [...acknowledged].filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      expect([...stored.values()].filter((n) => n !== 1)).toEqual([]);
      const [views] = await store.query<{ calls: string | number; minute_calls: string | number }>(
        'test',
        'SELECT (SELECT count() FROM genai_calls) AS calls, (SELECT sum(calls) FROM calls_by_minute) AS minute_calls',
      );
      // The views hold exactly one call per stored span: nothing lost or doubled between tables.
      expect(Number(views?.calls)).toBe(stored.size);
      expect(Number(views?.minute_calls)).toBe(stored.size);
    } finally {
      await store.close();
    }
  });
});

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}
