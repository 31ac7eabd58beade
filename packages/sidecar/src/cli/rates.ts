import type { RateAnswer } from '../rates/query.ts';
import { apiUrl, durationOption, getJson, parseOptions, UsageError, type Command } from './command.ts';
import { percent, table } from './format.ts';

export const ratesCommand: Command = {
  name: 'rates',
  summary: 'print a behavior rate with its confidence interval',
  usage: `behavior-rate rates --behavior NAME [options]

  --behavior NAME     behavior to measure (see GET /api/v1/behaviors)
  --since DURATION    how far back, e.g. 30m, 6h, 7d (default 1h)
  --by DIMENSION      split by fingerprint, model, service, traffic_class, index_version or tool_schema_hash
  --source SOURCE     live (default), canary, replay or all
  --confidence C      interval level (default 0.95)
  --json              print the API's JSON answer
  --url URL           sidecar API (default $BEHAVIOR_RATE_URL or http://127.0.0.1:8080)`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      behavior: { type: 'string' },
      since: { type: 'string', default: '1h' },
      by: { type: 'string' },
      source: { type: 'string' },
      confidence: { type: 'string' },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
    });
    if (values.behavior === undefined) throw new UsageError('--behavior: required (e.g. --behavior truncated)');
    const sinceMs = durationOption('since', values.since);
    // The current minute is included: `to` is the start of the next minute.
    const to = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
    const from = new Date(to.getTime() - sinceMs);
    const params = new URLSearchParams({ behavior: values.behavior, from: from.toISOString(), to: to.toISOString() });
    if (values.by !== undefined) params.set('by', values.by);
    if (values.source !== undefined) params.set('source', values.source);
    if (values.confidence !== undefined) params.set('confidence', values.confidence);
    const answer = await getJson<RateAnswer>(apiUrl(values.url), `/api/v1/rates?${params}`);
    if (values.json) {
      console.log(JSON.stringify(answer, null, 2));
      return;
    }
    console.log(formatRates(answer));
  },
};

export function formatRates(answer: RateAnswer): string {
  const level = `${Math.round(answer.confidence * 100)}% CI`;
  const row = (name: string, r: RateAnswer['total']) => [name, String(r.hits), String(r.calls), percent(r.rate), `${percent(r.ci_low)} – ${percent(r.ci_high)}`];
  const rows = answer.series.map((series) => {
    const calls = series.points.reduce((sum, p) => sum + p.calls, 0);
    const hits = series.points.reduce((sum, p) => sum + p.hits, 0);
    const point = series.points.length === 1 ? series.points[0] : undefined;
    return row(series.group || '(none)', point ?? { calls, hits, rate: calls === 0 ? null : hits / calls, ci_low: Number.NaN, ci_high: Number.NaN });
  });
  rows.push(row('total', answer.total));
  const heading = `${answer.behavior} (${answer.source} traffic) ${answer.from} → ${answer.to}${answer.by ? `, by ${answer.by}` : ''}`;
  return `${heading}\n${table([answer.by ?? '', 'hits', 'calls', 'rate', level], rows)}`;
}
