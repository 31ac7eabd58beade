import { randomBytes } from 'node:crypto';
import { dateTime64 } from '../replay/service.ts';
import type { Store } from '../store/store.ts';

/** An incident as recorded: what to investigate and which replay run belongs to it. */
export interface IncidentRecord {
  incidentId: string;
  createdAt: string;
  traceId: string;
  spanId: string;
  behavior: string;
  windowMinutes: number;
  baselineMinutes: number;
  replayRunId: string;
  replayNote: string;
}

/** A new incident id: `inc_` and 12 hex digits. */
export function newIncidentId(): string {
  return `inc_${randomBytes(6).toString('hex')}`;
}

export async function saveIncident(store: Store, incident: IncidentRecord): Promise<void> {
  await store.insert('incident', 'incidents', [
    {
      incident_id: incident.incidentId,
      version: Date.now(),
      state: 'open',
      created_at: dateTime64(Date.parse(incident.createdAt)),
      trace_id: incident.traceId,
      span_id: incident.spanId,
      behavior: incident.behavior,
      window_minutes: incident.windowMinutes,
      baseline_minutes: incident.baselineMinutes,
      replay_run_id: incident.replayRunId,
      replay_note: incident.replayNote,
    },
  ]);
}

export async function loadIncident(store: Store, incidentId: string): Promise<IncidentRecord | undefined> {
  const rows = await store.query<{ incident_id: string; created_ms: string | number; trace_id: string; span_id: string; behavior: string; window_minutes: number; baseline_minutes: number; replay_run_id: string; replay_note: string }>(
    'incident',
    `SELECT incident_id, toUnixTimestamp64Milli(created_at) AS created_ms, trace_id, span_id, behavior, window_minutes, baseline_minutes, replay_run_id, replay_note
     FROM incidents FINAL WHERE incident_id = {id:String}`,
    { id: incidentId },
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    incidentId: row.incident_id,
    createdAt: new Date(Number(row.created_ms)).toISOString(),
    traceId: row.trace_id,
    spanId: row.span_id,
    behavior: row.behavior,
    windowMinutes: Number(row.window_minutes),
    baselineMinutes: Number(row.baseline_minutes),
    replayRunId: row.replay_run_id,
    replayNote: row.replay_note,
  };
}
