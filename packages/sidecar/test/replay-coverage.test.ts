import { binomialSampler, exactCoverage } from '@behavior-rate/stats';
import { startSimProvider, type SimProvider } from '@behavior-rate/sim-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReplayReport } from '../src/replay/report.ts';
import type { ReplayRunView } from '../src/replay/service.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { postJson, productionCall, refundScenario, WRONG_SLA_BEHAVIORS } from './replay-fixtures.ts';

const TRUE_RATE = 0.05;

describe('replay intervals cover the true rate at close to the nominal 95%', () => {
  let server: TestServer;
  let sim: SimProvider;
  let original: { traceId: string; spanId: string };

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: WRONG_SLA_BEHAVIORS });
    sim = await startSimProvider({ scenario: refundScenario(TRUE_RATE), seed: 20261125, recordRequests: false });
    original = await productionCall(server, sim.url);
  });
  afterAll(async () => {
    await sim?.close();
    await server?.dispose();
  });

  it('end to end: 25 seeded runs of 120 replays each; at least 22 intervals contain 5%', async () => {
    // P(fewer than 22 of 25 cover | true coverage 95%) ≈ 3.4%; with a fixed provider seed the run is deterministic.
    let covered = 0;
    const estimates: number[] = [];
    for (let run = 0; run < 25; run++) {
      const { body } = await postJson<ReplayRunView>(server, '/api/v1/replays', { spanId: original.spanId, count: 120, concurrency: 32, endpoint: `${sim.url}/v1`, behavior: 'wrong_sla', wait: true });
      const reported = body.report!.reported!;
      expect(reported.calls).toBe(120);
      estimates.push(reported.rate!);
      if (reported.ci_low <= TRUE_RATE && TRUE_RATE <= reported.ci_high) covered += 1;
    }
    expect(covered).toBeGreaterThanOrEqual(22);
    // The runs are independent draws, not one draw repeated.
    expect(new Set(estimates).size).toBeGreaterThan(3);
  });

  it('by simulation through the report code: 4000 seeded runs of 400 replays, coverage within 4 standard errors of the exact value', () => {
    const draw = binomialSampler(12345);
    const runs = 4000;
    const n = 400;
    let covered = 0;
    for (let run = 0; run < runs; run++) {
      const hits = draw(n, TRUE_RATE);
      const rows = Array.from({ length: n }, (_, i) => ({ status: 'Ok', fingerprint: 'fp', output_messages: '', output_text: i < hits ? 'hours' : 'days', behaviors: i < hits ? ['wrong_sla'] : [] }));
      const report = buildReplayReport(
        { runId: 'r', replayOf: 's', requested: n, completed: n, failed: 0, failures: {}, retries: 0, wallMs: 0, missingFields: [] },
        rows,
        { behavior: 'wrong_sla', knownBehaviors: [], incidentBehaviors: ['wrong_sla'], incidentFingerprint: 'fp', production: null },
      );
      const r = report.reported!;
      if (r.ci_low <= TRUE_RATE && TRUE_RATE <= r.ci_high) covered += 1;
    }
    const observed = covered / runs;
    const exact = exactCoverage('wilson', n, TRUE_RATE).coverage;
    const standardError = Math.sqrt((exact * (1 - exact)) / runs);
    expect(Math.abs(exact - 0.95)).toBeLessThan(0.02);
    expect(Math.abs(observed - exact)).toBeLessThan(4 * standardError);
  });
});
