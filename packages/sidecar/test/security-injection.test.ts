import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/app.ts';
import { loadBehaviorConfig } from '../src/behaviors/config.ts';
import { stringifyRow } from '../src/store/store.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { makeSpans, postTraces, protobufBody } from './spans.ts';

/** Strings that would change a statement built by concatenation; bound parameters keep them values. */
const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE otel_traces; --",
  "\\'; DROP TABLE genai_calls; --",
  '1) UNION ALL SELECT name FROM system.tables --',
  "' || (SELECT groupArray(name) FROM system.users) || '",
  '{behavior:String}',
  '`otel_traces`',
  '" OR 1=1 --',
  '\u0000',
  '\ud800',
  '../../../../etc/passwd',
  '-1',
  '1e309',
  'x'.repeat(3000),
];

interface Schema {
  type?: string;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
}

const BEHAVIORS = `
behaviors:
  - name: wrong_sla
    description: quoted hours
    where: "output_text ILIKE '%hours%'"
`;

describe('no SQL from request input: injection on every parameter of every API route', () => {
  let server: TestServer;
  let app: FastifyInstance;
  const routes: RouteOptions[] = [];
  let traceId = '';
  let spanId = '';
  let seeded: string[] = [];
  const hour = 3600_000;
  const iso = (ms: number) => new Date(ms).toISOString();

  beforeAll(async () => {
    process.env.BEHAVIOR_RATE_REPLAY_ENDPOINT = 'http://127.0.0.1:9/v1';
    server = await startTestServer({ behaviorsYaml: BEHAVIORS });
    const spans = await makeSpans(5);
    expect((await postTraces(server.otlpUrl, protobufBody(spans), 'application/x-protobuf')).status).toBe(200);
    seeded = spans.map((span) => span.spanContext().spanId);
    traceId = spans[0]?.spanContext().traceId ?? '';
    spanId = spans[0]?.spanContext().spanId ?? '';
    // The same API the server runs, on the same store, built again so every route is seen as it is registered.
    app = buildApi({ store: server.store, behaviors: loadBehaviorConfig(server.dataDir + '-behaviors.yaml', true) });
    // Replays record their spans through the server's receiver, as in `serve`.
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

  /** A value that passes validation, so an injected neighbour reaches the code behind it. */
  function validValue(name: string, schema: Schema): unknown {
    const now = Date.now();
    const byName: Record<string, unknown> = {
      from: iso(now - 2 * hour),
      to: iso(now),
      baseline_from: iso(now - 26 * hour),
      baseline_to: iso(now - 25 * hour),
      behavior: 'truncated',
      traceId,
      spanId,
      window: '10m',
      baseline: '1h',
      endpoint: 'http://127.0.0.1:9/v1',
      request: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      count: 1,
      replays: 0,
      maxRetries: 0,
      timeoutMs: 100,
      model: 'gpt-4o-mini',
      id: 'inc_0000',
      runId: 'run_0000',
    };
    if (name in byName) return byName[name];
    if (schema.enum !== undefined) return schema.enum[0];
    if (schema.type === 'integer') return schema.minimum ?? 1;
    if (schema.type === 'number') return 0.5;
    if (schema.type === 'boolean') return false;
    if (schema.type === 'object') return {};
    return 'x';
  }

  /** Parameters of a route: query, body and path, each with the values a valid request would use. */
  function parameters(route: RouteOptions) {
    const schema = (route.schema ?? {}) as { querystring?: Schema; body?: Schema };
    const query = schema.querystring?.properties ?? {};
    const body = schema.body?.properties ?? {};
    const path = [...route.url.matchAll(/:(\w+)/g)].map((match) => match[1] as string);
    const defaults = (props: Record<string, Schema>, required: string[] = []) =>
      Object.fromEntries(Object.entries(props).filter(([name]) => required.includes(name) || ['endpoint', 'request', 'replays', 'maxRetries', 'timeoutMs'].includes(name)).map(([name, s]) => [name, validValue(name, s)]));
    return {
      query: Object.keys(query).length > 0 ? query : { q: { type: 'string' } },
      body,
      path,
      queryDefaults: defaults(query, schema.querystring?.required),
      bodyDefaults: defaults(body, schema.body?.required),
    };
  }

  async function call(route: RouteOptions, target: { in: 'query' | 'body' | 'path'; name: string; value: unknown }) {
    const p = parameters(route);
    const method = (Array.isArray(route.method) ? route.method[0] : route.method) as 'GET' | 'POST';
    const pathValues = Object.fromEntries(p.path.map((name) => [name, target.in === 'path' && target.name === name ? String(target.value) : String(validValue(name, {}))]));
    // Byte-wise percent-encoding: encodeURIComponent throws on a lone surrogate.
    const url = route.url.replace(/:(\w+)/g, (_match, name: string) => [...Buffer.from(pathValues[name] ?? 'x')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join(''));
    const query = { ...p.queryDefaults, ...(target.in === 'query' ? { [target.name]: target.value } : {}) };
    const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    const response = await app.inject({
      method,
      url: `${url}?${search.toString()}`,
      ...(method === 'POST' ? { payload: { ...p.bodyDefaults, ...(target.in === 'body' ? { [target.name]: target.value } : {}) } } : {}),
    });
    return response;
  }

  // Replays started by valid requests add their own spans (source "replay"); the seeded live data must stay exactly as it was.
  const snapshot = async () => ({
    tables: (await server.store.query<{ name: string }>('test', 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name')).map((row) => row.name),
    live: (await server.store.query<Record<string, string | number>>(
      'test',
      `SELECT (SELECT count() FROM otel_traces WHERE SpanId IN {ids:Array(String)}) AS spans,
              (SELECT sum(cityHash64(SpanId, SpanAttributes, Duration)) FROM otel_traces WHERE SpanId IN {ids:Array(String)}) AS spanHash,
              (SELECT count() FROM genai_calls WHERE source = 'live') AS calls,
              (SELECT sum(calls) FROM calls_by_minute WHERE source = 'live') AS minute`,
      { ids: seeded },
    ))[0],
  });

  it('enumerates the routes from the app itself, so a new route is covered without editing this test', () => {
    const names = routes.map((route) => `${String(route.method)} ${route.url}`);
    for (const known of ['GET /api/v1/rates', 'POST /api/v1/behaviors/reevaluate', 'GET /api/v1/drift', 'POST /api/v1/incidents', 'GET /api/v1/incidents/:id/postmortem', 'POST /api/v1/replays', 'GET /metrics']) {
      expect(names).toContain(known);
    }
  });

  it('every parameter, every injection string: 4xx or a correct answer, never 5xx; tables and rows intact', async () => {
    const before = await snapshot();
    let tried = 0;
    const failures: string[] = [];
    for (const route of routes) {
      const p = parameters(route);
      const targets = [
        ...Object.keys(p.query).map((name) => ({ in: 'query' as const, name })),
        ...Object.keys(p.body).map((name) => ({ in: 'body' as const, name })),
        ...p.path.map((name) => ({ in: 'path' as const, name })),
      ];
      for (const target of targets) {
        // Both the bare string and one glued to a valid value, which passes a prefix-only check.
        const valid = validValue(target.name, (p.query[target.name] ?? p.body[target.name] ?? {}) as Schema);
        const values = [...INJECTIONS, ...(typeof valid === 'string' ? INJECTIONS.slice(0, 6).map((injection) => `${valid}${injection}`) : [])];
        // A few at a time, as concurrent clients would send them.
        for (let i = 0; i < values.length; i += 8) {
          await Promise.all(values.slice(i, i + 8).map(async (value) => {
            tried += 1;
            const response = await call(route, { ...target, value });
            if (response.statusCode >= 500) failures.push(`${String(route.method)} ${route.url} ${target.in}.${target.name}=${JSON.stringify(value).slice(0, 60)} → ${response.statusCode} ${response.body.slice(0, 200)}`);
          }));
        }
      }
    }
    console.log(`security-injection: ${tried} injected requests over ${routes.length} routes`);
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(routes.length * INJECTIONS.length);
    expect(before.live).toMatchObject({ spans: 5, calls: 5, minute: 5 });
    expect(await snapshot()).toEqual(before);
  });

  it('a lone UTF-16 surrogate in a value is stored as U+FFFD instead of failing the insert; literal backslash text stays as written', async () => {
    expect(JSON.parse(stringifyRow({ a: 'x\ud800y', b: '\\ud800', c: '😀', d: '\\\ud800' }))).toEqual({ a: 'x\ufffdy', b: '\\ud800', c: '😀', d: '\\\ufffd' });
    await server.store.insert('test', 'otel_traces', [{ Timestamp: '2026-01-01 00:00:00', SpanId: 'surrogate0000001', ServiceName: 'surrogate-test', SpanAttributes: { note: 'x\ud800y' } }]);
    const [row] = await server.store.query<{ note: string }>('test', "SELECT SpanAttributes['note'] AS note FROM otel_traces WHERE SpanId = {id:String}", { id: 'surrogate0000001' });
    expect(row?.note).toBe('x\ufffdy');
  });

  it('a hostile value reaches the engine only as a value: the answer is the same as for any unknown name', async () => {
    const rate = (behavior: string) => app.inject({ method: 'GET', url: `/api/v1/rates?${new URLSearchParams({ behavior, from: iso(Date.now() - hour), to: iso(Date.now()) }).toString()}` });
    const hostile = await rate("truncated' OR 1=1 --");
    expect(hostile.statusCode).toBe(400);
    expect(hostile.json()).toMatchObject({ message: expect.stringMatching(/^behavior: unknown behavior/) });
    const range = { from: iso(Math.floor(Date.now() / hour) * hour - hour), to: iso(Math.floor(Date.now() / hour) * hour) };
    const drift = (model: string) => app.inject({ method: 'GET', url: `/api/v1/drift?${new URLSearchParams({ ...range, model }).toString()}` });
    const hostileModel = await drift("x' OR 1=1 --");
    const plainModel = await drift('no-such-model');
    expect(hostileModel.statusCode).toBe(200);
    const same = JSON.stringify(hostileModel.json()).replaceAll("x' OR 1=1 --", 'M') === JSON.stringify(plainModel.json()).replaceAll('no-such-model', 'M');
    expect(same).toBe(true);
  });
});
