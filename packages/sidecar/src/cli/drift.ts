import type { DriftAnswer } from '../drift/query.ts';
import { apiUrl, getJson, parseOptions, UsageError, type Command } from './command.ts';
import { percent, table } from './format.ts';
import { fixed, shortTime, sinceRange, sparkline, squeeze } from './time-range.ts';

export const driftCommand: Command = {
  name: 'drift',
  summary: 'print the canary drift score over time, and where each case stands now',
  usage: `behavior-rate drift [options]

  --since DURATION      how far back, e.g. 30m, 6h, 7d (default 6h)
  --step STEP           1m (default), 5m, 15m or 1h
  --window DURATION     runs compared with the baseline at each point (default 10m)
  --baseline DURATION   trailing baseline before each window (default 24h)
  --baseline-from TIME  pin the baseline instead (ISO 8601), with --baseline-to
  --baseline-to TIME
  --model MODEL         only this request model
  --threshold X         drift threshold (default 0.2)
  --json                print the API's JSON answer
  --url URL             sidecar API (default $BEHAVIOR_RATE_URL or http://127.0.0.1:8080)`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      since: { type: 'string', default: '6h' },
      step: { type: 'string' },
      window: { type: 'string' },
      baseline: { type: 'string' },
      'baseline-from': { type: 'string' },
      'baseline-to': { type: 'string' },
      model: { type: 'string' },
      threshold: { type: 'string' },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
    });
    const { from, to } = sinceRange(values.since);
    const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    if (values.threshold !== undefined && !/^(0?\.\d+|1(\.0*)?)$/.test(values.threshold)) {
      throw new UsageError(`--threshold: expected a number in (0, 1], got ${JSON.stringify(values.threshold)}`);
    }
    for (const [flag, name] of [['step', 'step'], ['window', 'window'], ['baseline', 'baseline'], ['baseline-from', 'baseline_from'], ['baseline-to', 'baseline_to'], ['model', 'model'], ['threshold', 'threshold']] as const) {
      const value = values[flag];
      if (value !== undefined) params.set(name, value);
    }
    const answer = await getJson<DriftAnswer>(apiUrl(values.url), `/api/v1/drift?${params}`);
    console.log(values.json ? JSON.stringify(answer, null, 2) : formatDrift(answer));
  },
};

/** Heading, a sparkline of the score, the latest points and the cases at the end of the range. */
export function formatDrift(answer: DriftAnswer): string {
  const baseline = answer.baseline.kind === 'trailing' ? `trailing ${answer.baseline.minutes / 60}h` : `${shortTime(answer.baseline.from)} → ${shortTime(answer.baseline.to)}`;
  const lines = [`canary drift ${shortTime(answer.from)} → ${shortTime(answer.to)} UTC${answer.model === null ? '' : `, model ${answer.model}`}: ${answer.window_minutes}m window vs ${baseline}, threshold ${answer.threshold}`];
  const scores = answer.points.map((point) => point.score);
  const scored = answer.points.filter((point) => point.score !== null);
  if (scored.length === 0) {
    lines.push('no drift score yet: no case has enough runs in the window and the baseline (is a canary running? see GET /api/v1/canary)');
  } else {
    const peak = scored.reduce((a, b) => ((b.score ?? 0) > (a.score ?? 0) ? b : a));
    const top = Math.max(answer.threshold * 2, peak.score ?? 0);
    lines.push(`score  |${sparkline(squeeze(scores, 72), top)}|  max ${fixed(peak.score)} at ${shortTime(peak.t)}`);
    lines.push(answer.crossings.length === 0 ? 'no threshold crossing in the range' : `threshold crossed at ${answer.crossings.map(shortTime).join(', ')}`);
  }
  const recent = answer.points.slice(-10);
  lines.push('', table(['t', 'score', 'cases', 'runs', 'errors', 'failed'], recent.map((point) => [
    shortTime(point.t),
    `${fixed(point.score)}${point.above_threshold ? ' !' : ''}`,
    `${point.cases_scored}/${point.cases}`,
    String(point.runs),
    point.errors === 0 ? '0' : `${point.errors} (${percent(point.error_share)})`,
    percent(point.expectation_failed_share),
  ])));
  if (answer.cases.length > 0) {
    lines.push('', `cases at ${shortTime(answer.points.at(-1)?.t ?? answer.to)}:`);
    lines.push(table(['case', 'distance', 'runs', 'baseline', 'errors', 'failed', 'moved most'], answer.cases.map((c) => [
      c.case_id,
      c.scored ? fixed(c.distance) : `(${fixed(c.distance)})`,
      String(c.runs),
      String(c.baseline_runs),
      String(c.errors),
      c.checked === 0 ? '—' : `${c.failed}/${c.checked}`,
      c.outcomes[0] === undefined ? '' : `${c.outcomes[0].outcome.slice(0, 40)} ${percent(c.outcomes[0].baseline)} → ${percent(c.outcomes[0].window)}`,
    ])));
  }
  return lines.join('\n');
}
