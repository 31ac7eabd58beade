import { startSimProvider, type SimProvider } from '@behavior-rate/sim-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayRunView } from '../src/replay/service.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { postJson, productionCall, refundScenario, WRONG_SLA_BEHAVIORS } from './replay-fixtures.ts';

describe('replays with 429s, 500s and timeouts still report exactly what ran', () => {
  let server: TestServer;
  let sim: SimProvider;
  let original: { traceId: string; spanId: string };

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: WRONG_SLA_BEHAVIORS });
    // The original call is made against a fault-free provider; the faulty one serves the replays.
    const clean = await startSimProvider({ scenario: refundScenario(0.2), seed: 3 });
    original = await productionCall(server, clean.url);
    await clean.close();
    sim = await startSimProvider({
      scenario: refundScenario(0.2),
      seed: 11,
      faults: { rateLimitRate: 0.25, retryAfterSeconds: 0, serverErrorRate: 0.15, timeoutRate: 0.1, timeoutMs: 5_000 },
    });
  });
  afterAll(async () => {
    await sim?.close();
    await server?.dispose();
  });

  it('every replay is counted once, as completed or failed by reason, and the rates use only the completed ones', async () => {
    const count = 60;
    const { body } = await postJson<ReplayRunView>(server, '/api/v1/replays', {
      spanId: original.spanId,
      count,
      concurrency: 12,
      endpoint: `${sim.url}/v1`,
      behavior: 'wrong_sla',
      maxRetries: 1,
      timeoutMs: 1_500,
      wait: true,
    });
    expect(body.state).toBe('done');
    const report = body.report!;
    const answered = sim.requests.filter((r) => r.outcome.kind === 'answer');
    // Some replays must have failed for this test to mean anything (fixed seed: it is deterministic).
    expect(report.failed).toBeGreaterThan(0);
    expect(report.completed + report.failed).toBe(count);
    // A reply that arrives after the client gave up is an answer for the provider and a timeout for us.
    expect(report.completed).toBeLessThanOrEqual(answered.length);
    expect(answered.length - report.completed).toBeLessThanOrEqual(report.failures.timeout ?? 0);
    const [stored] = await server.store.query<{ ok: string; wrong: string; failed: string }>(
      'test',
      `SELECT countIf(status != 'Error') AS ok, countIf(status != 'Error' AND output_text ILIKE '%hours%') AS wrong, countIf(status = 'Error') AS failed
       FROM genai_calls WHERE replay_run_id = {run:String}`,
      { run: body.runId },
    );
    expect(report.completed).toBe(Number(stored?.ok));
    expect(report.failed).toBe(Number(stored?.failed));
    expect(Object.values(report.failures).reduce((a, b) => a + b, 0)).toBe(report.failed);
    expect(Object.keys(report.failures).every((reason) => ['rate_limited', 'server_error', 'timeout'].includes(reason))).toBe(true);
    // Each request to the provider is one attempt: first tries plus retries.
    expect(report.retries).toBe(sim.requests.length - count);
    expect(report.histogram.reduce((sum, g) => sum + g.count, 0)).toBe(report.completed);
    expect(report.reported).toMatchObject({ hits: Number(stored?.wrong), calls: report.completed });
    expect(report.spansMissing).toBe(0);
    expect(report.verdict?.text).toContain(`${report.failed} replays failed and are not in these counts`);
  });
});
