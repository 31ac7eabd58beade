import { loadCanaryConfig, type CanaryConfig } from '../canary/config.ts';
import { CanaryRunner, type CanaryRunSummary } from '../canary/runner.ts';
import { canaryApiKey, openAiSender } from '../canary/sender.ts';
import { describeRun } from '../canary/service.ts';
import { startCanaryTelemetry, type CanaryTelemetry } from '../canary/telemetry.ts';
import { CANARY_ADD_USAGE, canaryAdd } from './canary-add.ts';
import { apiUrl, CommandError, durationOption, getJson, integerOption, parseOptions, UsageError, type Command } from './command.ts';
import { table } from './format.ts';

const USAGE = `behavior-rate canary <run|check|status|add> [options]

  canary run --canaries FILE --endpoint URL [--once]
      Runs the canary set here, recording each case as spans sent to a sidecar's OTLP
      receiver (the same path as any app), and prints each run. Without --once it runs
      every --interval until interrupted: run it in exactly one place per database.
    --canaries FILE      the canary set (default ./canaries.yaml)
    --endpoint URL       OpenAI-compatible base URL incl. /v1 (key: env BEHAVIOR_RATE_CANARY_API_KEY or OPENAI_API_KEY)
    --otlp-url URL       OTLP/HTTP receiver (default $BEHAVIOR_RATE_OTLP_URL or http://127.0.0.1:4318)
    --once               one run, then exit
    --interval D         time between runs (default 60s)
    --concurrency N      cases in flight at once (default 8)
    --timeout D          longest wait for one answer (default 30s, at most 80% of the interval)
    --json               print each run's summary as JSON

  canary check --canaries FILE
      Validates the canary set and lists its cases.

  canary status [--url URL] [--json]
      What the sidecar's own canary runner is doing (GET /api/v1/canary).

  canary add --from-trace TRACE_ID [--canaries FILE] …
      Turns an incident's call into a case of the set:

${CANARY_ADD_USAGE}`;

export const canaryCommand: Command = {
  name: 'canary',
  summary: 'run, check, inspect or extend the canary set that measures drift',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    if (sub === 'run') return runCanary(rest);
    if (sub === 'check') return checkCanary(rest);
    if (sub === 'status') return canaryStatus(rest);
    if (sub === 'add') return canaryAdd(rest);
    throw new UsageError(sub === undefined ? 'expected a subcommand: run, check, status or add' : `unknown subcommand "${sub}" (run, check, status or add)`);
  },
};

async function runCanary(argv: string[]): Promise<void> {
  const { values } = parseOptions(argv, {
    canaries: { type: 'string', default: 'canaries.yaml' },
    endpoint: { type: 'string' },
    'otlp-url': { type: 'string' },
    once: { type: 'boolean', default: false },
    interval: { type: 'string', default: '60s' },
    concurrency: { type: 'string' },
    timeout: { type: 'string', default: '30s' },
    json: { type: 'boolean', default: false },
  });
  if (values.endpoint === undefined) throw new UsageError('--endpoint: required (the OpenAI-compatible base URL, e.g. https://api.openai.com/v1)');
  if (!/^https?:\/\/\S+$/.test(values.endpoint)) throw new UsageError(`--endpoint: expected an http(s) URL, got ${JSON.stringify(values.endpoint)}`);
  const intervalMs = durationOption('interval', values.interval);
  if (intervalMs < 1000) throw new UsageError('--interval: at least 1s');
  const timeoutMs = durationOption('timeout', values.timeout);
  if (timeoutMs < 1000) throw new UsageError('--timeout: at least 1s');
  const config = loadCanaryConfig(values.canaries);
  const otlpUrl = (values['otlp-url'] ?? process.env.BEHAVIOR_RATE_OTLP_URL ?? 'http://127.0.0.1:4318').replace(/\/$/, '');
  // A receiver that has not taken the spans within 5 s is not there: say so rather than wait.
  const telemetry = startCanaryTelemetry({ otlpUrl, exportTimeoutMs: 5000 });
  const print = (summary: CanaryRunSummary) => console.log(values.json ? JSON.stringify(summary) : formatRun(summary));
  const runner = new CanaryRunner({
    config,
    send: openAiSender(values.endpoint, canaryApiKey()),
    tracer: telemetry.tracer,
    intervalMs,
    concurrency: integerOption('concurrency', values.concurrency, 8, 1, 256),
    timeoutMs,
    log: (line) => console.error(line),
    onRun: values.once ? undefined : (summary) => {
      print(summary);
      // Flushing after each run makes an unreachable receiver visible within a run.
      void flushQuietly(telemetry).then(() => reportExport(telemetry.exportStats(), otlpUrl));
    },
  });
  if (values.once) {
    const summary = await runner.runOnce();
    await flushQuietly(telemetry);
    print(summary);
    const stats = telemetry.exportStats();
    await telemetry.shutdown().catch(() => undefined);
    if (stats.failed > 0) throw new CommandError(`${stats.failed} of ${stats.failed + stats.exported} spans could not be sent to ${otlpUrl}/v1/traces (${stats.lastError ?? 'export failed'}); is \`behavior-rate serve\` running there?`);
    return;
  }
  runner.start();
  console.error(`canary: ${config.cases.length} cases from ${config.source} every ${intervalMs / 1000} s; spans to ${otlpUrl}/v1/traces; Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    const stop = () => void runner.stop().then(() => flushQuietly(telemetry)).then(() => telemetry.shutdown()).catch(() => undefined).finally(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Flushes; a failed export is counted by the telemetry and reported from there, not thrown. */
async function flushQuietly(telemetry: CanaryTelemetry): Promise<void> {
  try {
    await telemetry.flush();
  } catch {
    // exportStats() has the failure.
  }
}

let reportedFailures = 0;
function reportExport(stats: { failed: number; lastError: string | null }, otlpUrl: string): void {
  if (stats.failed > reportedFailures) console.error(`canary: ${stats.failed - reportedFailures} spans could not be sent to ${otlpUrl}/v1/traces (${stats.lastError ?? 'export failed'})`);
  reportedFailures = stats.failed;
}

async function checkCanary(argv: string[]): Promise<void> {
  const { values } = parseOptions(argv, { canaries: { type: 'string', default: 'canaries.yaml' } });
  const config: CanaryConfig = loadCanaryConfig(values.canaries);
  console.log(`${config.source}: ${config.cases.length} cases, valid`);
  console.log(table(['case', 'model', 'expects', 'normaliser'], config.cases.map((c) => [
    c.id,
    c.request.model,
    [...c.expect.mustNot.map((b) => `no ${b}`), ...(c.expect.reference === undefined ? [] : ['reference']), ...(c.expect.match === undefined ? [] : ['match'])].join(', ') || '—',
    c.normalise.map((step) => step.kind).join(' → '),
  ])));
}

async function canaryStatus(argv: string[]): Promise<void> {
  const { values } = parseOptions(argv, { url: { type: 'string' }, json: { type: 'boolean', default: false } });
  const status = await getJson<Record<string, unknown>>(apiUrl(values.url), '/api/v1/canary');
  if (values.json || status['configured'] !== true) {
    console.log(values.json ? JSON.stringify(status, null, 2) : 'this sidecar runs no canary (serve --canaries FILE --canary-endpoint URL)');
    return;
  }
  const last = status['lastRun'] as Omit<CanaryRunSummary, 'results'> | null;
  console.log([
    `canary: ${String(status['cases'])} cases from ${String(status['configSource'])} → ${String(status['endpoint'])}, every ${Number(status['intervalMs']) / 1000} s`,
    `leader: ${status['leader'] === null ? 'not checked yet' : status['leader'] ? 'this sidecar' : 'another sidecar'}; runs ${String(status['runs'])}, skipped ${String(status['skippedBusy'])} busy / ${String(status['skippedNotLeader'])} not leader; next ${String(status['nextRunAt'] ?? '—')}`,
    last === null ? 'no run yet' : `last: ${describeRun({ ...last, results: [] })}`,
  ].join('\n'));
}

/** A run as a heading and one row per case. */
export function formatRun(summary: CanaryRunSummary): string {
  return `${describeRun(summary)}\n${table(['case', 'result', 'outcome', 'flags', 'failed checks'], summary.results.map((r) => [
    r.caseId,
    r.kind === 'error' ? `error: ${r.errorType ?? 'other'}` : r.expectation ?? 'none',
    r.kind === 'error' ? '' : (r.outcome ?? '').slice(0, 48),
    (r.flags ?? []).join(','),
    (r.failedChecks ?? []).join(','),
  ]))}`;
}
