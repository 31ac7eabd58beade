import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadBehaviorConfig } from '../src/behaviors/config.ts';
import { ConfigError, DEFAULTS, resolveConfig } from '../src/config.ts';
import { startTestServer, type TestServer } from './helpers.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP/1.1 request, so headers of any size and any Origin go out exactly as written. */
function send(url: string, method: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers, timeout: 10_000, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }));
    });
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.end(body);
  });
}

const corsHeaders = (answer: Answer) => Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));

describe('secure defaults', () => {
  let server: TestServer;
  beforeAll(async () => {
    // No host given: whatever the default is, is what is tested.
    server = await startTestServer();
  });
  afterAll(async () => server.dispose());

  it('binds both listeners to 127.0.0.1 unless told otherwise', async () => {
    expect(DEFAULTS.host).toBe('127.0.0.1');
    expect((server.api.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect((server.receiver.server.address() as AddressInfo).address).toBe('127.0.0.1');
    // From this machine's other addresses, nothing answers.
    const external = Object.values(networkInterfaces()).flat().find((net) => net !== undefined && net.family === 'IPv4' && !net.internal);
    if (external !== undefined) {
      for (const url of [server.apiUrl, server.otlpUrl]) {
        const port = new URL(url).port;
        await expect(send(`http://${external.address}:${port}/healthz`, 'GET')).rejects.toThrow(/ECONNREFUSED/);
      }
    }
  });

  it('sends no CORS headers: a browser on another origin can neither read answers nor pass a preflight', async () => {
    const origin = { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' };
    const answers = [
      await send(`${server.apiUrl}/api/v1/behaviors`, 'GET', { origin: 'https://evil.example' }),
      await send(`${server.apiUrl}/api/v1/rates`, 'OPTIONS', origin),
      await send(`${server.apiUrl}/metrics`, 'GET', { origin: 'null' }),
      await send(`${server.otlpUrl}/v1/traces`, 'OPTIONS', origin),
      await send(`${server.otlpUrl}/v1/traces`, 'POST', { origin: 'https://evil.example', 'content-type': 'application/json' }, '{}'),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 404, 200, 404, 200]);
    expect(answers.flatMap(corsHeaders)).toEqual([]);
  });

  it('refuses headers over 16 KiB with 431 on both ports; normal headers pass', async () => {
    expect(DEFAULTS.maxHeaderBytes).toBe(16 * 1024);
    for (const url of [`${server.apiUrl}/healthz`, `${server.otlpUrl}/v1/traces`]) {
      expect((await send(url, 'GET', { 'x-padding': 'a'.repeat(17 * 1024) })).status).toBe(431);
    }
    expect((await send(`${server.apiUrl}/healthz`, 'GET', { 'x-padding': 'a'.repeat(8 * 1024) })).status).toBe(200);
  });

  it('refuses API bodies over 1 MiB with 413, before any work is done', async () => {
    expect(DEFAULTS.apiMaxBodyBytes).toBe(1024 * 1024);
    const big = JSON.stringify({ from: '2026-01-01', to: '2026-01-02', pad: 'x'.repeat(1024 * 1024) });
    // fetch, not a raw socket: the server answers 413 before reading the rest, which a raw writer sees as a reset.
    const answer = await fetch(`${server.apiUrl}/api/v1/behaviors/reevaluate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(answer.status).toBe(413);
    expect(await answer.json()).toMatchObject({ message: expect.stringMatching(/body/i) });
    const small = await send(`${server.apiUrl}/api/v1/behaviors/reevaluate`, 'POST', { 'content-type': 'application/json' }, JSON.stringify({ from: 'x', to: 'y' }));
    expect(small.status).toBe(400);
  });

  it('applies configured limits: an API built with 2 KiB headers and 1 KB bodies enforces them', async () => {
    // Only routes that never reach the store are called, so the API can run without one.
    const api = buildApi({ store: server.store, behaviors: loadBehaviorConfig('/nonexistent/behaviors.yaml', false) }, { bodyLimit: 1000, maxHeaderBytes: 2048 });
    const url = await api.listen({ host: '127.0.0.1', port: 0 });
    try {
      expect((await send(`${url}/healthz`, 'GET', { 'x-padding': 'a'.repeat(3000) })).status).toBe(431);
      expect((await send(`${url}/healthz`, 'GET', { 'x-padding': 'a'.repeat(1000) })).status).toBe(200);
      const body = JSON.stringify({ from: '2026-01-01', to: '2026-01-02', pad: 'x'.repeat(1000) });
      expect((await fetch(`${url}/api/v1/behaviors/reevaluate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(413);
    } finally {
      await api.close();
    }
  });

  it('validates the limits at start, naming the option', () => {
    expect(() => resolveConfig({ apiMaxBodyBytes: 0 })).toThrow(ConfigError);
    expect(() => resolveConfig({ maxHeaderBytes: -1 })).toThrow(/maxHeaderBytes/);
    expect(() => resolveConfig({ contentRetentionDays: 1.5 })).toThrow(/contentRetentionDays/);
  });
});
