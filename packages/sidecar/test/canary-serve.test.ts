import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimProvider, type SimProvider } from '../../sim-provider/src/index.ts';
import { CanaryLease } from '../src/canary/lease.ts';
import type { CanaryRunnerStatus } from '../src/canary/runner.ts';
import type { DriftAnswer } from '../src/drift/query.ts';
import type { FingerprintAnswer } from '../src/fingerprints/timeline.ts';
import { getApi, startTestServer, type TestServer } from './helpers.ts';

const CANARIES = `
defaults: { model: sim-model, temperature: 0 }
cases:
  - id: refund
    request: { messages: [{ role: user, content: How long do refunds take? }] }
    expect: { match: seven days, must_not: [refusal] }
  - id: greeting
    request: { messages: [{ role: user, content: Say hello }] }
    normalise: [lowercase]
  - id: order
    request: { messages: [{ role: user, content: Where is my order? }] }
`;

type Status = CanaryRunnerStatus & { configured: boolean; holder: string; endpoint: string };

/** Polls `read` until `done` holds, for at most `ms`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('the canary inside the sidecar', () => {
  let sim: SimProvider;
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-canaries-'));

  beforeAll(async () => {
    sim = await startSimProvider({
      seed: 4,
      scenario: {
        systemFingerprint: 'fp_sim_serve',
        rules: [
          { id: 'refund', match: 'refund', answers: [{ id: 'sla', weight: 1, text: 'Refunds take seven days.' }] },
          { id: 'hello', match: 'hello', answers: [{ id: 'hi', weight: 1, text: 'Hello!' }] },
        ],
      },
      faults: { serverErrorRate: 0.15 },
    });
    writeFileSync(join(dir, 'canaries.yaml'), CANARIES);
    server = await startTestServer({
      config: { canariesFile: join(dir, 'canaries.yaml'), canaryEndpoint: `${sim.url}/v1`, canaryIntervalMs: 1000, canaryTimeoutMs: 500 },
    });
  }, 30_000);
  afterAll(async () => {
    await server?.dispose();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async () => (await getApi<Status>(server, '/api/v1/canary')).body;

  it('runs every interval as the only candidate, and says so', async () => {
    const current = await until(status, (s) => s.runs >= 3, 15_000);
    expect(current).toMatchObject({ configured: true, cases: 3, intervalMs: 1000, timeoutMs: 500, leader: true, skippedBusy: 0, endpoint: `${sim.url}/v1` });
    expect(current.lastRun).toMatchObject({ cases: 3 });
    expect(current.holder).toContain(`:${process.pid}:`);
  });

  it('lands its runs in the same tables as any traffic: canary runs, GenAI calls, fingerprints', async () => {
    const countRuns = async () => Number((await server.store.query<{ n: string }>('test', 'SELECT count() AS n FROM canary_runs'))[0]?.n ?? 0);
    expect(await until(countRuns, (n) => n >= 9, 10_000)).toBeGreaterThanOrEqual(9);
    const runs = await server.store.query<{ case_id: string; kind: string; outcome: string; expectation: string; error_type: string; system_fingerprint: string }>(
      'test', 'SELECT case_id, kind, outcome, expectation, error_type, system_fingerprint FROM canary_runs ORDER BY timestamp');
    const answered = runs.filter((r) => r.kind === 'answer');
    expect(answered.filter((r) => r.case_id === 'refund').every((r) => r.outcome === 'Refunds take seven days.' && r.expectation === 'pass')).toBe(true);
    expect(answered.filter((r) => r.case_id === 'greeting').every((r) => r.outcome === 'hello!' && r.expectation === 'none')).toBe(true);
    expect(answered.every((r) => r.system_fingerprint === 'fp_sim_serve')).toBe(true);
    // The simulated provider fails some requests; each is a run of its own, with its type.
    const failed = sim.requests.filter((request) => request.outcome.kind === 'server_error').length;
    const errors = runs.filter((r) => r.kind === 'error');
    expect(errors.every((r) => r.error_type === 'server_error' && r.expectation === 'error')).toBe(true);
    expect(errors.length).toBeLessThanOrEqual(failed);
    expect(errors.length).toBeGreaterThan(0);

    const calls = await server.store.query<{ canary_case_id: string; n: string }>(
      'test', `SELECT canary_case_id, count() AS n FROM genai_calls WHERE source = 'canary' GROUP BY canary_case_id ORDER BY canary_case_id`);
    expect(calls.map((c) => c.canary_case_id)).toEqual(['greeting', 'order', 'refund']);
    const now = new Date();
    const fingerprints = await getApi<FingerprintAnswer>(server, `/api/v1/fingerprints?from=${new Date(now.getTime() - 3_600_000).toISOString()}&to=${new Date(now.getTime() + 60_000).toISOString()}&source=canary`);
    expect(fingerprints.body.models[0]).toMatchObject({ model: 'sim-model', fingerprints: [expect.objectContaining({ system_fingerprint: 'fp_sim_serve' })] });
  });

  it('counts its runs in the drift view even before a baseline exists', async () => {
    const to = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
    const drift = await getApi<DriftAnswer>(server, `/api/v1/drift?from=${new Date(to.getTime() - 5 * 60_000).toISOString()}&to=${to.toISOString()}`);
    expect(drift.status).toBe(200);
    const last = drift.body.points.at(-1)!;
    expect(last.cases).toBe(3);
    expect(last.runs + last.errors).toBeGreaterThan(0);
    // No baseline yet: nothing to compare with, so no score rather than a made-up one.
    expect(last.score).toBeNull();
    expect(drift.body.cases.map((c) => [c.case_id, c.scored])).toEqual([['greeting', false], ['order', false], ['refund', false]]);
  });

  it('hands the canary to the oldest live candidate, and takes it back when that one goes quiet', async () => {
    const before = (await status()).skippedNotLeader;
    const older = new CanaryLease(server.store, 2500, 'older-replica', Date.now() - 3_600_000);
    expect(await older.isLeader()).toBe(true);
    // While the older candidate keeps its heartbeat, this sidecar skips its runs.
    const deadline = Date.now() + 10_000;
    let current = await status();
    while (current.skippedNotLeader < before + 2 && Date.now() < deadline) {
      await older.isLeader();
      await new Promise((resolve) => setTimeout(resolve, 200));
      current = await status();
    }
    expect(current.skippedNotLeader).toBeGreaterThanOrEqual(before + 2);
    expect(current.leader).toBe(false);
    // The older candidate stops; one TTL later this sidecar leads and runs again.
    const runs = current.runs;
    const back = await until(status, (s) => s.leader === true && s.runs > runs, 10_000);
    expect(back.leader).toBe(true);
    expect(back.runs).toBeGreaterThan(runs);
    expect(await older.leader()).toBe(back.holder);
  }, 30_000);
});
