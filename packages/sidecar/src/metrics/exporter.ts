import { Counter, Gauge, Registry } from 'prom-client';
import { BUILTIN_BEHAVIORS, type BehaviorConfig } from '../behaviors/config.ts';
import { queryDrift } from '../drift/query.ts';
import type { ShiftRunner } from '../shift/runner.ts';
import type { Store } from '../store/store.ts';
import { readCounterValues, type CounterOptions, type CounterValues } from './counters.ts';

/** Options of {@link MetricsExporter}; every field has a default. */
export interface MetricsOptions extends Omit<CounterOptions, 'behaviors'> {
  /**
   * Counters are recomputed from ClickHouse at most this often, ms; scrapes in
   * between get the cached values. Default 10000.
   */
  refreshMs?: number;
}

/**
 * The Prometheus exposition of behavior rates. Counters are sums over the durable
 * per-minute tables (live traffic, up to the last complete minute); gauges come
 * from the shift runner. One registry per app, never the global one, so tests and
 * several apps in one process do not share series.
 */
export class MetricsExporter {
  readonly registry = new Registry();
  private readonly store: Store;
  private readonly behaviors: BehaviorConfig;
  private readonly shift: ShiftRunner | undefined;
  private readonly options: MetricsOptions;
  private readonly calls: Counter<'service' | 'model' | 'fingerprint'>;
  private readonly hits: Counter<'behavior' | 'service' | 'model' | 'fingerprint'>;
  private readonly fingerprintInfo: Gauge<'model' | 'fingerprint'>;
  private readonly countedUntil: Gauge;
  private readonly driftScore: Gauge<'model'>;
  private readonly shiftGauges: Record<'statistic' | 'threshold' | 'alarm' | 'baseline' | 'rate', Gauge<'behavior' | 'fingerprint'>>;
  /** Why the drift score could not be read at the last refresh, if it could not. */
  lastDriftError: unknown;
  private refreshed: { at: number; values: ExportedValues } | undefined;
  private refreshing: Promise<ExportedValues> | undefined;

  constructor(store: Store, behaviors: BehaviorConfig, shift: ShiftRunner | undefined, options: MetricsOptions = {}) {
    this.store = store;
    this.behaviors = behaviors;
    this.shift = shift;
    this.options = options;
    const registers = [this.registry];
    this.calls = new Counter({ name: 'behavior_rate_calls_total', help: 'Live GenAI calls up to the last complete minute, from ClickHouse.', labelNames: ['service', 'model', 'fingerprint'], registers });
    this.hits = new Counter({
      name: 'behavior_rate_behavior_hits_total',
      help: 'Live GenAI calls that showed the behavior, up to the last complete minute, from ClickHouse.',
      labelNames: ['behavior', 'service', 'model', 'fingerprint'],
      registers,
    });
    this.fingerprintInfo = new Gauge({ name: 'behavior_rate_fingerprint_info', help: 'The fingerprint that served most live calls of the model in the last hour (always 1).', labelNames: ['model', 'fingerprint'], registers });
    this.countedUntil = new Gauge({ name: 'behavior_rate_counted_until_timestamp_seconds', help: 'End of the last complete minute included in the counters, Unix seconds.', registers });
    this.driftScore = new Gauge({
      name: 'behavior_rate_canary_drift_score',
      help: 'Canary drift score in [0, 1] (mean bias-corrected Jensen–Shannon distance of canary answers, window vs baseline) at the last complete minute; absent while no case can be scored. model="" is every model.',
      // A labelled gauge can be absent; an unlabelled one would read 0, which looks like "no drift".
      labelNames: ['model'],
      registers,
    });
    const shiftGauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['behavior', 'fingerprint'], registers });
    this.shiftGauges = {
      statistic: shiftGauge('behavior_rate_shift_statistic', 'Bernoulli CUSUM statistic (nats) of the behavior against its baseline; fingerprint="" is all traffic.'),
      threshold: shiftGauge('behavior_rate_shift_threshold', 'CUSUM alarm threshold, calibrated for at most one false page per 30 days.'),
      alarm: shiftGauge('behavior_rate_shift_alarm', '1 from the minute the statistic reached the threshold until it returns to 0.'),
      baseline: shiftGauge('behavior_rate_shift_baseline_rate', 'The in-control rate p0: the objective, or the trailing 7-day rate.'),
      rate: shiftGauge('behavior_rate_shift_rate', 'Rate since the estimated change point (only while the statistic is above 0).'),
    };
  }

  /** Brings every series up to date and renders the exposition text. */
  async render(now: Date = new Date()): Promise<string> {
    // Read everything first, then replace the series in one synchronous stretch, so
    // concurrent scrapes never see half-updated values.
    // A failing detector run leaves its gauges out rather than failing the scrape: the counters still feed the burn-rate rules.
    const [values, snapshot] = await Promise.all([this.counterValues(now), this.shift?.latest().catch(() => undefined)]);
    this.calls.reset();
    for (const entry of values.calls) this.calls.inc(entry.labels, entry.value);
    this.hits.reset();
    for (const entry of values.hits) this.hits.inc(entry.labels, entry.value);
    this.fingerprintInfo.reset();
    for (const entry of values.currentFingerprints) this.fingerprintInfo.set(entry, 1);
    this.countedUntil.set(values.toSeconds);
    this.driftScore.reset();
    if (values.driftScore !== null) this.driftScore.set({ model: '' }, values.driftScore);
    for (const gauge of Object.values(this.shiftGauges)) gauge.reset();
    for (const detector of snapshot?.detectors ?? []) {
      if (detector.state !== 'armed') continue;
      const labels = { behavior: detector.behavior, fingerprint: detector.fingerprint ?? '' };
      this.shiftGauges.statistic.set(labels, detector.statistic);
      this.shiftGauges.threshold.set(labels, detector.threshold ?? Number.NaN);
      this.shiftGauges.alarm.set(labels, detector.alarm ? 1 : 0);
      this.shiftGauges.baseline.set(labels, detector.p0 ?? Number.NaN);
      const sinceChange = detector.sinceChange?.rate;
      if (sinceChange !== null && sinceChange !== undefined) this.shiftGauges.rate.set(labels, sinceChange);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async counterValues(now: Date): Promise<ExportedValues> {
    const refreshMs = this.options.refreshMs ?? 10_000;
    if (this.refreshed !== undefined && now.getTime() - this.refreshed.at < refreshMs) return this.refreshed.values;
    this.refreshing ??= this.read(now).finally(() => {
      this.refreshing = undefined;
    });
    const values = await this.refreshing;
    this.refreshed = { at: now.getTime(), values };
    return values;
  }

  private async read(now: Date): Promise<ExportedValues> {
    const toSeconds = Math.floor(now.getTime() / 60_000) * 60;
    const [counters, driftScore] = await Promise.all([
      readCounterValues(this.store, toSeconds, {
        ...this.options,
        behaviors: [...new Set([...BUILTIN_BEHAVIORS.map((b) => b.name), ...this.behaviors.behaviors.map((b) => b.name)])],
      }),
      this.readDriftScore(toSeconds),
    ]);
    return { ...counters, driftScore };
  }

  /** The canary drift score of the last complete minute, or null without scored canaries. */
  private async readDriftScore(toSeconds: number): Promise<number | null> {
    const minute = new Date((toSeconds - 60) * 1000);
    try {
      const answer = await queryDrift(this.store, { from: minute, to: new Date(minute.getTime() + 1000), step: '1m' });
      return answer.points.at(-1)?.score ?? null;
    } catch (error) {
      // The drift gauge is one of many series: its failure must not blind the rate counters and their alerts.
      this.lastDriftError = error;
      return null;
    }
  }
}

/** Everything one refresh reads. */
interface ExportedValues extends CounterValues {
  driftScore: number | null;
}
