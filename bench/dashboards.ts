/**
 * Dashboard query time over 30 days of 1M calls/day on embedded chDB.
 *
 *   npm exec -- node bench/dashboards.ts [--days 30] [--calls-per-day 1000000] [--runs 3]
 *
 * Seeds the per-minute tables directly (the panels read only those; raw spans are not
 * needed) at a realistic cardinality: per minute, the ~700 calls spread over up to 160
 * slices of service × model × fingerprint × traffic class × index version × tool schema
 * × source, six behaviors at 0.2–5%, 20 canary cases, and a traffic-mix table. The
 * incident view gets one day of typed calls plus an incident with 100 replays.
 * Then runs every dashboard's queries (panels, variables, annotations) over the whole
 * range as Grafana would (30 days / 1000 points → 1 h interval) and every alert rule,
 * and prints the median total time per dashboard.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installCallsView } from '../packages/sidecar/src/behaviors/calls-view.ts';
import { parseBehaviorConfig } from '../packages/sidecar/src/behaviors/config.ts';
import { migrate } from '../packages/sidecar/src/store/migrate.ts';
import { Store } from '../packages/sidecar/src/store/store.ts';
import { alertRulesProvisioning } from '../packages/dashboards/src/alerts.ts';
import { generate } from '../packages/dashboards/src/generate.ts';
import { expandPanelSql, expandServerMacros, grafanaIntervalMs, type TemplateVariable } from '../packages/dashboards/src/macros.ts';

const { values } = parseArgs({
  options: { days: { type: 'string', default: '30' }, 'calls-per-day': { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
});
const days = Number(values.days);
const callsPerDay = Number(values['calls-per-day']);
const runs = Number(values.runs);
const MINUTE = 60_000;
const now = Math.floor(Date.UTC(2026, 10, 20, 12, 0, 0) / MINUTE) * MINUTE;
const start = now - days * 1440 * MINUTE;
const startSec = start / 1000;
const minutes = days * 1440;
const SLICES = 160;
const callsPerMinute = callsPerDay / 1440;

const dir = mkdtempSync(join(tmpdir(), 'br-bench-dashboards-'));
const store = new Store({ dataDir: dir });
const t0 = performance.now();
await migrate(store);
await installCallsView(store, parseBehaviorConfig('', undefined));
// The per-minute tables are seeded directly; the views from genai_calls would double count.
for (const view of ['calls_by_minute_mv', 'behavior_hits_by_minute_mv', 'fingerprints_by_minute_mv', 'traffic_mix_by_minute_mv']) {
  await store.command('bench', `DROP VIEW IF EXISTS ${view}`);
}

/** Slice keys of row `number` (minute × slice), from hashes so every run seeds the same data. */
const SLICE_KEYS = `
    toDateTime(${startSec}) + intDiv(number, ${SLICES}) * 60 AS minute,
    number % ${SLICES} AS slice,
    ['chat', 'search', 'support', 'agent', 'summarize'][1 + slice % 5] AS service,
    ['gpt-4.1', 'gpt-4.1-mini', 'claude-sonnet', 'llama-70b'][1 + intDiv(slice, 5) % 4] AS request_model,
    concat('fp_', toString(intDiv(slice, 5) % 4), '_', toString(intDiv(toRelativeDayNum(minute) + intDiv(slice, 5) % 4 * 3, 10))) AS fingerprint,
    ['web', 'api', 'batch', 'internal'][1 + intDiv(slice, 20) % 4] AS traffic_class,
    concat('idx-', toString(intDiv(toRelativeDayNum(minute), 7))) AS index_version,
    ['tools-a', 'tools-b'][1 + intDiv(slice, 80) % 2] AS tool_schema_hash,
    multiIf(slice < 150, 'live', slice < 155, 'canary', 'replay') AS source,
    -- Skewed slice sizes (a few big slices, a long tail) averaging the calls per minute;
    -- stochastic rounding (floor(x + u)) keeps the mean unbiased.
    toUInt64(floor(${(callsPerMinute * 2) / SLICES} * (1 + sin(slice)) * (cityHash64(number, 1) % 1000) / 1000 + (cityHash64(number, 2) % 1000) / 1000)) AS calls`;

await store.command(
  'bench seed calls',
  `INSERT INTO calls_by_minute (minute, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source, calls)
   SELECT minute, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source, calls
   FROM (SELECT ${SLICE_KEYS} FROM numbers(${minutes * SLICES})) WHERE calls > 0`,
);
await store.command(
  'bench seed hits',
  `INSERT INTO behavior_hits_by_minute (behavior, minute, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source, hits)
   SELECT behavior, minute, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source, hits
   FROM (
     SELECT ${SLICE_KEYS},
       arrayJoin([('refusal', 0.02), ('truncated', 0.05), ('error', 0.005), ('content_filtered', 0.002), ('hallucinated_sla', 0.01), ('pii_leak', 0.003)]) AS b,
       b.1 AS behavior,
       toUInt64(floor(calls * b.2 + (cityHash64(number, behavior) % 1000) / 1000)) AS hits
     FROM numbers(${minutes * SLICES})
   ) WHERE hits > 0`,
);
await store.command(
  'bench seed mix',
  `INSERT INTO traffic_mix_by_minute (minute, service, request_model, source, traffic_class, operation, prompt_template_hash, calls)
   SELECT minute, service, request_model, source, traffic_class, 'chat', concat('tpl-', toString(slice % 6)), calls
   FROM (SELECT ${SLICE_KEYS} FROM numbers(${minutes * SLICES})) WHERE calls > 0`,
);
await store.command(
  'bench seed fingerprints',
  `INSERT INTO fingerprints_by_minute (minute, request_model, system_fingerprint, response_model, service, source, calls)
   SELECT minute, request_model, fingerprint, request_model, service, source, calls
   FROM (SELECT ${SLICE_KEYS} FROM numbers(${minutes * SLICES})) WHERE calls > 0`,
);
// 20 canary cases, 1 run a minute each, 1-3 outcome classes.
await store.command(
  'bench seed canary',
  `INSERT INTO canary_outcomes_by_minute (minute, request_model, case_id, kind, outcome_key, expectation, runs)
   SELECT toDateTime(${startSec}) + intDiv(number, 20) * 60, 'gpt-4.1', concat('case-', toString(number % 20)), 'answer',
     concat('outcome-', toString(cityHash64(number) % 3 = 0 ? 1 : 0)), if(cityHash64(number) % 3 = 0, 'fail', 'pass'), 1
   FROM numbers(${minutes * 20})`,
);
// One day of typed calls (about callsPerDay rows) for the incident view, plus an incident and its replays.
await store.command(
  'bench seed calls table',
  `INSERT INTO genai_calls (timestamp, trace_id, span_id, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source, replay_of, output_text, behaviors)
   SELECT toDateTime64(${now / 1000 - 86400} + number * ${86400 / callsPerDay}, 9), lower(hex(cityHash64(number, 't'))), lower(hex(cityHash64(number, 's'))),
     'chat', 'gpt-4.1', 'fp_0_1', 'web', 'idx-4', 'tools-a', 'live', '', 'answer', if(number % 50 = 0, ['refusal'], [])
   FROM numbers(${callsPerDay})`,
);
await store.command(
  'bench seed incident',
  `INSERT INTO genai_calls (timestamp, trace_id, span_id, service, request_model, fingerprint, source, replay_of, output_text, behaviors)
   SELECT toDateTime64(${now / 1000 - 3600} + number, 9), if(number = 0, 'incident', concat('replay-', toString(number))), concat('span-', toString(number)),
     'chat', 'gpt-4.1', 'fp_0_1', if(number = 0, 'live', 'replay'), if(number = 0, '', 'span-0'),
     if(number % 7 = 0, 'seven hours', 'seven days'), if(number % 7 = 0, ['refusal'], [])
   FROM numbers(101)`,
);
for (const table of ['calls_by_minute', 'behavior_hits_by_minute', 'traffic_mix_by_minute', 'canary_outcomes_by_minute', 'genai_calls']) {
  await store.command('bench', `OPTIMIZE TABLE ${table} FINAL`);
}
const seeded = await store.query<{ table: string; rows: string; bytes: string }>(
  'bench',
  `SELECT table, sum(rows) AS rows, sum(data_compressed_bytes) AS bytes FROM system.parts WHERE active AND database = currentDatabase()
     AND table IN ('calls_by_minute', 'behavior_hits_by_minute', 'traffic_mix_by_minute', 'canary_outcomes_by_minute', 'genai_calls') GROUP BY table ORDER BY table`,
);
const [{ calls: totalCalls } = { calls: '0' }] = await store.query<{ calls: string }>('bench', 'SELECT sum(calls) AS calls FROM calls_by_minute');
console.log(`seeded ${days} days in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${totalCalls} calls;`, seeded.map((r) => `${r.table} ${r.rows} rows (${(Number(r.bytes) / Number(r.rows)).toFixed(1)} B/row)`).join(', '));

const from = new Date(start);
const to = new Date(now);
const intervalMs = grafanaIntervalMs(now - start, 1000, 60_000);
const all: TemplateVariable = { value: ['$__all'] };
const variables: Record<string, TemplateVariable> = {
  behavior: { value: ['refusal', 'truncated', 'error', 'content_filtered', 'hallucinated_sla', 'pii_leak'] },
  service: all,
  model: all,
  fingerprint: all,
  traffic_class: all,
  source: { value: ['live'] },
  trace_id: { value: 'incident' },
  canary_model: { value: '$__all', allValue: '' },
};

interface Query {
  title: string;
  sql: string;
}

function dashboardQueries(json: string): Query[] {
  const dashboard = JSON.parse(json) as {
    panels: { title: string; repeat?: string; maxDataPoints?: number; targets: { rawSql: string }[] }[];
    annotations: { list: { name: string; target?: { rawSql: string } }[] };
    templating: { list: { name: string; type: string; query: unknown }[] };
  };
  const queries: Query[] = [];
  for (const panel of dashboard.panels) {
    // A repeated panel runs once per selected value.
    const repeats = panel.repeat === undefined ? [undefined] : (variables[panel.repeat]?.value as string[]);
    for (const value of repeats) {
      const scoped = value === undefined || panel.repeat === undefined ? variables : { ...variables, [panel.repeat]: { value } };
      // Grafana derives the interval from the panel's max data points when it sets one.
      const panelInterval = panel.maxDataPoints === undefined ? intervalMs : grafanaIntervalMs(now - start, panel.maxDataPoints, 60_000);
      for (const target of panel.targets) queries.push({ title: panel.title, sql: expandPanelSql(target.rawSql, { from, to, intervalMs: panelInterval, variables: scoped }) });
    }
  }
  for (const annotation of dashboard.annotations.list) {
    if (annotation.target !== undefined) queries.push({ title: annotation.name, sql: expandPanelSql(annotation.target.rawSql, { from, to, intervalMs, variables }) });
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type === 'query') queries.push({ title: `$${variable.name}`, sql: expandPanelSql(String(variable.query), { from, to, intervalMs, variables }) });
  }
  return queries;
}

async function timeQueries(queries: Query[]): Promise<{ total: number; slowest: string }> {
  let total = 0;
  let slowest = { title: '', ms: 0 };
  for (const query of queries) {
    const began = performance.now();
    await store.query('bench dashboards', query.sql);
    const ms = performance.now() - began;
    total += ms;
    if (ms > slowest.ms) slowest = { title: query.title, ms };
  }
  return { total, slowest: `${slowest.title} ${slowest.ms.toFixed(0)} ms` };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

// The machine may be shared: the minimum is the cost of the queries, the median what a viewer may wait.
console.log(`range ${days} d, interval ${intervalMs / 1000} s, ${runs} runs, total per dashboard (median / min):`);
for (const [file, json] of Object.entries(generate()).filter(([path]) => path.endsWith('.json'))) {
  const queries = dashboardQueries(json);
  const results = [];
  for (let run = 0; run < runs; run++) results.push(await timeQueries(queries));
  const totals = results.map((r) => r.total);
  console.log(`  ${file.padEnd(22)} ${String(queries.length).padStart(3)} queries  ${median(totals).toFixed(0).padStart(6)} / ${Math.min(...totals).toFixed(0).padStart(6)} ms  (slowest: ${results.at(-1)?.slowest})`);
}

const rules = (alertRulesProvisioning() as { groups: { rules: { title: string; data: { refId: string; relativeTimeRange?: { from: number }; model: { rawSql?: string } }[] }[] }[] }).groups.flatMap((g) => g.rules);
for (const rule of rules) {
  const query = rule.data.find((d) => d.refId === 'A');
  const sql = expandServerMacros(query?.model.rawSql ?? '', { from: new Date(now - (query?.relativeTimeRange?.from ?? 0) * 1000), to, intervalMs: 60_000 });
  const times = [];
  for (let run = 0; run < runs; run++) times.push((await timeQueries([{ title: rule.title, sql }])).total);
  console.log(`  alert: ${rule.title.padEnd(22)} ${median(times).toFixed(0).padStart(6)} / ${Math.min(...times).toFixed(0).padStart(6)} ms`);
}
await store.close();
rmSync(dir, { recursive: true, force: true });
