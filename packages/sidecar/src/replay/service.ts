import { randomUUID } from 'node:crypto';
import type { BehaviorRate } from '@behavior-rate/stats';
import { BUILTIN_BEHAVIORS, type BehaviorConfig } from '../behaviors/config.ts';
import { StoreQueryError, StoreUnavailableError, type Store } from '../store/store.ts';
import { buildReplayReport, replayRows, type ReplayReport, type ReplayRunMeta } from './report.ts';
import type { ReplaySource } from './request-source.ts';
import { runReplays, type ReplayProgress } from './runner.ts';
import { replayTelemetry } from './telemetry.ts';

/** How a run is asked for (the request is already resolved to a body). */
export interface ReplayStart {
  source: ReplaySource;
  count: number;
  concurrency: number;
  endpoint: string;
  apiKey: string;
  /** The behavior the verdict is about; default the first the incident call showed. */
  behavior: string | null;
  timeoutMs?: number;
  maxRetries?: number;
  /** Live rate in the incident window, for the verdict's comparison. */
  production?: BehaviorRate | null;
}

export type ReplayState = 'running' | 'done' | 'failed';

/** A run as the API shows it. */
export interface ReplayRunView {
  runId: string;
  state: ReplayState;
  replayOf: string;
  progress: ReplayProgress;
  report: ReplayReport | null;
  error: string | null;
}

interface RunRecord {
  view: ReplayRunView;
  done: Promise<void>;
}

/** Runs kept in memory for progress and reports; older ones are read back from the store. */
const MAX_RUNS_IN_MEMORY = 200;
/** How long to wait for replay spans to be queryable after the exporter's flush. */
const SETTLE_MS = 5_000;

/**
 * Starts replay runs, tracks their progress, and turns their spans into reports. The
 * run's bookkeeping is written to `replay_runs`; its outputs are ordinary spans.
 */
export class ReplayService {
  readonly #store: Store;
  readonly #behaviors: () => BehaviorConfig;
  readonly #otlpUrl: () => string | undefined;
  readonly #runs = new Map<string, RunRecord>();

  constructor(store: Store, behaviors: () => BehaviorConfig, otlpUrl: () => string | undefined) {
    this.#store = store;
    this.#behaviors = behaviors;
    this.#otlpUrl = otlpUrl;
  }

  /** Starts a run and returns at once; `wait(runId)` resolves when it has finished. */
  async start(start: ReplayStart): Promise<ReplayRunView> {
    const otlpUrl = this.#otlpUrl();
    if (otlpUrl === undefined) throw new Error('replays need the OTLP receiver to be listening');
    const telemetry = replayTelemetry(otlpUrl);
    const runId = randomUUID();
    const view: ReplayRunView = {
      runId,
      state: 'running',
      replayOf: start.source.replayOf,
      progress: { total: start.count, done: 0, completed: 0, failed: 0, retries: 0 },
      report: null,
      error: null,
    };
    const createdAt = Date.now();
    await this.#persist(view, start, createdAt, null);
    const done = (async () => {
      try {
        const result = await runReplays(
          {
            body: start.source.body,
            count: start.count,
            concurrency: start.concurrency,
            endpoint: start.endpoint,
            apiKey: start.apiKey,
            replayOf: start.source.replayOf,
            runId,
            ...(start.source.call === null ? {} : { indexVersion: start.source.call.indexVersion }),
            ...(start.timeoutMs === undefined ? {} : { timeoutMs: start.timeoutMs }),
            ...(start.maxRetries === undefined ? {} : { maxRetries: start.maxRetries }),
          },
          (progress) => {
            view.progress = progress;
          },
        );
        view.progress = { total: result.total, done: result.done, completed: result.completed, failed: result.failed, retries: result.retries };
        await telemetry.flush();
        const meta: ReplayRunMeta = {
          runId,
          replayOf: start.source.replayOf,
          requested: start.count,
          completed: result.completed,
          failed: result.failed,
          failures: result.failures,
          retries: result.retries,
          wallMs: result.wallMs,
          missingFields: start.source.missing,
        };
        const rows = await this.#settledRows(runId, result.done);
        const call = start.source.call;
        const behavior = start.behavior ?? call?.behaviors.find((b) => b !== 'error') ?? null;
        view.report = buildReplayReport(meta, rows, {
          behavior,
          knownBehaviors: this.#knownBehaviors(),
          incidentBehaviors: call?.behaviors ?? null,
          incidentFingerprint: call === null ? null : call.fingerprint === '' ? null : call.fingerprint,
          production: start.production ?? null,
        });
        view.state = 'done';
        await this.#persist(view, start, createdAt, result.wallMs, result.failures);
      } catch (error) {
        view.state = 'failed';
        // Store errors carry SQL and engine text: those stay in the log, the view says what failed.
        view.error = error instanceof StoreQueryError || error instanceof StoreUnavailableError ? 'the store failed while recording the run; see the sidecar log' : error instanceof Error ? error.message : String(error);
        if (view.error !== (error as Error).message) console.error(`replay run ${runId} failed`, error);
        await this.#persist(view, start, createdAt, null).catch(() => {});
      }
    })();
    this.#runs.set(runId, { view, done });
    if (this.#runs.size > MAX_RUNS_IN_MEMORY) {
      const oldest = [...this.#runs].find(([, record]) => record.view.state !== 'running');
      if (oldest !== undefined) this.#runs.delete(oldest[0]);
    }
    return view;
  }

  /** The run's current view, or undefined for an unknown run id. */
  get(runId: string): ReplayRunView | undefined {
    return this.#runs.get(runId)?.view;
  }

  /** Resolves when the run has finished (done or failed). */
  async wait(runId: string): Promise<ReplayRunView | undefined> {
    const record = this.#runs.get(runId);
    if (record === undefined) return undefined;
    await record.done;
    return record.view;
  }

  /** Builds the report of a finished run again, e.g. for a postmortem against other context. */
  async report(runId: string, ctx: Parameters<typeof buildReplayReport>[2]): Promise<ReplayReport | null> {
    const rows = await this.#store.query<{ replay_of: string; requested: number; completed: number; failed: number; failures: string; retries: number; wall_ms: string | number; missing_fields: string[]; state: string }>(
      'replay run',
      'SELECT replay_of, requested, completed, failed, failures, retries, wall_ms, missing_fields, state FROM replay_runs FINAL WHERE run_id = {runId:String}',
      { runId },
    );
    const run = rows[0];
    if (run === undefined || run.state !== 'done') return null;
    const meta: ReplayRunMeta = {
      runId,
      replayOf: run.replay_of,
      requested: run.requested,
      completed: run.completed,
      failed: run.failed,
      failures: JSON.parse(run.failures || '{}') as Record<string, number>,
      retries: run.retries,
      wallMs: Number(run.wall_ms),
      missingFields: run.missing_fields,
    };
    return buildReplayReport(meta, await replayRows(this.#store, runId), { ...ctx, knownBehaviors: this.#knownBehaviors() });
  }

  #knownBehaviors(): string[] {
    return [...BUILTIN_BEHAVIORS.map((b) => b.name), ...this.#behaviors().behaviors.map((b) => b.name)];
  }

  /** The exporter's flush returns after the receiver committed; still, wait briefly for every span. */
  async #settledRows(runId: string, expected: number) {
    const deadline = Date.now() + SETTLE_MS;
    let rows = await replayRows(this.#store, runId);
    while (rows.length < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      rows = await replayRows(this.#store, runId);
    }
    return rows;
  }

  async #persist(view: ReplayRunView, start: ReplayStart, createdAt: number, wallMs: number | null, failures: Record<string, number> = {}): Promise<void> {
    await this.#store.insert('replay run', 'replay_runs', [
      {
        run_id: view.runId,
        version: Date.now() * 10 + (view.state === 'running' ? 0 : 1),
        state: view.state,
        created_at: dateTime64(createdAt),
        finished_at: view.state === 'running' ? null : dateTime64(Date.now()),
        replay_of: view.replayOf,
        trace_id: start.source.call?.traceId ?? '',
        endpoint: start.endpoint,
        requested: start.count,
        concurrency: start.concurrency,
        completed: view.progress.completed,
        failed: view.progress.failed,
        retries: view.progress.retries,
        failures: JSON.stringify(failures),
        missing_fields: start.source.missing,
        request_body: JSON.stringify(start.source.body),
        wall_ms: Math.round(wallMs ?? 0),
        error: view.error ?? '',
      },
    ]);
  }
}

/** A DateTime64(3) value as ClickHouse parses it in JSONEachRow: UTC text, no zone suffix. */
export function dateTime64(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}
