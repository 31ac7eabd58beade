import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCallsView } from '../src/behaviors/calls-view.ts';
import { loadBehaviorConfig } from '../src/behaviors/config.ts';
import { Ingestor } from '../src/otlp/ingest.ts';
import { buildReceiver } from '../src/otlp/receiver.ts';
import { migrate } from '../src/store/migrate.ts';
import { Store } from '../src/store/store.ts';
import { countStatuses, exactlyOnceViolations, ExportResultCode, exportBatches, waitFor } from './fault-helpers.ts';
import { makeSpans } from './spans.ts';

const BIN = fileURLToPath(new URL('../bin/behavior-rate.js', import.meta.url));

/**
 * A stand-in for a ClickHouse server on loopback, speaking just enough of its HTTP
 * interface for the receiver's inserts (`INSERT INTO t FORMAT JSONEachRow`, settings as
 * URL parameters) and writing them into a real embedded engine, deduplication token
 * included. It can be down (port closed), overloaded (the server's own error answer) or up.
 */
class FakeClickHouse {
  readonly backing: Store;
  mode: 'up' | 'overloaded' = 'up';
  port = 0;
  #server: Server | undefined;

  constructor(backing: Store) {
    this.backing = backing;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        const answerError = (code: number, message: string) => {
          response.writeHead(500, { 'content-type': 'text/plain', 'x-clickhouse-exception-code': String(code) });
          response.end(`Code: ${code}. DB::Exception: ${message}. (${code === 202 ? 'TOO_MANY_SIMULTANEOUS_QUERIES' : 'UNKNOWN'})`);
        };
        if (this.mode === 'overloaded') return answerError(202, 'Too many simultaneous queries. Maximum: 100');
        const insert = /^INSERT INTO (\w+)\s+FORMAT JSONEachRow/i.exec(url.searchParams.get('query') ?? '');
        if (insert === null) return answerError(62, 'this stand-in only takes JSONEachRow inserts');
        const rows = Buffer.concat(chunks).toString('utf8').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as object);
        this.backing
          .insert('fake server', insert[1] as string, rows, url.searchParams.get('insert_deduplication_token') ?? undefined)
          .then(() => {
            response.writeHead(200, { 'content-type': 'text/plain' });
            response.end();
          }, (error: unknown) => answerError(1000, (error as Error).message));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /** Closes the port: connections are refused, as from a server that is down. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

describe('--clickhouse-url pointing at a server that is down, then overloaded, then back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-fault-url-'));
  const backing = new Store({ dataDir: join(dir, 'data') });
  const fake = new FakeClickHouse(backing);
  let remote: Store;
  let receiver: FastifyInstance;
  let statuses: Map<number, number>;
  let otlpUrl: string;

  beforeAll(async () => {
    await migrate(backing);
    await installCallsView(backing, loadBehaviorConfig(join(dir, 'no-behaviors.yaml'), false));
    // Take a free port, then close it: the sidecar starts talking to a server that is down.
    await fake.start();
    await fake.stop();
    remote = new Store({ clickhouseUrl: `http://127.0.0.1:${fake.port}`, requestTimeoutMs: 3000 });
    receiver = buildReceiver({ ingestor: new Ingestor(remote, 4, 64), maxBodyBytes: 1 << 24, unavailableRetryAfterSeconds: 1 });
    statuses = countStatuses(receiver);
    otlpUrl = await receiver.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await receiver.close();
    await remote.close();
    await fake.stop();
    await backing.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 + Retry-After while the server is unreachable or overloaded, and the exporter delivers every span once after', async () => {
    const sent = await Promise.all(Array.from({ length: 3 }, () => makeSpans(10)));
    const exported = exportBatches(otlpUrl, sent);
    // First attempts: connection refused.
    await waitFor(() => (statuses.get(503) ?? 0) >= 3, 'three 503s while the port is closed');
    // The server comes back but answers with its overload error.
    fake.mode = 'overloaded';
    await fake.start();
    await waitFor(() => (statuses.get(503) ?? 0) >= 6, 'three more 503s while the server is overloaded');
    expect(statuses.get(500)).toBeUndefined();
    fake.mode = 'up';
    expect(await exported).toEqual(sent.map(() => ExportResultCode.SUCCESS));
    expect(statuses.get(200)).toBe(3);
    expect(await exactlyOnceViolations(backing, sent)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  });

  it('the probe of a 503 carries Retry-After and says only that the store is unavailable', async () => {
    await fake.stop();
    const response = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'x', startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n) }] }] }] })) });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    // No engine detail, address or port leaks to the client.
    expect(await response.json()).toEqual({ code: 14, message: 'store unavailable; retry later' });
  });

  it('`behavior-rate serve` against a server that is down exits with a clear message instead of starting', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--clickhouse-url', `http://127.0.0.1:${fake.port}`, '--port', '0', '--otlp-port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    clearTimeout(timer);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output).toMatch(/ECONNREFUSED|unavailable|connect/i);
    expect(output).not.toMatch(/\n\s+at .*\.ts:\d+/);
  });
});
