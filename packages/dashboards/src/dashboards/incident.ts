import { CustomVariableBuilder, VariableHide, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { newDashboard, sqlAnnotation, textVariable } from '../common.ts';
import { FINGERPRINT_CHANGE_ANNOTATION_SQL, wilsonColumns } from '../sql.ts';
import { linesPanel, numberPanels, tablePanel } from './panels.ts';

export const INCIDENT_UID = 'br-incident';

/**
 * The incident's call(s). A point lookup by trace id (bloom-filter index on
 * trace_id), not a range scan, so it reads genai_calls directly.
 */
export const INCIDENT_CALL_SQL = `SELECT timestamp, span_id, service, request_model, response_model, fingerprint,
  finish_reasons, behaviors, status, seed, temperature, index_version, freshness_lag_ms,
  tool_schema_hash, prompt_template_hash, traffic_class, input_tokens, output_tokens,
  round(duration_ns / 1e6, 1) AS duration_ms, output_text
FROM genai_calls
WHERE trace_id = \${trace_id:singlequote} AND source = 'live'
ORDER BY timestamp
LIMIT 50`;

/** The call's model(s), for the window panels. */
const INCIDENT_MODELS = `(SELECT groupUniqArray(request_model) FROM genai_calls WHERE trace_id = \${trace_id:singlequote})`;

/** Every behavior's rate in the dashboard range for the call's model: was the incident a burst or the base rate? */
export const WINDOW_RATES_SQL = `SELECT h.time AS time, h.behavior AS behavior, h.hit_count / c.call_count AS rate
FROM (
  SELECT $__timeInterval(minute) AS time, behavior, toFloat64(sum(hits)) AS hit_count
  FROM behavior_hits_by_minute
  WHERE $__timeFilter(minute) AND source = 'live' AND has(${INCIDENT_MODELS}, request_model)
  GROUP BY time, behavior
) AS h
INNER JOIN (
  SELECT $__timeInterval(minute) AS time, toFloat64(sum(calls)) AS call_count
  FROM calls_by_minute
  WHERE $__timeFilter(minute) AND source = 'live' AND has(${INCIDENT_MODELS}, request_model)
  GROUP BY time
) AS c ON h.time = c.time
ORDER BY time, behavior`;

/**
 * The uncontrolled inputs around the call: for its model, the calls in the range per
 * fingerprint, index version and tool-schema hash, and whether the call had that value.
 */
export const WINDOW_INPUTS_SQL = `WITH incident AS (
  SELECT any(fingerprint) AS fp, any(index_version) AS iv, any(tool_schema_hash) AS tsh
  FROM genai_calls WHERE trace_id = \${trace_id:singlequote}
)
SELECT input, value, calls, value = multiIf(input = 'fingerprint', (SELECT fp FROM incident),
    input = 'index_version', (SELECT iv FROM incident), (SELECT tsh FROM incident)) AS incident_value
FROM (
  SELECT 'fingerprint' AS input, fingerprint AS value, sum(calls) AS calls FROM calls_by_minute
  WHERE $__timeFilter(minute) AND source = 'live' AND has(${INCIDENT_MODELS}, request_model) GROUP BY value
  UNION ALL
  SELECT 'index_version' AS input, index_version AS value, sum(calls) AS calls FROM calls_by_minute
  WHERE $__timeFilter(minute) AND source = 'live' AND has(${INCIDENT_MODELS}, request_model) GROUP BY value
  UNION ALL
  SELECT 'tool_schema_hash' AS input, tool_schema_hash AS value, sum(calls) AS calls FROM calls_by_minute
  WHERE $__timeFilter(minute) AND source = 'live' AND has(${INCIDENT_MODELS}, request_model) GROUP BY value
)
ORDER BY input, calls DESC, value`;

/**
 * Replays of the call: `replay.of` holds its span id or trace id. Replays happen after
 * the call, so partitions before it are skipped.
 */
const REPLAYS = `SELECT output_text, behaviors, fingerprint
  FROM genai_calls
  WHERE source = 'replay'
    AND timestamp >= (SELECT min(timestamp) FROM genai_calls WHERE trace_id = \${trace_id:singlequote})
    AND (replay_of = \${trace_id:singlequote}
      OR replay_of IN (SELECT span_id FROM genai_calls WHERE trace_id = \${trace_id:singlequote}))`;

/**
 * Each behavior's rate over the replays with its interval, including behaviors the
 * incident showed but no replay did (0 of n is a result: the rule of three applies).
 */
export const REPLAY_RATES_SQL = `WITH replays AS (${REPLAYS})
SELECT behavior, hit_count AS hits, call_count AS replays, ${wilsonColumns('hit_count', 'call_count')}
FROM (
  SELECT behavior,
    toFloat64((SELECT count() FROM replays WHERE has(behaviors, behavior))) AS hit_count,
    toFloat64((SELECT count() FROM replays)) AS call_count
  FROM (
    SELECT DISTINCT arrayJoin(behaviors) AS behavior FROM genai_calls WHERE trace_id = \${trace_id:singlequote}
    UNION DISTINCT
    SELECT DISTINCT arrayJoin(behaviors) AS behavior FROM replays
  )
)
WHERE call_count > 0
ORDER BY rate DESC, behavior`;

/** The replay outputs as a histogram: distinct outputs, most frequent first. */
export const REPLAY_OUTPUTS_SQL = `WITH replays AS (${REPLAYS})
SELECT output_text, count() AS replays, round(count() / (SELECT count() FROM replays), 4) AS share,
  arrayStringConcat(arraySort(groupUniqArray(fingerprint)), ', ') AS fingerprints
FROM replays
GROUP BY output_text
ORDER BY replays DESC, output_text
LIMIT 50`;

/**
 * Incident view: open with `?var-trace_id=<id>&from=<ms>&to=<ms>` around the call. Shows the
 * call, the rates and uncontrolled inputs in that window, and the replay results.
 */
export function incidentDashboard(): Dashboard {
  const builder = newDashboard({
    uid: INCIDENT_UID,
    title: 'Incident',
    description: 'One reported call: its record, the behavior rates and uncontrolled inputs around it, and what its replays produced.',
    from: 'now-6h',
    refresh: '',
  })
    .annotation(sqlAnnotation('Fingerprint changes', FINGERPRINT_CHANGE_ANNOTATION_SQL, 'orange'))
    .withVariable(textVariable('trace_id', 'Trace id'))
    // The fingerprint annotation filters on $model; the incident view shows every model's changes.
    .withVariable(new CustomVariableBuilder('model').label('Model').values('').includeAll(true).current({ text: 'All', value: '$__all' }).hide(VariableHide.HideVariable))
    .withPanel(tablePanel('The call', 'The GenAI call(s) of the trace: backend, uncontrolled inputs, behaviors, output.', INCIDENT_CALL_SQL, { x: 0, y: 0, w: 24, h: 6 }))
    .withPanel(
      linesPanel('Behavior rates around the call', "Each behavior's rate for the call's model over the dashboard range.", WINDOW_RATES_SQL, { x: 0, y: 6, w: 14, h: 8 }, 'percentunit'),
    )
    .withPanel(
      tablePanel('Uncontrolled inputs in the window', "Calls per fingerprint, index version and tool-schema hash for the call's model; incident_value marks the call's own.", WINDOW_INPUTS_SQL, {
        x: 14,
        y: 6,
        w: 10,
        h: 8,
      }),
    )
    .withPanel(
      tablePanel('Replay rates', 'Each behavior over the replays of this call, with the 95% Wilson interval.', REPLAY_RATES_SQL, { x: 0, y: 14, w: 10, h: 8 }, [
        'rate',
        'lower',
        'upper',
      ]),
    )
    .withPanel(tablePanel('Replay outputs', 'Distinct replay outputs, most frequent first.', REPLAY_OUTPUTS_SQL, { x: 10, y: 14, w: 14, h: 8 }));
  return numberPanels(builder.build());
}
