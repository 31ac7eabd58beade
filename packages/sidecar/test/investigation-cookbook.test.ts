import { readFileSync } from 'node:fs';
import { startSimProvider, supportBotScenario, type SimProvider } from '@behavior-rate/sim-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateAnswer } from '../src/rates/query.ts';
import { splitStatements } from '../src/store/migrate.ts';
import { getApi, startTestServer, type TestServer } from './helpers.ts';
import { sendDemoTraffic, sendIncidentSpan } from './postmortem-demo-data.ts';
import { postJson, WRONG_SLA_BEHAVIORS } from './replay-fixtures.ts';

interface CookbookQuery {
  heading: string;
  params: string[];
  statements: string[];
}

/** Every ```sql block of the cookbook with the parameters its `-- params:` line names. */
function cookbookQueries(): CookbookQuery[] {
  const text = readFileSync(new URL('../../../docs/postmortem-queries.md', import.meta.url), 'utf8');
  const queries: CookbookQuery[] = [];
  let heading = '';
  for (const part of text.split(/^(## .*)$/m)) {
    if (part.startsWith('## ')) {
      heading = part.slice(3);
      continue;
    }
    for (const match of part.matchAll(/```sql\n([\s\S]*?)```/g)) {
      const sql = match[1]!;
      const params = /^-- params: (.*)$/m.exec(sql)?.[1]?.split(',').map((p) => p.trim()) ?? [];
      queries.push({ heading, params, statements: splitStatements(sql) });
    }
  }
  return queries;
}

describe('docs/postmortem-queries.md: every query runs on chDB and answers from the data', () => {
  let server: TestServer;
  let sim: SimProvider;
  let values: Record<string, string | number>;
  const results = new Map<string, Record<string, unknown>[][]>();
  const now = Date.now();
  const atMs = now - 10 * 60_000;

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: WRONG_SLA_BEHAVIORS });
    sim = await startSimProvider({ scenario: supportBotScenario, seed: 2, clock: { now: () => 40 * 60_000, startMs: 0 }, recordRequests: false });
    await sendDemoTraffic(server, now, atMs - 20 * 60_000, 120, 10);
    const incident = await sendIncidentSpan(server, atMs);
    const { body } = await postJson<{ state: string }>(server, '/api/v1/replays', { spanId: incident.spanId, count: 30, endpoint: `${sim.url}/v1`, behavior: 'wrong_sla', wait: true });
    expect(body.state).toBe('done');
    values = { trace_id: incident.traceId, span_id: incident.spanId, behavior: 'wrong_sla', at: Math.floor(atMs / 1000), window_minutes: 30, baseline_minutes: 360 };
    for (const query of cookbookQueries()) {
      const answers: Record<string, unknown>[][] = [];
      for (const statement of query.statements) {
        const params = Object.fromEntries(query.params.map((name) => [name, values[name]]));
        answers.push(await server.store.query<Record<string, unknown>>('cookbook test', statement, params));
      }
      results.set(`${query.heading} #${[...results.keys()].filter((k) => k.startsWith(query.heading)).length + 1}`, answers);
    }
  });
  afterAll(async () => {
    await sim?.close();
    await server?.dispose();
  });

  it('finds at least one query under each heading, each naming only known parameters', () => {
    const queries = cookbookQueries();
    expect(queries.length).toBeGreaterThanOrEqual(11);
    const headings = new Set(queries.map((q) => q.heading));
    for (const heading of ['1. The incident\'s call and its trace', '2. The behavior rate around it, by fingerprint', '3. Fingerprint changes', '4. Uncontrolled inputs in the window', '5. Canary drift', '6. Replays of the incident']) {
      expect(headings).toContain(heading);
    }
    for (const query of queries) for (const name of query.params) expect(Object.keys(values)).toContain(name);
  });

  it('the incident call, its trace and its captured attributes', () => {
    const [calls] = results.get("1. The incident's call and its trace #1")!;
    expect(calls?.map((r) => r.span_id)).toEqual([values.span_id]);
    const [spans] = results.get("1. The incident's call and its trace #2")!;
    expect(spans).toHaveLength(2);
    const [attributes] = results.get("1. The incident's call and its trace #3")!;
    expect(attributes?.map((r) => r.key)).toContain('gen_ai.input.messages');
  });

  it('the rate by fingerprint and the z-test agree with the rates API', async () => {
    const [byFingerprint] = results.get('2. The behavior rate around it, by fingerprint #1')!;
    const during = byFingerprint!.filter((r) => r.period === 'during');
    const from = new Date(Math.floor((atMs - 30 * 60_000) / 1000) * 1000);
    const to = new Date(Math.floor((atMs + 30 * 60_000) / 1000) * 1000 + 1000);
    const { body } = await getApi<RateAnswer>(server, `/api/v1/rates?behavior=wrong_sla&by=fingerprint&from=${from.toISOString()}&to=${to.toISOString()}`);
    const api = Object.fromEntries(body.series.map((s) => [s.group, s.points.reduce((a, p) => ({ calls: a.calls + p.calls, hits: a.hits + p.hits }), { calls: 0, hits: 0 })]));
    expect(Object.fromEntries(during.map((r) => [r.fingerprint, { calls: Number(r.calls), hits: Number(r.hits) }]))).toEqual(api);
    const [[test]] = results.get('2. The behavior rate around it, by fingerprint #2')! as [[{ z_p_ci: Record<string, number>; calls_during: string }]];
    // A named tuple: z statistic, p-value and the difference's interval.
    const [z, p] = Object.values(test.z_p_ci);
    expect(z).toBeGreaterThan(0);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    expect(Number(test.calls_during)).toBe(during.reduce((s, r) => s + Number(r.calls), 0));
    expect(results.get('2. The behavior rate around it, by fingerprint #3')![0]!.length).toBeGreaterThan(10);
  });

  it('fingerprint changes, inputs, canary outcomes and replays', () => {
    const [fingerprints] = results.get('3. Fingerprint changes #1')!;
    expect(fingerprints?.map((r) => r.fingerprint)).toEqual(['fp_sim_a1b2c3', 'fp_sim_d4e5f6']);
    const [inputs] = results.get('4. Uncontrolled inputs in the window #1')!;
    expect(new Set(inputs?.map((r) => `${String(r.period)} ${String(r.index_version)}`))).toEqual(new Set(['before idx-2026-11-24', 'during idx-2026-11-24', 'during idx-2026-11-25']));
    // No canary ran in this store: the query runs and says so with no rows.
    expect(results.get('5. Canary drift #1')![0]).toEqual([]);
    const [runs] = results.get('6. Replays of the incident #1')!;
    expect(runs).toHaveLength(1);
    expect(Number(runs![0]!.completed) + Number(runs![0]!.failed)).toBe(30);
    const [histogram] = results.get('6. Replays of the incident #2')!;
    expect(histogram!.reduce((s, r) => s + Number(r.replays), 0)).toBe(Number(runs![0]!.completed));
    const [bookkeeping] = results.get('6. Replays of the incident #3')!;
    expect(bookkeeping).toMatchObject([{ state: 'done', requested: 30 }]);
  });
});
