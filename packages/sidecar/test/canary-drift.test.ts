import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctedDistance, jensenShannonDivergence } from '../src/drift/divergence.ts';
import { DRIFT_DEFAULTS, type DriftAnswer } from '../src/drift/query.ts';
import { SIM_EPOCH_S, simulateCanaryHistory, type SimRun } from './canary-sim.ts';
import { getApi, startTestServer, type TestServer } from './helpers.ts';

/** Ten cases, once a minute: a day of baseline, a stable day, then a silent provider update. */
const CASES = 10;
const DAY = 1440;
const CHANGE_AT = 2 * DAY;
const MINUTES = CHANGE_AT + 60;
const iso = (minute: number) => new Date((SIM_EPOCH_S + minute * 60) * 1000).toISOString();
const minuteOf = (t: string) => (Date.parse(t) / 1000 - SIM_EPOCH_S) / 60;

describe('canary drift score', () => {
  let server: TestServer;
  let runs: SimRun[];
  let day: DriftAnswer;

  beforeAll(async () => {
    server = await startTestServer();
    const history = simulateCanaryHistory({ cases: CASES, minutes: MINUTES, changeAtMinute: CHANGE_AT, seed: 6, errorRate: 0.02 });
    runs = history.runs;
    for (let i = 0; i < history.rows.length; i += 10_000) {
      await server.store.insert('test canary history', 'otel_traces', history.rows.slice(i, i + 10_000));
    }
    const response = await getApi<DriftAnswer>(server, `/api/v1/drift?from=${iso(DAY)}&to=${iso(MINUTES)}`);
    expect(response.status).toBe(200);
    day = response.body;
  }, 120_000);
  afterAll(async () => server?.dispose());

  it('stays under the default threshold through a stable simulated day', () => {
    const stable = day.points.filter((point) => minuteOf(point.t) < CHANGE_AT);
    expect(stable).toHaveLength(DAY);
    // Every point is scored: ten cases, each with a full window and baseline.
    expect(stable.every((point) => point.cases_scored === CASES)).toBe(true);
    const crossings = day.crossings.filter((t) => minuteOf(t) < CHANGE_AT);
    expect(crossings).toEqual([]);
    const highest = Math.max(...stable.map((point) => point.score ?? 0));
    expect(highest).toBeLessThan(DRIFT_DEFAULTS.threshold);
    expect(highest).toBeGreaterThan(0);
  });

  it('rises within minutes of the provider change and stays above anything the stable day showed', () => {
    const crossing = day.crossings.find((t) => minuteOf(t) >= CHANGE_AT);
    expect(crossing).toBeDefined();
    const delay = minuteOf(crossing!) - CHANGE_AT;
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(DRIFT_DEFAULTS.windowMinutes);
    const stableMax = Math.max(...day.points.filter((point) => minuteOf(point.t) < CHANGE_AT).map((point) => point.score ?? 0));
    const settled = day.points.filter((point) => minuteOf(point.t) >= CHANGE_AT + DRIFT_DEFAULTS.windowMinutes).map((point) => point.score ?? 0);
    expect(Math.min(...settled)).toBeGreaterThan(stableMax);
    const median = [...settled].sort((a, b) => a - b)[Math.floor(settled.length / 2)]!;
    expect(median).toBeGreaterThan(DRIFT_DEFAULTS.threshold);
  });

  it('computes in SQL exactly the reference definition, and leaves errors out of the score', async () => {
    const minute = CHANGE_AT + 4;
    const window = DRIFT_DEFAULTS.windowMinutes;
    const at = await getApi<DriftAnswer>(server, `/api/v1/drift?from=${iso(minute)}&to=${iso(minute + 1)}`);
    expect(at.status).toBe(200);
    const point = at.body.points[0]!;
    const distances: number[] = [];
    let errors = 0;
    for (const testCase of at.body.cases) {
      const mine = runs.filter((run) => run.caseId === testCase.case_id);
      const inWindow = mine.filter((run) => run.minute > minute - window && run.minute <= minute);
      const inBaseline = mine.filter((run) => run.minute > minute - window - DAY && run.minute <= minute - window);
      const keys = [...new Set(mine.filter((run) => run.kind === 'answer').map((run) => run.key))];
      const count = (list: SimRun[]) => keys.map((key) => list.filter((run) => run.kind === 'answer' && run.key === key).length);
      const expected = correctedDistance(count(inWindow), count(inBaseline));
      expect(testCase.distance).toBeCloseTo(expected, 12);
      expect(testCase.raw_distance).toBeCloseTo(Math.sqrt(jensenShannonDivergence(count(inWindow), count(inBaseline))), 12);
      expect(testCase.runs + testCase.errors).toBe(inWindow.length);
      expect(testCase.errors).toBe(inWindow.filter((run) => run.kind === 'error').length);
      distances.push(expected);
      errors += testCase.errors;
    }
    expect(point.score).toBeCloseTo(distances.reduce((a, b) => a + b, 0) / distances.length, 12);
    expect(point.errors).toBe(errors);
    expect(errors).toBeGreaterThan(0);
  });

  it('shows what moved in each case, and how often the expected outcome failed', () => {
    const last = day.cases;
    expect(last).toHaveLength(CASES);
    // The case that moved most shows which answer it moved to, by share before and now.
    const moved = [...last].sort((a, b) => (b.distance ?? 0) - (a.distance ?? 0))[0]!;
    const top = moved.outcomes[0]!;
    expect(top.outcome).toMatch(/^(7 days|14 days|yes|no|unsure|red|blue|green)$/);
    expect(Math.abs(top.window - top.baseline)).toBeGreaterThan(0.1);
    expect(last.reduce((sum, c) => sum + c.failed, 0)).toBeGreaterThan(0);
    const before = day.points.find((point) => minuteOf(point.t) === CHANGE_AT - 1)!;
    const after = day.points.at(-1)!;
    expect(after.expectation_failed_share!).toBeGreaterThan(before.expectation_failed_share!);
  });

  it('compares with a pinned baseline when given one', async () => {
    const pinned = await getApi<DriftAnswer>(server, `/api/v1/drift?from=${iso(CHANGE_AT - 30)}&to=${iso(MINUTES)}&step=5m&baseline_from=${iso(0)}&baseline_to=${iso(DAY)}`);
    expect(pinned.status).toBe(200);
    expect(pinned.body.baseline).toEqual({ kind: 'pinned', from: iso(0), to: iso(DAY) });
    expect(pinned.body.points).toHaveLength(18);
    expect(pinned.body.points[0]!.above_threshold).toBe(false);
    expect(pinned.body.points.at(-1)!.above_threshold).toBe(true);
  });

  it('returns unscored points, not errors, where there is no canary data', async () => {
    const empty = await getApi<DriftAnswer>(server, `/api/v1/drift?from=2025-06-01T00:00:00Z&to=2025-06-01T00:10:00Z`);
    expect(empty.status).toBe(200);
    expect(empty.body.points).toHaveLength(10);
    expect(empty.body.points.every((point) => point.score === null && point.cases === 0)).toBe(true);
    expect(empty.body.cases).toEqual([]);
  });

  it.each([
    ['from=2026-01-02T00:00:00Z', 'to: required'],
    ['from=yesterday&to=2026-01-02T00:00:00Z', 'from: expected an ISO 8601 timestamp'],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'to: must be after from'],
    ['from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&window=0m', 'window: expected a duration from 1m to 7d'],
    ['from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&step=2m', 'step: must be equal to one of the allowed values'],
    ['from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&baseline=24h&baseline_from=2026-01-01T00:00:00Z', 'baseline: give either a trailing baseline'],
    ['from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&baseline_to=2026-01-01T00:00:00Z', 'baseline_from: required with baseline_to'],
    ['from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 'step: 1m over this range gives more than'],
    ['from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&threshold=2', 'threshold: must be <= 1'],
    ['from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&min_runs=0', 'min_runs: must be >= 1'],
    ['from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&case=x', 'case: unknown parameter'],
  ])('refuses %s with a message naming the parameter', async (query, message) => {
    const response = await getApi<{ message: string }>(server, `/api/v1/drift?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.message).toContain(message);
  });
});
