import type { Store } from '../store/store.ts';
import { isoFromSeconds, unixSeconds } from '../drift/baseline.ts';

/** Which calls the timeline counts. All by default: a backend seen by the canary has changed for everyone. */
export const FINGERPRINT_SOURCES = ['all', 'live', 'canary', 'replay'] as const;
export type FingerprintSource = (typeof FINGERPRINT_SOURCES)[number];

/** A model that keeps being called for this long without a backend has moved off it. Default 60 minutes. */
export const DEFAULT_QUIET_MINUTES = 60;

export interface FingerprintQuery {
  from: Date;
  to: Date;
  model?: string;
  service?: string;
  source?: FingerprintSource;
  quietMinutes?: number;
}

/** One backend (system fingerprint and response model) that answered a model. */
export interface FingerprintEntry {
  system_fingerprint: string;
  response_model: string;
  /** First and last minute with calls in the range, ISO 8601. */
  first_seen: string;
  last_seen: string;
  /** First minute ever recorded, which may be before the range. */
  first_seen_ever: string;
  calls: number;
  /** Share of the model's calls in the range. */
  share: number;
}

export interface ModelFingerprints {
  model: string;
  calls: number;
  fingerprints: FingerprintEntry[];
}

export interface BackendCount {
  system_fingerprint: string;
  response_model: string;
  calls: number;
}

/**
 * A backend change: `appeared` at the first minute a backend ever answered a model
 * that had answered before; `disappeared` at the first minute after its last call,
 * once the model went on being called without it for the quiet period.
 */
export interface FingerprintEvent {
  t: string;
  kind: 'appeared' | 'disappeared';
  model: string;
  system_fingerprint: string;
  response_model: string;
  /** Calls on this backend in the range. */
  calls: number;
  /** For `appeared`: the backends that answered the model in the quiet period before, with their calls. */
  previous: BackendCount[];
}

export interface FingerprintAnswer {
  from: string;
  to: string;
  model: string | null;
  service: string | null;
  source: FingerprintSource;
  quiet_minutes: number;
  models: ModelFingerprints[];
  events: FingerprintEvent[];
}

interface KeyRow {
  request_model: string;
  system_fingerprint: string;
  response_model: string;
  first_seen: number | string;
  last_seen: number | string;
  calls: number | string;
  first_seen_ever: number | string;
  last_seen_ever: number | string;
}

/** Events reported at most; a provider rotating backends every minute would otherwise flood the answer. */
const MAX_EVENTS = 500;

const FILTERS = `({model:String} = '' OR request_model = {model:String})
   AND ({service:String} = '' OR service = {service:String})
   AND ({source:String} = 'all' OR source = {source:String})`;

/** For each model, when each backend was first and last seen, with call counts, and the changes as events. */
export async function queryFingerprints(store: Store, query: FingerprintQuery): Promise<FingerprintAnswer> {
  const source = query.source ?? 'all';
  const quiet = query.quietMinutes ?? DEFAULT_QUIET_MINUTES;
  const filters = { model: query.model ?? '', service: query.service ?? '', source };
  const from = unixSeconds(query.from);
  const to = unixSeconds(query.to);
  // "Ever" stops at the range end: what came later is not known at the time being asked about.
  const rows = await store.query<KeyRow>(
    'fingerprints',
    `SELECT request_model, system_fingerprint, response_model,
       toUnixTimestamp(minIf(minute, minute >= toDateTime({from:UInt32}))) AS first_seen,
       toUnixTimestamp(maxIf(minute, minute >= toDateTime({from:UInt32}))) AS last_seen,
       sumIf(calls, minute >= toDateTime({from:UInt32})) AS calls,
       toUnixTimestamp(min(minute)) AS first_seen_ever,
       toUnixTimestamp(max(minute)) AS last_seen_ever
     FROM fingerprints_by_minute
     WHERE minute < toDateTime({to:UInt32}) AND ${FILTERS}
     GROUP BY request_model, system_fingerprint, response_model
     ORDER BY request_model, first_seen_ever, system_fingerprint, response_model`,
    { from, to, ...filters },
  );
  const byModel = new Map<string, KeyRow[]>();
  for (const row of rows) {
    const list = byModel.get(row.request_model) ?? [];
    list.push(row);
    byModel.set(row.request_model, list);
  }
  const models: ModelFingerprints[] = [];
  const events: FingerprintEvent[] = [];
  for (const [model, keys] of byModel) {
    const inRange = keys.filter((key) => Number(key.calls) > 0);
    const modelCalls = inRange.reduce((sum, key) => sum + Number(key.calls), 0);
    if (inRange.length > 0) {
      models.push({
        model,
        calls: modelCalls,
        fingerprints: inRange.map((key) => ({
          system_fingerprint: key.system_fingerprint,
          response_model: key.response_model,
          first_seen: isoFromSeconds(key.first_seen),
          last_seen: isoFromSeconds(key.last_seen),
          first_seen_ever: isoFromSeconds(key.first_seen_ever),
          calls: Number(key.calls),
          share: modelCalls === 0 ? 0 : Number(key.calls) / modelCalls,
        })),
      });
    }
    const modelFirst = Math.min(...keys.map((key) => Number(key.first_seen_ever)));
    const modelLast = Math.max(...keys.map((key) => Number(key.last_seen_ever)));
    for (const key of keys) {
      const firstEver = Number(key.first_seen_ever);
      if (firstEver >= from && firstEver > modelFirst) {
        events.push({ t: isoFromSeconds(firstEver), kind: 'appeared', model, system_fingerprint: key.system_fingerprint, response_model: key.response_model, calls: Number(key.calls), previous: [] });
      }
      const gone = Number(key.last_seen_ever) + 60;
      if (gone >= from && gone < to && modelLast - Number(key.last_seen_ever) >= quiet * 60) {
        events.push({ t: isoFromSeconds(gone), kind: 'disappeared', model, system_fingerprint: key.system_fingerprint, response_model: key.response_model, calls: Number(key.calls), previous: [] });
      }
    }
  }
  events.sort((a, b) => a.t.localeCompare(b.t) || a.model.localeCompare(b.model) || a.kind.localeCompare(b.kind));
  const reported = events.slice(0, MAX_EVENTS);
  for (const event of reported) if (event.kind === 'appeared') event.previous = await backendsBefore(store, event, quiet, filters);
  return {
    from: query.from.toISOString(),
    to: query.to.toISOString(),
    model: query.model ?? null,
    service: query.service ?? null,
    source,
    quiet_minutes: quiet,
    models,
    events: reported,
  };
}

/** The other backends that answered the event's model in the quiet period before it. */
async function backendsBefore(store: Store, event: FingerprintEvent, quiet: number, filters: Record<string, string>): Promise<BackendCount[]> {
  const at = unixSeconds(new Date(event.t));
  const rows = await store.query<{ system_fingerprint: string; response_model: string; calls: number | string }>(
    'fingerprints before',
    `SELECT system_fingerprint, response_model, sum(calls) AS calls
     FROM fingerprints_by_minute
     WHERE minute >= toDateTime({since:UInt32}) AND minute < toDateTime({at:UInt32}) AND ${FILTERS}
     GROUP BY system_fingerprint, response_model
     ORDER BY calls DESC, system_fingerprint, response_model`,
    { ...filters, model: event.model, since: at - quiet * 60, at },
  );
  return rows
    .filter((row) => row.system_fingerprint !== event.system_fingerprint || row.response_model !== event.response_model)
    .map((row) => ({ system_fingerprint: row.system_fingerprint, response_model: row.response_model, calls: Number(row.calls) }));
}
