import { startSimProvider, type SimProvider } from '@behavior-rate/sim-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCanaryTelemetry, type CanaryTelemetry } from '../src/canary/telemetry.ts';
import type { ReplayRunView } from '../src/replay/service.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { ORIGINAL_REQUEST, postJson, refundScenario, WRONG_SLA_BEHAVIORS } from './replay-fixtures.ts';

describe('replays while the canary runner shares the OpenAI instrumentation', () => {
  let server: TestServer;
  let sim: SimProvider;
  let canary: CanaryTelemetry;

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: WRONG_SLA_BEHAVIORS });
    sim = await startSimProvider({ scenario: refundScenario(0.1), seed: 4 });
    // The SDK prototype can be patched once per process: canary and replay share one instrumentation, routed by span attributes.
    canary = startCanaryTelemetry({ otlpUrl: server.otlpUrl });
  });
  afterAll(async () => {
    await canary?.shutdown();
    await sim?.close();
    await server?.dispose();
  });

  it('every replay still lands in genai_calls as a replay row, and the report counts them all', async () => {
    const { body } = await postJson<ReplayRunView>(server, '/api/v1/replays', { request: ORIGINAL_REQUEST, count: 30, endpoint: `${sim.url}/v1`, wait: true });
    expect(body.report?.completed).toBe(30);
    expect(body.report?.spansMissing).toBe(0);
    const rows = await server.store.query<{ source: string; service: string; n: string }>(
      'test',
      'SELECT source, service, count() AS n FROM genai_calls WHERE replay_run_id = {run:String} GROUP BY source, service',
      { run: body.runId },
    );
    expect(rows.map((r) => [r.source, r.service, Number(r.n)])).toEqual([['replay', 'behavior-rate-replay', 30]]);
  });
});
