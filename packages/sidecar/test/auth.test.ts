import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { makeSpans, postTraces, protobufBody } from './spans.ts';

const API_TOKEN = 'api-token-7f3c9a';
const OTLP_TOKEN = 'otlp-token-2b81de';

describe('bearer-token auth', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { apiTokens: [API_TOKEN, 'second-api-token'], otlpTokens: [OTLP_TOKEN] } });
  });
  afterAll(async () => server.dispose());

  const rates = `/api/v1/rates?behavior=truncated&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`;
  const get = (path: string, token?: string) => fetch(`${server.apiUrl}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'api-token-7f3c9b'],
    ['the OTLP token', OTLP_TOKEN],
    ['an empty token', ''],
  ])('refuses the API with %s: a bare 401 that says nothing about why', async (_name, token) => {
    for (const path of [rates, '/api/v1/behaviors', '/metrics']) {
      const response = await get(path, token);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: 'Unauthorized' });
    }
  });

  it('answers with any configured token', async () => {
    expect((await get(rates, API_TOKEN)).status).toBe(200);
    expect((await get(rates, 'second-api-token')).status).toBe(200);
  });

  it('keeps liveness and readiness probes open', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
  });

  it('requires the OTLP token on ingest and stores nothing without it', async () => {
    const body = protobufBody(await makeSpans(3));
    expect((await postTraces(server.otlpUrl, body, 'application/x-protobuf')).status).toBe(401);
    expect((await postTraces(server.otlpUrl, body, 'application/x-protobuf', { authorization: `Bearer ${API_TOKEN}` })).status).toBe(401);
    const [before] = await server.store.query<{ n: number }>('test', 'SELECT count() AS n FROM otel_traces');
    expect(Number(before?.n)).toBe(0);
    expect((await postTraces(server.otlpUrl, body, 'application/x-protobuf', { authorization: `Bearer ${OTLP_TOKEN}` })).status).toBe(200);
    const [after] = await server.store.query<{ n: number }>('test', 'SELECT count() AS n FROM otel_traces');
    expect(Number(after?.n)).toBe(3);
  });
});
