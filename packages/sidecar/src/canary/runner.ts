import { randomBytes } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { withUncontrolledInputs } from '@behavior-rate/otel';
import pLimit from 'p-limit';
import type { CanaryCase, CanaryConfig } from './config.ts';
import { answerFromCompletion, judge, type CanaryVerdict } from './outcome.ts';
import { canaryErrorType, type CanarySender } from './sender.ts';

/** Span attributes of the runner's `canary.case` span; the canary_runs view reads exactly these. */
export const CANARY_SPAN_NAME = 'canary.case';
export const CANARY_ATTRIBUTES = {
  caseId: 'canary.case_id',
  runId: 'canary.run_id',
  configHash: 'canary.config_hash',
  requestModel: 'canary.request_model',
  responseModel: 'canary.response_model',
  systemFingerprint: 'canary.system_fingerprint',
  outcome: 'canary.outcome',
  flags: 'canary.flags',
  expectation: 'canary.expectation',
  failedChecks: 'canary.failed_checks',
  errorType: 'error.type',
} as const;

export interface CanaryRunnerOptions {
  config: CanaryConfig;
  send: CanarySender;
  tracer: Tracer;
  /** Time between run starts. Default 60 000 ms; at least 1 000. */
  intervalMs?: number;
  /** Cases in flight at once. Default 8. */
  concurrency?: number;
  /**
   * Longest wait for one answer. Default 30 000 ms, and never more than 80% of the
   * interval, so a run always ends before the next one is due.
   */
  timeoutMs?: number;
  /** Asked before each scheduled run; false skips it (another replica runs the canary). Default: always true. */
  isLeader?: () => Promise<boolean>;
  /** Called after every run with its summary. */
  onRun?: (summary: CanaryRunSummary) => void;
  /** Where the runner reports what it could not do. Default: nowhere. */
  log?: (line: string) => void;
  /** Milliseconds since the epoch. Default Date.now (tests drive their own). */
  now?: () => number;
}

/** What one case run gave. */
export interface CanaryCaseResult extends Partial<CanaryVerdict> {
  caseId: string;
  kind: 'answer' | 'error';
  /** For errors: timeout, rate_limited, server_error, client_error, connection_error, aborted, other. */
  errorType?: string;
  systemFingerprint?: string;
  durationMs: number;
}

export interface CanaryRunSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  cases: number;
  answered: number;
  /** Answered runs whose expected outcome failed. */
  failed: number;
  errors: number;
  /** Error type → count. */
  errorTypes: Record<string, number>;
  results: CanaryCaseResult[];
}

export interface CanaryRunnerStatus {
  cases: number;
  configSource: string;
  intervalMs: number;
  concurrency: number;
  timeoutMs: number;
  /** Whether the timer is running. */
  scheduled: boolean;
  /** Whether a run is in progress now. */
  running: boolean;
  /** Result of the last leadership check; null before the first. */
  leader: boolean | null;
  runs: number;
  /** Ticks skipped because the previous run was still going (never overlapping is the rule). */
  skippedBusy: number;
  /** Ticks skipped because another replica holds the canary lease. */
  skippedNotLeader: number;
  nextRunAt: string | null;
  lastRun: Omit<CanaryRunSummary, 'results'> | null;
}

const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_CONCURRENCY = 8;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A run's requests must all end well before the next tick: timeouts are capped at this share of the interval. */
const TIMEOUT_SHARE_OF_INTERVAL = 0.8;

/**
 * Runs the canary set on a fixed schedule. Ticks fall on multiples of the interval
 * (at whole minutes by default), so a slow run never pushes the next one later; a
 * tick that finds the previous run still going is skipped and counted, never
 * overlapped. Provider errors and timeouts are results like any other: recorded on
 * the case's span with their type, never dropped, never retried within the run.
 */
export class CanaryRunner {
  readonly #options: CanaryRunnerOptions;
  readonly #intervalMs: number;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #nextTick: number | undefined;
  #current: Promise<CanaryRunSummary> | undefined;
  #abort = new AbortController();
  #leader: boolean | null = null;
  #runs = 0;
  #skippedBusy = 0;
  #skippedNotLeader = 0;
  #lastRun: CanaryRunSummary | undefined;

  constructor(options: CanaryRunnerOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (!Number.isInteger(this.#intervalMs) || this.#intervalMs < 1000) throw new RangeError(`canary interval: expected at least 1000 ms, got ${this.#intervalMs}`);
    this.#concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) throw new RangeError(`canary concurrency: expected a positive integer, got ${this.#concurrency}`);
    this.#timeoutMs = Math.min(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, Math.floor(this.#intervalMs * TIMEOUT_SHARE_OF_INTERVAL));
    if (!(this.#timeoutMs >= 1)) throw new RangeError(`canary timeout: expected a positive number of ms, got ${String(options.timeoutMs)}`);
    this.#now = options.now ?? Date.now;
  }

  /** Starts the schedule: the first run at the next multiple of the interval. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#abort = new AbortController();
    this.#schedule(Math.ceil((this.#now() + 1) / this.#intervalMs) * this.#intervalMs);
  }

  /** Stops the schedule, aborts in-flight requests (recorded as aborted) and waits for the run to end. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextTick = undefined;
    this.#abort.abort();
    await this.#current?.catch(() => undefined);
  }

  /** Runs every case once now, unless a run is already going (then waits for that one). */
  runOnce(): Promise<CanaryRunSummary> {
    if (this.#current !== undefined) return this.#current;
    const run = this.#run().finally(() => {
      this.#current = undefined;
    });
    this.#current = run;
    return run;
  }

  status(): CanaryRunnerStatus {
    const last = this.#lastRun;
    return {
      cases: this.#options.config.cases.length,
      configSource: this.#options.config.source,
      intervalMs: this.#intervalMs,
      concurrency: this.#concurrency,
      timeoutMs: this.#timeoutMs,
      scheduled: this.#timer !== undefined,
      running: this.#current !== undefined,
      leader: this.#leader,
      runs: this.#runs,
      skippedBusy: this.#skippedBusy,
      skippedNotLeader: this.#skippedNotLeader,
      nextRunAt: this.#nextTick === undefined ? null : new Date(this.#nextTick).toISOString(),
      lastRun: last === undefined ? null : { ...last, results: undefined } as Omit<CanaryRunSummary, 'results'>,
    };
  }

  #schedule(at: number): void {
    this.#nextTick = at;
    this.#timer = setTimeout(() => void this.#tick(at), Math.max(0, at - this.#now()));
    // The schedule alone must not keep a process alive (the CLI exits on SIGINT).
    this.#timer.unref();
  }

  async #tick(at: number): Promise<void> {
    if (this.#timer === undefined) return;
    // The next tick is fixed before this run starts, so run time never shifts the schedule.
    let next = at + this.#intervalMs;
    while (next <= this.#now()) next += this.#intervalMs;
    this.#schedule(next);
    if (this.#current !== undefined) {
      this.#skippedBusy++;
      this.#options.log?.(`canary: run still in progress at ${new Date(at).toISOString()}; tick skipped`);
      return;
    }
    try {
      this.#leader = this.#options.isLeader === undefined ? true : await this.#options.isLeader();
    } catch (error) {
      // Without the store we cannot know who leads; not running is the safe side.
      this.#leader = false;
      this.#options.log?.(`canary: leadership check failed (${(error as Error).message}); run skipped`);
    }
    if (!this.#leader) {
      this.#skippedNotLeader++;
      return;
    }
    try {
      await this.runOnce();
    } catch (error) {
      this.#options.log?.(`canary: run failed: ${(error as Error).message}`);
    }
  }

  async #run(): Promise<CanaryRunSummary> {
    const started = this.#now();
    const runId = `${new Date(started).toISOString().slice(0, 16).replace(/[-:]/g, '')}-${randomBytes(4).toString('hex')}`;
    const limit = pLimit(this.#concurrency);
    const signal = this.#abort.signal;
    const results = await Promise.all(this.#options.config.cases.map((testCase) => limit(() => this.#runCase(testCase, runId, signal))));
    const errorTypes: Record<string, number> = {};
    for (const result of results) if (result.errorType !== undefined) errorTypes[result.errorType] = (errorTypes[result.errorType] ?? 0) + 1;
    const summary: CanaryRunSummary = {
      runId,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(this.#now()).toISOString(),
      cases: results.length,
      answered: results.filter((r) => r.kind === 'answer').length,
      failed: results.filter((r) => r.expectation === 'fail').length,
      errors: results.filter((r) => r.kind === 'error').length,
      errorTypes,
      results,
    };
    this.#runs++;
    this.#lastRun = summary;
    this.#options.onRun?.(summary);
    return summary;
  }

  async #runCase(testCase: CanaryCase, runId: string, runSignal: AbortSignal): Promise<CanaryCaseResult> {
    const started = performance.now();
    const span = this.#options.tracer.startSpan(CANARY_SPAN_NAME, {
      kind: SpanKind.INTERNAL,
      attributes: {
        [CANARY_ATTRIBUTES.caseId]: testCase.id,
        [CANARY_ATTRIBUTES.runId]: runId,
        [CANARY_ATTRIBUTES.configHash]: this.#options.config.hash,
        [CANARY_ATTRIBUTES.requestModel]: testCase.request.model,
      },
    });
    // One controller per case, aborted by its own timer (not AbortSignal.timeout: it follows the
    // schedule's clock) or by stop(). Not AbortSignal.any over the runner's long-lived signal:
    // that keeps every case's signal, and the SDK's listeners on it, alive as long as the runner.
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort(new DOMException('canary case timed out', 'TimeoutError'));
    }, this.#timeoutMs);
    const onStop = () => abort.abort(new DOMException('canary runner stopped', 'AbortError'));
    if (runSignal.aborted) onStop();
    else runSignal.addEventListener('abort', onStop, { once: true });
    const signal = abort.signal;
    try {
      // The GenAI span the instrumentation opens is this span's child and carries canary.case_id.
      const completion = await context.with(trace.setSpan(context.active(), span), () =>
        withUncontrolledInputs({ canaryCaseId: testCase.id }, () => untilAborted(this.#options.send(testCase.request, { signal, timeoutMs: this.#timeoutMs }), signal)),
      );
      const answer = answerFromCompletion(completion);
      const verdict = judge(testCase, answer);
      span.setAttributes({
        [CANARY_ATTRIBUTES.responseModel]: answer.responseModel,
        [CANARY_ATTRIBUTES.systemFingerprint]: answer.systemFingerprint,
        [CANARY_ATTRIBUTES.outcome]: verdict.outcome,
        [CANARY_ATTRIBUTES.flags]: JSON.stringify(verdict.flags),
        [CANARY_ATTRIBUTES.expectation]: verdict.expectation,
        [CANARY_ATTRIBUTES.failedChecks]: JSON.stringify(verdict.failedChecks),
      });
      return { caseId: testCase.id, kind: 'answer', ...verdict, systemFingerprint: answer.systemFingerprint, durationMs: performance.now() - started };
    } catch (error) {
      const errorType = canaryErrorType(error, timedOut);
      recordError(span, errorType, error);
      return { caseId: testCase.id, kind: 'error', errorType, durationMs: performance.now() - started };
    } finally {
      clearTimeout(timer);
      runSignal.removeEventListener('abort', onStop);
      span.end();
    }
  }
}

/** Settles with `promise`, or rejects as soon as `signal` aborts: a sender that ignores its signal cannot hold a run open. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

function recordError(span: Span, errorType: string, error: unknown): void {
  span.setAttribute(CANARY_ATTRIBUTES.errorType, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message.slice(0, 500) : String(error).slice(0, 500) });
}
