import type { TrafficMixAnswer } from '../traffic/mix.ts';
import { apiUrl, getJson, parseOptions, type Command } from './command.ts';
import { percent, table } from './format.ts';
import { fixed, shortTime, sinceRange, sparkline, squeeze } from './time-range.ts';

export const trafficMixCommand: Command = {
  name: 'traffic-mix',
  summary: 'print how far the mix of traffic classes, operations and prompt templates moved from its baseline',
  usage: `behavior-rate traffic-mix [options]

  --since DURATION      how far back (default 6h)
  --step STEP           5m (default), 1m, 15m or 1h; each point's window is one step unless --window
  --window DURATION     calls compared with the baseline at each point
  --baseline DURATION   trailing baseline before each window (default 24h)
  --model MODEL / --service NAME   filters
  --source SOURCE       live (default), canary, replay or all
  --json                print the API's JSON answer
  --url URL             sidecar API (default $BEHAVIOR_RATE_URL or http://127.0.0.1:8080)`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      since: { type: 'string', default: '6h' },
      step: { type: 'string' },
      window: { type: 'string' },
      baseline: { type: 'string' },
      model: { type: 'string' },
      service: { type: 'string' },
      source: { type: 'string' },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
    });
    const { from, to } = sinceRange(values.since);
    const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    for (const name of ['step', 'window', 'baseline', 'model', 'service', 'source'] as const) {
      const value = values[name];
      if (value !== undefined) params.set(name, value);
    }
    const answer = await getJson<TrafficMixAnswer>(apiUrl(values.url), `/api/v1/traffic-mix?${params}`);
    console.log(values.json ? JSON.stringify(answer, null, 2) : formatTrafficMix(answer));
  },
};

export function formatTrafficMix(answer: TrafficMixAnswer): string {
  const lines = [`traffic mix ${shortTime(answer.from)} → ${shortTime(answer.to)} UTC (${answer.source} calls): ${answer.window_minutes}m windows vs ${answer.baseline.kind === 'trailing' ? `trailing ${answer.baseline.minutes / 60}h` : 'pinned baseline'}`];
  const scores = answer.points.map((point) => point.score);
  if (answer.peak === null) {
    lines.push('no score: no calls in the windows or their baseline');
    return lines.join('\n');
  }
  lines.push(`score  |${sparkline(squeeze(scores, 72), Math.max(answer.threshold * 2, answer.peak.score))}|  peak ${fixed(answer.peak.score)} at ${shortTime(answer.peak.t)}`);
  lines.push('', table(['t', 'score', 'class', 'operation', 'template', 'calls'], answer.points.slice(-8).map((point) => [
    shortTime(point.t),
    `${fixed(point.score)}${point.above_threshold ? ' !' : ''}`,
    fixed(point.by_dimension.traffic_class),
    fixed(point.by_dimension.operation),
    fixed(point.by_dimension.prompt_template),
    String(point.calls),
  ])));
  if (answer.peak.movers.length > 0) {
    lines.push('', `moved most at the peak (${shortTime(answer.peak.t)}):`);
    lines.push(table(['dimension', 'value', 'baseline', 'window', 'calls'], answer.peak.movers.map((m) => [m.dimension, m.value.slice(0, 40), percent(m.baseline_share), percent(m.window_share), String(m.window_calls)])));
  }
  return lines.join('\n');
}
