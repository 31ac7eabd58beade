import { cusumWeights } from '@behavior-rate/stats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShiftDetectorStatus } from '../src/shift/detectors.ts';
import { ShiftRunner, type ShiftSnapshot } from '../src/shift/runner.ts';
import { minuteAgo, parseExposition, sendMinutes, type PlannedMinute } from './alerting-helpers.ts';
import { getApi, startTestServer, type TestServer } from './helpers.ts';

const BEHAVIORS = `
behaviors:
  - name: wrong_sla
    description: The bot quoted a refund time in hours.
    where: "output_text ILIKE '%hours%'"
    objective: 0.004
  - name: malformed_tool_call
    description: No objective here, so the trailing 7-day rate is the baseline.
`;

const now = Date.now();
const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => from - i);
/** 30 quiet minutes on two fingerprints, 5 minutes where fp_b says "hours" 10% of the time, 3 quiet minutes. */
const PLAN: PlannedMinute[] = [
  ...range(40, 11).flatMap((ago) => [
    { minute: minuteAgo(ago, now), calls: 60, hits: 0, fingerprint: 'fp_a', malformed: 1 },
    { minute: minuteAgo(ago, now), calls: 50, hits: 0, fingerprint: 'fp_b', malformed: 1 },
  ]),
  // Calls that report no fingerprint: part of all traffic, never a fingerprint of their own.
  { minute: minuteAgo(30, now), calls: 20, hits: 0, fingerprint: '' },
  ...range(10, 6).flatMap((ago) => [
    { minute: minuteAgo(ago, now), calls: 60, hits: 0, fingerprint: 'fp_a' },
    { minute: minuteAgo(ago, now), calls: 50, hits: 5, fingerprint: 'fp_b' },
  ]),
  ...range(5, 3).flatMap((ago) => [
    { minute: minuteAgo(ago, now), calls: 60, hits: 0, fingerprint: 'fp_a' },
    { minute: minuteAgo(ago, now), calls: 50, hits: 0, fingerprint: 'fp_b' },
  ]),
];

describe('shift runner over the per-minute tables', () => {
  let server: TestServer;
  let snapshot: ShiftSnapshot;
  const detector = (behavior: string, fingerprint: string | null): ShiftDetectorStatus => {
    const found = snapshot.detectors.find((d) => d.behavior === behavior && d.fingerprint === fingerprint);
    if (found === undefined) throw new Error(`no detector ${behavior}/${fingerprint}`);
    return found;
  };
  // Evaluated as if at the end of the current minute, after the settle time.
  const evaluationTime = new Date(minuteAgo(-1, now) + 15_000);

  beforeAll(async () => {
    server = await startTestServer({ behaviorsYaml: BEHAVIORS, config: { shiftIntervalMs: 0, metricsRefreshMs: 0 } });
    await sendMinutes(server.otlpUrl, PLAN);
    snapshot = await new ShiftRunner(server.store, { behaviors: [
      { name: 'wrong_sla', description: '', where: "output_text ILIKE '%hours%'", objective: 0.004 },
      { name: 'malformed_tool_call', description: '' },
    ], hash: '', source: undefined }).evaluate(evaluationTime);
  });
  afterAll(async () => server.dispose());

  it('alarms on the shifted behavior, with the change point and the exact counts since it', () => {
    const all = detector('wrong_sla', null);
    const weights = cusumWeights({ p0: 0.004 });
    const since = { hits: 25, calls: 8 * 110 };
    expect(all).toMatchObject({ state: 'armed', baseline: 'objective', p0: 0.004, p1: 0.008, alarm: true, changeSince: new Date(minuteAgo(10, now)).toISOString() });
    expect(all.statistic).toBeCloseTo(since.hits * weights.hit + (since.calls - since.hits) * weights.miss, 9);
    expect(all.statistic).toBeGreaterThan(all.threshold!);
    expect(all.sinceChange).toMatchObject(since);
    expect(all.sinceChange!.ci_low).toBeGreaterThan(0.004);
    expect(all.historyCalls).toBe(PLAN.reduce((n, m) => n + m.calls, 0));
  });

  it('runs per-fingerprint detectors and blames the fingerprint that shifted', () => {
    expect(detector('wrong_sla', 'fp_b')).toMatchObject({ alarm: true, sinceChange: { hits: 25, calls: 8 * 50 } });
    expect(detector('wrong_sla', 'fp_a')).toMatchObject({ alarm: false, statistic: 0, sinceChange: null });
    expect(snapshot.detectors.filter((d) => d.behavior === 'wrong_sla').map((d) => d.fingerprint)).toEqual([null, 'fp_a', 'fp_b']);
  });

  it('tests a behavior without objective against its trailing rate', () => {
    const malformed = detector('malformed_tool_call', null);
    const hits = 60;
    const calls = PLAN.reduce((n, m) => n + m.calls, 0);
    expect(malformed).toMatchObject({ state: 'armed', baseline: 'trailing_7d', alarm: false });
    expect(malformed.p0).toBe(Number(((hits + 0.5) / (calls + 1)).toPrecision(2)));
  });

  it('gives the same answer from a fresh runner: nothing is lost on restart', async () => {
    const again = await new ShiftRunner(server.store, { behaviors: [
      { name: 'wrong_sla', description: '', where: "output_text ILIKE '%hours%'", objective: 0.004 },
      { name: 'malformed_tool_call', description: '' },
    ], hash: '', source: undefined }).evaluate(evaluationTime);
    expect(again).toEqual(snapshot);
  });

  it('serves the detectors at /api/v1/shift and as gauges at /metrics', async () => {
    const { status, body } = await getApi<ShiftSnapshot>(server, '/api/v1/shift?behavior=wrong_sla&fingerprint=all');
    expect(status).toBe(200);
    expect(body.detectors.map((d) => [d.behavior, d.fingerprint, d.alarm])).toEqual([['wrong_sla', null, true]]);
    const metrics = parseExposition(await (await fetch(`${server.apiUrl}/metrics`)).text());
    expect(metrics.get('behavior_rate_shift_alarm{behavior="wrong_sla",fingerprint=""}')).toBe(1);
    expect(metrics.get('behavior_rate_shift_alarm{behavior="wrong_sla",fingerprint="fp_b"}')).toBe(1);
    expect(metrics.get('behavior_rate_shift_alarm{behavior="wrong_sla",fingerprint="fp_a"}')).toBe(0);
    expect(metrics.get('behavior_rate_shift_rate{behavior="wrong_sla",fingerprint=""}')).toBeCloseTo(25 / 880, 12);
    // No canary ran here, so there is no drift score to expose.
    expect(metrics.get('behavior_rate_canary_drift_score{model=""}')).toBe(undefined);
  });

  it('answers 400 naming the parameter for an unknown behavior or parameter', async () => {
    const unknown = await getApi<{ message: string }>(server, '/api/v1/shift?behavior=nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toMatch(/^behavior: no shift detector for "nope"; known: .*wrong_sla/);
    const typo = await getApi<{ message: string }>(server, '/api/v1/shift?behaviour=wrong_sla');
    expect(typo.status).toBe(400);
    expect(typo.body.message).toMatch(/behaviour: unknown parameter/);
  });
});
