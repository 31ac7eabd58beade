import { readFileSync } from 'node:fs';
import { parseBehaviorConfig } from '../behaviors/config.ts';
import type { ReplayReport } from '../replay/report.ts';
import type { ReplayRunView } from '../replay/service.ts';
import { pollWithProgress } from '../replay/api-client.ts';
import { apiUrl, CommandError, durationOption, getJson, integerOption, parseOptions, postJson, UsageError, type Command } from './command.ts';
import { percent, table } from './format.ts';

export const replayCommand: Command = {
  name: 'replay',
  summary: 'replay a captured call N times and estimate its behavior rates',
  usage: `behavior-rate replay (--span SPAN_ID | --trace TRACE_ID | --request FILE) -n N [options]

  --span SPAN_ID      the GenAI span to replay (its request is rebuilt from the captured attributes)
  --trace TRACE_ID    the trace's first live GenAI call (with --behavior: one that shows it)
  --request FILE      a chat-completions request body (JSON) to send instead
  -n, --count N       replays to send (1-10000)
  --concurrency C     replays in flight at once (default 8)
  --endpoint URL      OpenAI-compatible base URL (default: the sidecar's $BEHAVIOR_RATE_REPLAY_ENDPOINT,
                      $OPENAI_BASE_URL, else https://api.openai.com/v1); the key is the sidecar's $OPENAI_API_KEY
  --behavior NAME     the reported behavior the verdict is about (default: the first the call showed)
  --behaviors FILE    report only these behaviors (a behaviors.yaml); each must be one the sidecar evaluates
  --allow-missing     replay even when the span lacks request fields (they are listed in the report)
  --timeout DURATION  per-attempt timeout (default 60s)
  --retries N         retries per replay on 429, 5xx and timeouts, with backoff (default 4)
  --json              print the API's JSON answer
  --url URL           sidecar API (default $BEHAVIOR_RATE_URL or http://127.0.0.1:8080)

The sidecar sends the replays and records each as a GenAI span (replay.of = the span,
replay.run_id = the run) through its OTLP receiver, so they sit beside production.`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      span: { type: 'string' },
      trace: { type: 'string' },
      request: { type: 'string' },
      count: { type: 'string', short: 'n' },
      concurrency: { type: 'string' },
      endpoint: { type: 'string' },
      behavior: { type: 'string' },
      behaviors: { type: 'string' },
      'allow-missing': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      retries: { type: 'string' },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
    });
    const sources = [values.span, values.trace, values.request].filter((v) => v !== undefined).length;
    if (values.request !== undefined ? sources !== 1 : sources === 0) throw new UsageError('give --span, --trace or --request (--span and --trace may go together)');
    if (values.count === undefined) throw new UsageError('-n: required (how many replays, e.g. -n 100)');
    const body: Record<string, unknown> = { count: integerOption('count', values.count, 100, 1, 10_000), allowMissing: values['allow-missing'] };
    if (values.span !== undefined) body.spanId = values.span;
    if (values.trace !== undefined) body.traceId = values.trace;
    if (values.request !== undefined) body.request = readRequestFile(values.request);
    if (values.concurrency !== undefined) body.concurrency = integerOption('concurrency', values.concurrency, 8, 1, 256);
    if (values.endpoint !== undefined) body.endpoint = values.endpoint;
    if (values.behavior !== undefined) body.behavior = values.behavior;
    if (values.timeout !== undefined) body.timeoutMs = durationOption('timeout', values.timeout);
    if (values.retries !== undefined) body.maxRetries = integerOption('retries', values.retries, 4, 0, 10);
    const base = apiUrl(values.url);
    const only = values.behaviors === undefined ? undefined : await behaviorsFromFile(base, values.behaviors);
    const started = await postJson<ReplayRunView>(base, '/api/v1/replays', body);
    const view = await pollWithProgress(
      () => getJson<ReplayRunView>(base, `/api/v1/replays/${started.runId}`),
      (v) => v.progress,
      (v) => v.state !== 'running',
    );
    if (view.state === 'failed' || view.report === null) throw new CommandError(`replay run ${view.runId} failed: ${view.error ?? 'no report'}`);
    const report = only === undefined ? view.report : { ...view.report, behaviorRates: view.report.behaviorRates.filter((r) => only.has(r.behavior) || r.behavior === view.report?.reportedBehavior) };
    console.log(values.json ? JSON.stringify({ ...view, report }, null, 2) : formatReplayReport(report));
  },
};

function readRequestFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--request: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--request: ${path} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * The behaviors named in a behaviors file, checked against what the sidecar evaluates:
 * behaviors are computed at ingest from the sidecar's own file, so a definition the
 * sidecar does not have (or has differently) cannot be applied to the replays.
 */
async function behaviorsFromFile(base: string, path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--behaviors: cannot read ${path}: ${(error as Error).message}`);
  }
  const config = parseBehaviorConfig(text, path);
  const { behaviors } = await getJson<{ behaviors: { name: string; where: string | null }[] }>(base, '/api/v1/behaviors');
  for (const behavior of config.behaviors) {
    const known = behaviors.find((b) => b.name === behavior.name);
    if (known === undefined) throw new UsageError(`--behaviors: ${path}: the sidecar does not evaluate "${behavior.name}"; add it to the sidecar's behaviors.yaml and restart it`);
    if (behavior.where !== undefined && known.where !== behavior.where) {
      throw new UsageError(`--behaviors: ${path}: "${behavior.name}" differs from the sidecar's definition (${known.where ?? 'none'}); replays are classified by the sidecar's`);
    }
  }
  return new Set(config.behaviors.map((b) => b.name));
}

/** The replay report as plain text. */
export function formatReplayReport(report: ReplayReport): string {
  const lines: string[] = [];
  const failures = Object.entries(report.failures).map(([reason, count]) => `${reason}: ${count}`).join(', ');
  lines.push(`Replay of ${report.replayOf}: ${report.requested} requested, ${report.completed} completed, ${report.failed} failed${failures === '' ? '' : ` (${failures})`}, ${report.retries} retries, ${(report.wallMs / 1000).toFixed(1)} s`);
  if (report.missingFields.length > 0) lines.push(`Not resent (not captured): ${report.missingFields.join(', ')}`);
  if (report.spansMissing > 0) lines.push(`${report.spansMissing} replay spans did not reach the store and are not counted.`);
  lines.push('', 'Outputs, grouped after whitespace and case folding:');
  lines.push(table(['output', 'replays', 'share', 'behaviors'], report.histogram.slice(0, 20).map((g) => [g.label.length > 70 ? `${g.label.slice(0, 69)}…` : g.label, String(g.count), percent(g.share), g.behaviors.join(', ') || '—'])));
  if (report.histogram.length > 20) lines.push(`… ${report.histogram.length - 20} more distinct outputs`);
  lines.push('', 'Replays by behavior set:');
  lines.push(table(['behaviors', 'replays'], report.behaviorSets.map((s) => [s.behaviors.join(' + ') || 'none', String(s.count)])));
  lines.push('', `Behavior rates over the ${report.completed} completed replays:`);
  lines.push(table(['behavior', 'hits', 'replays', 'rate', '95% CI', '95% upper'], report.behaviorRates.map((r) => [r.behavior, String(r.hits), String(r.calls), percent(r.rate), `${percent(r.ci_low)} – ${percent(r.ci_high)}`, percent(r.upper)])));
  lines.push('', `Fingerprints in the replays: ${report.fingerprints.map((f) => `${f.fingerprint || '(none)'} (${f.count})`).join(', ') || 'none'}; the incident's: ${report.incidentFingerprint ?? 'not captured'}`);
  if (report.verdict !== null) lines.push('', report.verdict.text);
  return lines.join('\n');
}
