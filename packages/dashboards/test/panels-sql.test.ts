import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCallsView } from '../../sidecar/src/behaviors/calls-view.ts';
import { parseBehaviorConfig } from '../../sidecar/src/behaviors/config.ts';
import { migrate } from '../../sidecar/src/store/migrate.ts';
import { Store } from '../../sidecar/src/store/store.ts';
import { alertRulesProvisioning } from '../src/alerts.ts';
import { BEHAVIOR_RATE_SQL } from '../src/dashboards/behavior-rates.ts';
import { generate } from '../src/generate.ts';
import { expandPanelSql, expandServerMacros, grafanaIntervalMs, type MacroContext, type TemplateVariable } from '../src/macros.ts';
import { panelQueries, type PanelQuery } from './support/panel-queries.ts';
import { parseTime, runSql, shapeProblems } from './support/run.ts';
import {
  DRIFTING_CASE,
  FINGERPRINT_SWITCH,
  INCIDENT_SPAN,
  INCIDENT_TRACE,
  MINUTE,
  NEW_FINGERPRINT,
  NOW,
  seedCanaryOutcomes,
  seedWorld,
  toTraceRows,
  type SeedCall,
} from './support/seed.ts';

const world = seedWorld();
let store: Store;

beforeAll(async () => {
  store = new Store({ dataDir: mkdtempSync(join(tmpdir(), 'br-dashboards-')) });
  await migrate(store);
  await installCallsView(store, parseBehaviorConfig('', undefined));
  // Seeded as spans: the real views fill genai_calls and the per-minute tables the panels read.
  await store.insert('seed', 'otel_traces', toTraceRows(world.calls));
  await store.insert('seed', 'canary_outcomes_by_minute', seedCanaryOutcomes());
});

afterAll(async () => {
  await store?.close();
});

const FROM = new Date(NOW.getTime() - 24 * 60 * MINUTE);
/** Grafana's interval for a 24 h range on a ~1000 px panel: coarser than a minute, so bucketing is exercised. */
const INTERVAL_MS = grafanaIntervalMs(NOW.getTime() - FROM.getTime(), 1000, 60_000);

const all: TemplateVariable = { value: ['$__all'] };
const variables: Record<string, TemplateVariable> = {
  behavior: { value: ['refusal', 'truncated'] },
  service: all,
  model: all,
  fingerprint: all,
  traffic_class: all,
  source: { value: ['live'] },
  trace_id: { value: INCIDENT_TRACE },
  canary_model: { value: '$__all', allValue: '' },
};

/** A repeated panel gets one value of its repeat variable, as Grafana's repeat does. */
function contextFor(query: PanelQuery): MacroContext {
  const scoped = query.repeat === undefined ? variables : { ...variables, [query.repeat]: { value: 'refusal' } };
  return { from: FROM, to: NOW, intervalMs: INTERVAL_MS, variables: scoped };
}

// The generated JSON, exactly what Grafana is given.
const queries = Object.entries(generate())
  .filter(([path]) => path.endsWith('.json'))
  .flatMap(([name, text]) => panelQueries(name, JSON.parse(text)));

const minuteOf = (d: Date): number => Math.floor(d.getTime() / MINUTE) * MINUTE;
const inRange = (call: SeedCall): boolean => minuteOf(call.timestamp) >= FROM.getTime() && minuteOf(call.timestamp) <= NOW.getTime();
const liveInRange = world.calls.filter((c) => c.source === 'live' && inRange(c));

describe('every dashboard query runs on chDB and fits its panel', () => {
  it('finds the queries', () => {
    expect(queries.filter((q) => q.kind === 'panel').length).toBeGreaterThanOrEqual(12);
    expect(queries.some((q) => q.kind === 'annotation')).toBe(true);
    expect(queries.some((q) => q.kind === 'variable')).toBe(true);
  });

  it.each(queries.map((q) => [`${q.dashboard} / ${q.kind} / ${q.title}`, q] as const))('%s', async (_label, query) => {
    const sql = expandPanelSql(query.rawSql, contextFor(query));
    expect(sql).not.toMatch(/\$\{?\w/);
    const result = await runSql(store, sql);
    expect(shapeProblems(query, result)).toEqual([]);
    // The seeded world has data for every panel; an empty panel would hide a broken filter.
    expect(result.rows.length).toBeGreaterThan(0);
  });
});

describe('panel values match the seeded calls', () => {
  const find = (title: string): PanelQuery => {
    const query = queries.find((q) => q.title === title);
    if (query === undefined) throw new Error(`no panel "${title}"`);
    return query;
  };
  const run = async (title: string): Promise<Record<string, unknown>[]> => (await runSql(store, expandPanelSql(find(title).rawSql, contextFor(find(title))))).rows;

  it('rate per interval with a Wilson band that contains it, live traffic only', async () => {
    const rows = await run('Rate: $behavior');
    const buckets = new Map<number, { hits: number; calls: number }>();
    for (const call of liveInRange) {
      const bucket = Math.floor(minuteOf(call.timestamp) / INTERVAL_MS) * INTERVAL_MS;
      const entry = buckets.get(bucket) ?? { hits: 0, calls: 0 };
      entry.calls++;
      if (call.behaviors.includes('refusal')) entry.hits++;
      buckets.set(bucket, entry);
    }
    expect(rows.length).toBe(buckets.size);
    for (const row of rows) {
      const expected = buckets.get(parseTime(row.time).getTime());
      expect(expected).toBeDefined();
      const rate = Number(row.rate);
      expect(rate).toBeCloseTo((expected?.hits ?? 0) / (expected?.calls ?? 1), 12);
      expect(Number(row.lower)).toBeLessThanOrEqual(rate);
      expect(Number(row.upper)).toBeGreaterThanOrEqual(rate);
      expect(Number(row.lower)).toBeGreaterThanOrEqual(0);
      expect(Number(row.upper)).toBeLessThanOrEqual(1);
    }
  });

  it('breakdown counts equal the calls and hits of each slice', async () => {
    const rows = await run('Where each behavior is worst');
    const expected = new Map<string, { hits: number; calls: number }>();
    for (const behavior of ['refusal', 'truncated']) {
      for (const call of liveInRange) {
        const key = [behavior, call.request_model, call.fingerprint, call.service, call.traffic_class].join('|');
        const entry = expected.get(key) ?? { hits: 0, calls: 0 };
        entry.calls++;
        if (call.behaviors.includes(behavior)) entry.hits++;
        expected.set(key, entry);
      }
    }
    expect(rows.length).toBe(expected.size);
    for (const row of rows) {
      const key = [row.behavior, row.request_model, row.fingerprint, row.service, row.traffic_class].join('|');
      expect({ hits: Number(row.hits), calls: Number(row.calls) }).toEqual(expected.get(key));
    }
    const lowers = rows.map((row) => Number(row.lower));
    expect(lowers).toEqual([...lowers].sort((a, b) => b - a));
  });

  it('calls in range counts live calls only', async () => {
    const [row] = await run('Calls in range');
    expect(Number(row?.calls)).toBe(liveInRange.length);
  });

  it('annotates the fingerprint change at the minute it happened, and nothing else', async () => {
    const annotation = queries.find((q) => q.kind === 'annotation' && q.dashboard === 'behavior-rates.json') as PanelQuery;
    const rows = (await runSql(store, expandPanelSql(annotation.rawSql, contextFor(annotation)))).rows;
    const firstNew = Math.min(...world.calls.filter((c) => c.source === 'live' && c.fingerprint === NEW_FINGERPRINT).map((c) => minuteOf(c.timestamp)));
    expect(rows.map((row) => [parseTime(row.time).getTime(), row.text])).toEqual([[firstNew, `fingerprint ${NEW_FINGERPRINT} first seen for gpt-a`]]);
    expect(firstNew).toBeGreaterThanOrEqual(FINGERPRINT_SWITCH.getTime());
  });

  it('incident view finds the call and rates its replays', async () => {
    const [call] = await run('The call');
    expect(call).toMatchObject({ span_id: INCIDENT_SPAN, request_model: 'gpt-a', behaviors: ['refusal'] });
    const replays = world.calls.filter((c) => c.source === 'replay' && (c.replay_of === INCIDENT_SPAN || c.replay_of === INCIDENT_TRACE));
    const rates = await run('Replay rates');
    const refusal = rates.find((row) => row.behavior === 'refusal');
    expect(Number(refusal?.replays)).toBe(replays.length);
    expect(Number(refusal?.hits)).toBe(replays.filter((c) => c.behaviors.includes('refusal')).length);
    const outputs = await run('Replay outputs');
    expect(outputs.reduce((sum, row) => sum + Number(row.replays), 0)).toBe(replays.length);
  });
});

describe('a broken panel fails', () => {
  const query: PanelQuery = {
    dashboard: 'test',
    kind: 'panel',
    title: 'rate',
    panelType: 'timeseries',
    rawSql: BEHAVIOR_RATE_SQL,
    format: 0,
    fieldRefs: ['upper', 'lower'],
    repeat: 'behavior',
  };

  it('a query reading a column the table lacks is rejected by the engine', async () => {
    const sql = expandPanelSql(BEHAVIOR_RATE_SQL.replace('calls AS n', 'calls_total AS n'), contextFor(query));
    await expect(runSql(store, sql)).rejects.toThrow(/calls_total/);
  });

  it('a panel styling a column its query does not return is reported', async () => {
    const sql = expandPanelSql(BEHAVIOR_RATE_SQL.replace('AS upper', 'AS upper_bound'), contextFor(query));
    expect(shapeProblems(query, await runSql(store, sql))).toEqual([expect.stringContaining('"upper"')]);
  });
});

describe('alert rules run on chDB as Grafana evaluates them (backend macros only)', () => {
  const rules = (alertRulesProvisioning() as { groups: { rules: { uid: string; data: { refId: string; relativeTimeRange?: { from: number }; model: { rawSql?: string } }[] }[] }[] }).groups[0]?.rules ?? [];
  const evaluate = async (uid: string): Promise<Record<string, unknown>[]> => {
    const rule = rules.find((r) => r.uid === uid);
    const query = rule?.data.find((d) => d.refId === 'A');
    const from = new Date(NOW.getTime() - (query?.relativeTimeRange?.from ?? 0) * 1000);
    return (await runSql(store, expandServerMacros(query?.model.rawSql ?? '', { from, to: NOW, intervalMs: 60_000 }))).rows;
  };

  it('rate shift fires for the behavior and model whose rate rose, and only there', async () => {
    const rows = await evaluate('br-rate-shift');
    const firing = rows.filter((row) => Number(row.shift) > 1).map((row) => `${row.behavior}/${row.model}`);
    expect(firing).toEqual(['refusal/gpt-a']);
    expect(rows.length).toBeGreaterThan(1);
  });

  it('canary drift fires for the case whose answers moved, and only that one', async () => {
    const rows = await evaluate('br-canary-drift');
    const rules = (alertRulesProvisioning() as { groups: { rules: { uid: string; data: { refId: string; model: { conditions?: { evaluator: { params: number[] } }[] } }[] }[] }[] }).groups[0]?.rules;
    const threshold = rules?.find((r) => r.uid === 'br-canary-drift')?.data.find((d) => d.refId === 'B')?.model.conditions?.[0]?.evaluator.params[0] ?? NaN;
    expect(rows.length).toBe(2);
    expect(rows.filter((row) => Number(row.distance) > threshold).map((row) => row.case_id)).toEqual([DRIFTING_CASE]);
  });

  it('fingerprint change reports the new fingerprint of the model that changed', async () => {
    const rows = await evaluate('br-fingerprint-change');
    expect(rows.map((row) => [row.model, row.fingerprint, Number(row.new_fingerprint)])).toEqual([['gpt-a', NEW_FINGERPRINT, 1]]);
  });
});
