import type { FingerprintAnswer } from '../fingerprints/timeline.ts';
import { apiUrl, getJson, parseOptions, type Command } from './command.ts';
import { percent, table } from './format.ts';
import { shortTime, sinceRange } from './time-range.ts';

export const fingerprintsCommand: Command = {
  name: 'fingerprints',
  summary: 'print which backends (system fingerprint, response model) answered each model, and when that changed',
  usage: `behavior-rate fingerprints [options]

  --since DURATION   how far back, e.g. 6h, 7d (default 7d)
  --model MODEL      only this request model
  --service NAME     only this service
  --source SOURCE    all (default), live, canary or replay
  --quiet DURATION   a backend unseen this long while its model is called has disappeared (default 60m)
  --json             print the API's JSON answer
  --url URL          sidecar API (default $BEHAVIOR_RATE_URL or http://127.0.0.1:8080)`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      since: { type: 'string', default: '7d' },
      model: { type: 'string' },
      service: { type: 'string' },
      source: { type: 'string' },
      quiet: { type: 'string' },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
    });
    const { from, to } = sinceRange(values.since);
    const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    for (const name of ['model', 'service', 'source', 'quiet'] as const) {
      const value = values[name];
      if (value !== undefined) params.set(name, value);
    }
    const answer = await getJson<FingerprintAnswer>(apiUrl(values.url), `/api/v1/fingerprints?${params}`);
    console.log(values.json ? JSON.stringify(answer, null, 2) : formatFingerprints(answer));
  },
};

export function formatFingerprints(answer: FingerprintAnswer): string {
  const lines = [`backends ${shortTime(answer.from)} → ${shortTime(answer.to)} UTC (${answer.source} calls)`];
  if (answer.models.length === 0) lines.push('no calls in the range');
  for (const model of answer.models) {
    lines.push('', `${model.model || '(no model)'}: ${model.calls} calls`);
    lines.push(table(['system fingerprint', 'response model', 'first seen', 'last seen', 'calls', 'share'], model.fingerprints.map((f) => [
      f.system_fingerprint || '(none)',
      f.response_model || '(none)',
      shortTime(f.first_seen) + (f.first_seen_ever < f.first_seen ? '*' : ''),
      shortTime(f.last_seen),
      String(f.calls),
      percent(f.share),
    ])));
  }
  if (answer.models.some((m) => m.fingerprints.some((f) => f.first_seen_ever < f.first_seen))) lines.push('* also seen before the range');
  lines.push('', answer.events.length === 0 ? 'no backend change in the range' : 'changes:');
  for (const event of answer.events) {
    const backend = `${event.system_fingerprint || '(no fingerprint)'} / ${event.response_model || '(no response model)'}`;
    const before = event.previous.length === 0 ? '' : `  (before: ${event.previous.map((p) => `${p.system_fingerprint || p.response_model} ${p.calls} calls`).join(', ')})`;
    lines.push(`  ${shortTime(event.t)}  ${event.kind.padEnd(11)}  ${event.model}  ${backend}, ${event.calls} calls${before}`);
  }
  return lines.join('\n');
}
