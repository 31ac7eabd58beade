import type { Store } from '../store/store.ts';
import type { CanaryConfig } from './config.ts';
import { CanaryLease } from './lease.ts';
import { CanaryRunner, type CanaryRunnerStatus, type CanaryRunSummary } from './runner.ts';
import { canaryApiKey, openAiSender } from './sender.ts';
import { startCanaryTelemetry, type CanaryTelemetry } from './telemetry.ts';

/** The sidecar's canary, if one is configured: the API reads its status from here. */
export class CanarySlot {
  runner: CanaryRunner | undefined;
  endpoint: string | undefined;
  holder: string | undefined;
  #telemetry: CanaryTelemetry | undefined;

  status(): (CanaryRunnerStatus & { configured: true; endpoint: string; holder: string | null }) | { configured: false } {
    if (this.runner === undefined || this.endpoint === undefined) return { configured: false };
    return { configured: true, endpoint: this.endpoint, holder: this.holder ?? null, ...this.runner.status() };
  }

  /** Stops the schedule, waits for a running run, then exports its spans. */
  async stop(): Promise<void> {
    await this.runner?.stop();
    await this.#telemetry?.flush().catch(() => undefined);
    await this.#telemetry?.shutdown().catch(() => undefined);
  }

  attach(runner: CanaryRunner, endpoint: string, telemetry: CanaryTelemetry, holder: string): void {
    this.runner = runner;
    this.endpoint = endpoint;
    this.#telemetry = telemetry;
    this.holder = holder;
  }
}

export interface CanaryServiceOptions {
  config: CanaryConfig;
  /** OpenAI-compatible base URL, including /v1. */
  endpoint: string;
  store: Store;
  /** This sidecar's OTLP receiver; canary spans take the same path as everyone's. */
  otlpUrl: string;
  intervalMs: number;
  concurrency: number;
  timeoutMs: number;
  log: (line: string) => void;
}

/** Starts the sidecar's canary runner on its schedule, behind the ClickHouse lease. */
export function startCanaryService(slot: CanarySlot, options: CanaryServiceOptions): void {
  const telemetry = startCanaryTelemetry({ otlpUrl: options.otlpUrl });
  const apiKey = canaryApiKey();
  if (apiKey === undefined) options.log('canary: no API key in BEHAVIOR_RATE_CANARY_API_KEY or OPENAI_API_KEY; sending requests without one');
  // A candidate silent for 2.5 intervals is presumed gone: one missed heartbeat is not a handover.
  const lease = new CanaryLease(options.store, Math.round(options.intervalMs * 2.5));
  const runner = new CanaryRunner({
    config: options.config,
    send: openAiSender(options.endpoint, apiKey),
    tracer: telemetry.tracer,
    intervalMs: options.intervalMs,
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    isLeader: () => lease.isLeader(),
    log: options.log,
    onRun: (summary) => options.log(describeRun(summary)),
  });
  slot.attach(runner, redactEndpoint(options.endpoint), telemetry, lease.holder);
  runner.start();
}

/** One log line per run. */
export function describeRun(summary: CanaryRunSummary): string {
  const ms = Date.parse(summary.finishedAt) - Date.parse(summary.startedAt);
  const errors = Object.entries(summary.errorTypes).map(([type, count]) => `${type} ${count}`).join(', ');
  return `canary run ${summary.runId}: ${summary.cases} cases, ${summary.answered} answered, ${summary.failed} failed their expected outcome, ${summary.errors} errors${errors === '' ? '' : ` (${errors})`} in ${(ms / 1000).toFixed(1)} s`;
}

/** The endpoint without credentials or query, safe to show in the status API. */
export function redactEndpoint(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
