import { writeFileSync } from 'node:fs';
import type { ReplayRunView } from '../replay/service.ts';
import { pollWithProgress } from '../replay/api-client.ts';
import { apiUrl, authorization, CommandError, durationOption, getJson, integerOption, parseOptions, postJson, UsageError, type Command } from './command.ts';

interface IncidentView {
  incidentId: string;
  state: 'replaying' | 'ready';
  replay: ReplayRunView | null;
  replayNote: string;
}

export const postmortemCommand: Command = {
  name: 'postmortem',
  summary: 'investigate an incident trace and write its postmortem (Markdown or HTML)',
  usage: `behavior-rate postmortem --trace TRACE_ID [options]

  --trace TRACE_ID    the incident's trace
  --span SPAN_ID      the GenAI call in it (default: the first live one, preferring one that shows --behavior)
  --behavior NAME     the reported behavior (default: the first the call showed)
  --replays N         replays of the call to estimate its rate (default 100; 0 for none)
  --concurrency C     replays in flight at once (default 8)
  --endpoint URL      OpenAI-compatible base URL for the replays (default: the sidecar's)
  --allow-missing     replay even when the span lacks request fields
  --window DURATION   half-width of the incident window (default 30m)
  --baseline DURATION the baseline before the window (default 6h)
  --format md|html    output format (default md; html has charts and needs no network)
  --out FILE          write here instead of stdout
  --url URL           sidecar API (default $BEHAVIOR_RATE_URL or http://127.0.0.1:8080)

Same as POST /api/v1/incidents, then GET /api/v1/incidents/ID/postmortem?format=md|html.`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      trace: { type: 'string' },
      span: { type: 'string' },
      behavior: { type: 'string' },
      replays: { type: 'string' },
      concurrency: { type: 'string' },
      endpoint: { type: 'string' },
      'allow-missing': { type: 'boolean', default: false },
      window: { type: 'string' },
      baseline: { type: 'string' },
      format: { type: 'string', default: 'md' },
      out: { type: 'string' },
      url: { type: 'string' },
    });
    if (values.trace === undefined) throw new UsageError('--trace: required (the incident trace id, 32 hex digits)');
    if (values.format !== 'md' && values.format !== 'html') throw new UsageError(`--format: expected md or html, got ${JSON.stringify(values.format)}`);
    const body: Record<string, unknown> = { traceId: values.trace, replays: integerOption('replays', values.replays, 100, 0, 10_000), allowMissing: values['allow-missing'] };
    if (values.span !== undefined) body.spanId = values.span;
    if (values.behavior !== undefined) body.behavior = values.behavior;
    if (values.concurrency !== undefined) body.concurrency = integerOption('concurrency', values.concurrency, 8, 1, 256);
    if (values.endpoint !== undefined) body.endpoint = values.endpoint;
    if (values.window !== undefined) body.windowMinutes = minutes('window', values.window, 1440);
    if (values.baseline !== undefined) body.baselineMinutes = minutes('baseline', values.baseline, 10_080);
    const base = apiUrl(values.url);
    const created = await postJson<IncidentView>(base, '/api/v1/incidents', body);
    console.error(`incident ${created.incidentId}${created.replayNote ? ` (no replays: ${created.replayNote})` : ''}`);
    const incident = await pollWithProgress(
      () => getJson<IncidentView>(base, `/api/v1/incidents/${created.incidentId}`),
      (v) => v.replay?.progress ?? null,
      (v) => v.state !== 'replaying',
    );
    if (incident.replay?.state === 'failed') console.error(`the replay run failed: ${incident.replay.error ?? 'unknown error'}; the postmortem says so`);
    const text = await fetchText(base, `/api/v1/incidents/${created.incidentId}/postmortem?format=${values.format}`);
    if (values.out === undefined) process.stdout.write(text);
    else {
      writeFileSync(values.out, text);
      console.error(`wrote ${values.out}`);
    }
  },
};

function minutes(name: string, value: string, max: number): number {
  const n = durationOption(name, value) / 60_000;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name}: expected whole minutes from 1m to ${max}m, got ${value}`);
  return n;
}

async function fetchText(base: string, path: string): Promise<string> {
  const response = await fetch(`${base}${path}`, { headers: authorization() }).catch((error: unknown) => {
    throw new CommandError(`cannot reach the sidecar at ${base}: ${(error as Error).message}`);
  });
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // Not JSON: the body itself is the message.
    }
    throw new CommandError(`${response.status} from ${path.split('?')[0]}: ${message}`);
  }
  return text;
}
