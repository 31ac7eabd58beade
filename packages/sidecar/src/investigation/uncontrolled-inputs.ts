import type { Store } from '../store/store.ts';
import type { IncidentCall } from './incident-call.ts';
import type { IncidentWindow } from './window.ts';

/** The inputs nobody controls, by genai_calls column, with the span attribute each comes from. */
export const UNCONTROLLED_INPUTS = [
  { column: 'index_version', attribute: 'retrieval.index.version', label: 'retrieval index version' },
  { column: 'freshness_lag_ms', attribute: 'retrieval.freshness_lag_ms', label: 'vector-store freshness lag (ms)' },
  { column: 'tool_schema_hash', attribute: 'tool.schema.hash', label: 'tool-schema hash' },
  { column: 'prompt_template_hash', attribute: 'prompt.template.hash', label: 'prompt-template hash' },
  { column: 'traffic_class', attribute: 'traffic.class', label: 'traffic class' },
] as const;
export type UncontrolledInputColumn = (typeof UNCONTROLLED_INPUTS)[number]['column'];

/** Values of one input among live calls, with how many calls had each. '' means not captured on those calls. */
export interface ValueCounts {
  value: string;
  calls: number;
}

/** One uncontrolled input around the incident. */
export interface UncontrolledInputChange {
  column: UncontrolledInputColumn;
  attribute: string;
  label: string;
  /** Value on the incident call; null when the incident span did not carry it. */
  atIncident: string | null;
  before: ValueCounts[];
  during: ValueCounts[];
  /** No call in the baseline or the window, nor the incident, carried it. */
  captured: boolean;
  /** The set of values during the window differs from the baseline's (for the lag: median moved by more than half). */
  changed: boolean;
  /** For the freshness lag, median lag before and during; null when not captured. */
  medianBefore: number | null;
  medianDuring: number | null;
}

function incidentValue(call: IncidentCall, column: UncontrolledInputColumn): string | null {
  const value = column === 'freshness_lag_ms' ? call.freshnessLagMs : { index_version: call.indexVersion, tool_schema_hash: call.toolSchemaHash, prompt_template_hash: call.promptTemplateHash, traffic_class: call.trafficClass }[column];
  return value === null || value === '' ? null : String(value);
}

/**
 * For each uncontrolled input: its value on the incident call, its values among live
 * calls of the same service in the baseline and in the window, and whether it changed.
 */
export async function uncontrolledInputChanges(store: Store, call: IncidentCall, window: IncidentWindow): Promise<UncontrolledInputChange[]> {
  const params = {
    service: call.service,
    beforeFrom: window.before.from.getTime(),
    duringFrom: window.during.from.getTime(),
    duringTo: window.during.to.getTime(),
  };
  const out: UncontrolledInputChange[] = [];
  for (const input of UNCONTROLLED_INPUTS) {
    // The column name comes from the fixed list above, never from a request.
    const value = input.column === 'freshness_lag_ms' ? `if(isNull(freshness_lag_ms), '', toString(freshness_lag_ms))` : input.column;
    const rows = await store.query<{ period: string; value: string; calls: number | string; median: number | null }>(
      'uncontrolled inputs',
      `SELECT if(timestamp < fromUnixTimestamp64Milli({duringFrom:Int64}), 'before', 'during') AS period,
              ${input.column === 'freshness_lag_ms' ? `''` : value} AS value, count() AS calls,
              ${input.column === 'freshness_lag_ms' ? 'median(freshness_lag_ms)' : 'CAST(NULL AS Nullable(Float64))'} AS median
       FROM genai_calls
       WHERE service = {service:String} AND source = 'live'
         AND timestamp >= fromUnixTimestamp64Milli({beforeFrom:Int64}) AND timestamp < fromUnixTimestamp64Milli({duringTo:Int64})
         ${input.column === 'freshness_lag_ms' ? 'AND freshness_lag_ms IS NOT NULL' : ''}
       GROUP BY period, value
       ORDER BY period, calls DESC, value`,
      params,
    );
    const pick = (period: string): ValueCounts[] => rows.filter((row) => row.period === period).map((row) => ({ value: row.value, calls: Number(row.calls) }));
    const before = pick('before');
    const during = pick('during');
    const atIncident = incidentValue(call, input.column);
    if (input.column === 'freshness_lag_ms') {
      const median = (period: string) => {
        const row = rows.find((r) => r.period === period);
        return row?.median === undefined || row.median === null ? null : Number(row.median);
      };
      const medianBefore = median('before');
      const medianDuring = median('during');
      const captured = atIncident !== null || medianBefore !== null || medianDuring !== null;
      const changed = medianBefore !== null && medianDuring !== null && Math.abs(medianDuring - medianBefore) > 0.5 * Math.max(Math.abs(medianBefore), 1);
      out.push({ ...input, atIncident, before, during, captured, changed, medianBefore, medianDuring });
      continue;
    }
    const seen = (list: ValueCounts[]) => new Set(list.map((v) => v.value).filter((v) => v !== ''));
    const beforeSet = seen(before);
    const duringSet = seen(during);
    const captured = atIncident !== null || beforeSet.size > 0 || duringSet.size > 0;
    const differs = beforeSet.size !== duringSet.size || [...duringSet].some((v) => !beforeSet.has(v));
    const changed = captured && beforeSet.size > 0 && (differs || (atIncident !== null && !beforeSet.has(atIncident)));
    out.push({ ...input, atIncident, before, during, captured, changed, medianBefore: null, medianDuring: null });
  }
  return out;
}
