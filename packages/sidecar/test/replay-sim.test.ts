import { startSimProvider, type SimProvider } from '@behavior-rate/sim-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayRunView } from '../src/replay/service.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { ORIGINAL_REQUEST, postJson, productionCall, refundScenario, WRONG_SLA_BEHAVIORS } from './replay-fixtures.ts';

describe('replays against the simulated provider', () => {
  let server: TestServer;
  let sim: SimProvider;
  let original: { traceId: string; spanId: string };

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: WRONG_SLA_BEHAVIORS });
    sim = await startSimProvider({ scenario: refundScenario(0.05), seed: 7 });
    original = await productionCall(server, sim.url);
  });
  afterAll(async () => {
    await sim?.close();
    await server?.dispose();
  });

  it('a replay rebuilt from the captured span sends the same request body as the original call', async () => {
    const before = sim.requests.length;
    const { status, body } = await postJson<ReplayRunView>(server, '/api/v1/replays', { spanId: original.spanId, count: 3, endpoint: `${sim.url}/v1`, wait: true });
    expect(status).toBe(200);
    expect(body.state).toBe('done');
    const sent = sim.requests.slice(before).map((r) => r.body);
    expect(sent).toHaveLength(3);
    const originalBody = sim.requests[0]?.body;
    expect(originalBody).toMatchObject(ORIGINAL_REQUEST);
    // The replay never streams; the original did not either, so the bodies are equal as sent.
    for (const replayed of sent) expect({ ...(replayed as object), stream: undefined }).toEqual({ ...(originalBody as object), stream: undefined });
  });

  it('400 replays at a 5% bad-answer rate: counts equal what the provider answered, and the interval contains 5%', async () => {
    const before = sim.requests.length;
    const { body } = await postJson<ReplayRunView>(server, '/api/v1/replays', { spanId: original.spanId, count: 400, concurrency: 16, endpoint: `${sim.url}/v1`, behavior: 'wrong_sla', wait: true });
    const report = body.report!;
    const answers = sim.requests.slice(before).filter((r) => r.outcome.kind === 'answer');
    const wrong = answers.filter((r) => r.outcome.kind === 'answer' && r.outcome.answerId === 'wrong').length;
    expect(report.completed).toBe(400);
    expect(report.failed).toBe(0);
    expect(report.reported).toMatchObject({ behavior: 'wrong_sla', hits: wrong, calls: 400 });
    expect(report.reported!.ci_low).toBeLessThan(0.05);
    expect(report.reported!.ci_high).toBeGreaterThan(0.05);
    expect(Object.fromEntries(report.histogram.map((g) => [g.label, g.count]))).toEqual({
      'Refunds are processed within seven days.': 400 - wrong,
      'Refunds are processed within seven hours.': wrong,
    });
    expect(report.histogram.find((g) => g.label.includes('hours'))?.behaviors).toEqual(['wrong_sla']);
    expect(report.verdict?.kind).toBe('reproduced');
    expect(report.verdict?.text).toContain(`${wrong} of 400 replays showed wrong_sla`);
    expect(report.fingerprints).toEqual([{ fingerprint: 'fp_sim_replay', count: 400 }]);
    // The replays are rows beside production: source 'replay', linked to the incident span.
    const rows = await server.store.query<{ n: string }>('test', `SELECT count() AS n FROM genai_calls WHERE replay_of = {of:String} AND replay_run_id = {run:String} AND source = 'replay'`, { of: original.spanId, run: body.runId });
    expect(Number(rows[0]?.n)).toBe(400);
  });

  it('refuses a span without content, naming the missing fields and how to supply them', async () => {
    const { status, body } = await postJson<{ message: string; missing: string[] }>(server, '/api/v1/replays', { request: { model: 'x' }, count: 1, endpoint: `${sim.url}/v1` });
    expect(status).toBe(400);
    expect(body.message).toMatch(/messages/);
  });
});
