import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';

const KEY = 'sk-provider-secret-5e0c2a';

/** An OpenAI-compatible endpoint on loopback that records the Authorization header of each call and answers 500. */
async function recordingProvider(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers.authorization ?? '');
    request.resume();
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"error":{"message":"down"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`, seen };
}

describe('the provider key goes only to the configured endpoint', () => {
  let sidecar: TestServer;
  let configured: Awaited<ReturnType<typeof recordingProvider>>;
  let other: Awaited<ReturnType<typeof recordingProvider>>;
  beforeAll(async () => {
    configured = await recordingProvider();
    other = await recordingProvider();
    process.env.OPENAI_API_KEY = KEY;
    process.env.BEHAVIOR_RATE_REPLAY_ENDPOINT = configured.url;
    sidecar = await startTestServer();
  });
  afterAll(async () => {
    await sidecar.dispose();
    configured.server.close();
    other.server.close();
    delete process.env.OPENAI_API_KEY;
    delete process.env.BEHAVIOR_RATE_REPLAY_ENDPOINT;
  });

  const replay = (endpoint?: string) =>
    fetch(`${sidecar.apiUrl}/api/v1/replays`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, count: 1, maxRetries: 0, timeoutMs: 2000, wait: true, ...(endpoint === undefined ? {} : { endpoint }) }),
    });

  it('an API caller naming another endpoint gets no key; the configured endpoint does', async () => {
    expect((await replay(other.url)).status).toBe(200);
    expect((await replay()).status).toBe(200);
    expect(other.seen.length).toBeGreaterThan(0);
    expect(other.seen.filter((header) => header.includes(KEY))).toEqual([]);
    expect(configured.seen).toContain(`Bearer ${KEY}`);
  });
});
