import type { Store } from '../store/store.ts';
import { chooseFingerprintLabels, KEY_SEPARATOR, NO_FINGERPRINT, OTHER_FINGERPRINTS, type FingerprintFirstSeen } from './fingerprint-labels.ts';

/** Labels of the calls counter. */
export interface CallLabels {
  service: string;
  model: string;
  fingerprint: string;
}

/** Cumulative live counts from ClickHouse up to the last complete minute. */
export interface CounterValues {
  calls: { labels: CallLabels; value: number }[];
  hits: { labels: CallLabels & { behavior: string }; value: number }[];
  /** Per model, the fingerprint that served most live calls in the last `currentWindowMinutes`. */
  currentFingerprints: { model: string; fingerprint: string }[];
  /** Exclusive end of the counted minutes, Unix seconds. */
  toSeconds: number;
}

/** Options of {@link readCounterValues}. */
export interface CounterOptions {
  /** Fingerprints with their own label per model (the newest). Default 5. */
  fingerprintsPerModel?: number;
  /** Window for the "current fingerprint", minutes. Default 60. */
  currentWindowMinutes?: number;
  /** Behaviors that get a series (at 0) on every calls series even before their first hit. */
  behaviors?: readonly string[];
}

type Row = Record<string, string | number>;

const label = (fingerprint: string) => (fingerprint === '' ? NO_FINGERPRINT : fingerprint);

/**
 * Reads the counters as sums over the per-minute tables up to (not including)
 * `toSeconds`, i.e. up to the last complete minute. They are recomputed from durable
 * tables at every read, so they include collector-ingested calls and carry on from
 * the same values after a restart.
 */
export async function readCounterValues(store: Store, toSeconds: number, options: CounterOptions = {}): Promise<CounterValues> {
  const perModel = options.fingerprintsPerModel ?? 5;
  const live = `source = 'live' AND minute < {to:DateTime}`;
  const seen = await store.query<Row>(
    'metrics fingerprints',
    `SELECT request_model, fingerprint, toUnixTimestamp(min(minute)) AS first FROM calls_by_minute WHERE ${live} GROUP BY request_model, fingerprint`,
    { to: toSeconds },
  );
  const labels = chooseFingerprintLabels(
    seen.map((row): FingerprintFirstSeen => ({ model: String(row.request_model), fingerprint: String(row.fingerprint), firstSeen: Number(row.first) })),
    perModel,
  );
  // Which label a minute's calls count under: the fingerprint, or "other" from its fold time on.
  const fingerprintLabel = `if(toUnixTimestamp(minute) >= transform(concat(request_model, {sep:String}, fingerprint), {keys:Array(String)}, {fold:Array(UInt32)}, toUInt32(4294967295)), {other:String}, fingerprint)`;
  const params = { to: toSeconds, sep: KEY_SEPARATOR, keys: labels.keys, fold: labels.foldFrom, other: OTHER_FINGERPRINTS, since: toSeconds - (options.currentWindowMinutes ?? 60) * 60 };
  const [callRows, hitRows, currentRows] = await Promise.all([
    store.query<Row>('metrics counters', `SELECT service, request_model, ${fingerprintLabel} AS fp, sum(calls) AS n FROM calls_by_minute WHERE ${live} GROUP BY service, request_model, fp`, params),
    store.query<Row>('metrics counters', `SELECT behavior, service, request_model, ${fingerprintLabel} AS fp, sum(hits) AS n FROM behavior_hits_by_minute WHERE ${live} GROUP BY behavior, service, request_model, fp`, params),
    store.query<Row>(
      'metrics counters',
      `SELECT request_model, argMax(fingerprint, n) AS fp FROM (
         SELECT request_model, fingerprint, sum(calls) AS n FROM calls_by_minute WHERE ${live} AND minute >= {since:DateTime} GROUP BY request_model, fingerprint
       ) GROUP BY request_model`,
      params,
    ),
  ]);
  // A folded-away fingerprint's own series is no longer exported; only current labels and "other" are.
  const exported = (model: string, fp: string) => fp === OTHER_FINGERPRINTS || labels.current.get(model)?.has(fp) === true;
  const calls = callRows
    .filter((row) => exported(String(row.request_model), String(row.fp)))
    .map((row) => ({ labels: { service: String(row.service), model: String(row.request_model), fingerprint: label(String(row.fp)) }, value: Number(row.n) }));
  const hitValues = new Map<string, { labels: CallLabels & { behavior: string }; value: number }>();
  const key = (l: CallLabels & { behavior: string }) => JSON.stringify([l.behavior, l.service, l.model, l.fingerprint]);
  // Every behavior has a series on every calls series from the start: a counter that
  // first appears at 1 would hide that hit from increase() in Prometheus.
  const known = new Set([...(options.behaviors ?? []), ...hitRows.map((row) => String(row.behavior))]);
  for (const call of calls) {
    for (const behavior of known) {
      const l = { behavior, ...call.labels };
      hitValues.set(key(l), { labels: l, value: 0 });
    }
  }
  for (const row of hitRows) {
    if (!exported(String(row.request_model), String(row.fp))) continue;
    const l = { behavior: String(row.behavior), service: String(row.service), model: String(row.request_model), fingerprint: label(String(row.fp)) };
    const entry = hitValues.get(key(l)) ?? { labels: l, value: 0 };
    entry.value += Number(row.n);
    hitValues.set(key(l), entry);
  }
  return {
    calls,
    hits: [...hitValues.values()],
    currentFingerprints: currentRows.map((row) => ({ model: String(row.request_model), fingerprint: label(String(row.fp)) })),
    toSeconds,
  };
}
