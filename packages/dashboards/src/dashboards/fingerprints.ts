import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { newDashboard, sqlAnnotation } from '../common.ts';
import { FINGERPRINT_CHANGE_ANNOTATION_SQL, SLICE_FILTERS, hitsAndCallsBySlice, wilsonColumns } from '../sql.ts';
import { sliceVariables } from './behavior-rates.ts';
import { linesPanel, numberPanels, stackedCountsPanel, tablePanel } from './panels.ts';

export const FINGERPRINTS_UID = 'br-fingerprints';

/** Which backend answered, over time: calls per fingerprint. */
export const CALLS_BY_FINGERPRINT_SQL = `SELECT $__timeInterval(minute) AS time, fingerprint, sum(calls) AS calls
FROM calls_by_minute
WHERE $__timeFilter(minute)
  AND ${SLICE_FILTERS}
GROUP BY time, fingerprint
ORDER BY time, fingerprint`;

/**
 * Every fingerprint active in the range with when it was first and last seen, over all
 * history up to the range end (a fingerprint first seen before the range is not new).
 */
export const FINGERPRINT_TIMELINE_SQL = `SELECT request_model, fingerprint, min(minute) AS first_seen, max(minute) AS last_seen,
  sum(calls) AS calls
FROM calls_by_minute
WHERE minute <= $__toTime
  AND ${SLICE_FILTERS}
GROUP BY request_model, fingerprint
HAVING last_seen >= $__fromTime
ORDER BY request_model, first_seen, fingerprint`;

/** One behavior's rate per fingerprint per interval; the panel repeats per behavior. */
export const RATE_BY_FINGERPRINT_SQL = `SELECT time, fingerprint, hit_count / call_count AS rate
FROM (
  SELECT $__timeInterval(minute) AS time, fingerprint,
    toFloat64(sumIf(n, kind = 'hit')) AS hit_count,
    toFloat64(sumIf(n, kind = 'call')) AS call_count
  FROM (
    SELECT minute, fingerprint, 'call' AS kind, calls AS n FROM calls_by_minute
    WHERE $__timeFilter(minute)
    AND ${SLICE_FILTERS}
    UNION ALL
    SELECT minute, fingerprint, 'hit' AS kind, hits AS n FROM behavior_hits_by_minute
    WHERE behavior = \${behavior:singlequote} AND $__timeFilter(minute)
    AND ${SLICE_FILTERS}
  )
  GROUP BY time, fingerprint
)
WHERE call_count > 0
ORDER BY time, fingerprint`;

/** Per behavior and fingerprint over the range, with the interval: did the new backend move the rate? */
export const FINGERPRINT_COMPARISON_SQL = `SELECT behavior, request_model, fingerprint, hit_count AS hits, call_count AS calls,
  ${wilsonColumns('hit_count', 'call_count')}
FROM (
  ${hitsAndCallsBySlice(['request_model', 'fingerprint'])}
)
WHERE call_count > 0
ORDER BY behavior, request_model, fingerprint`;

/** Fingerprint timeline: which backend answered, when it changed, and what that did to rates. */
export function fingerprintsDashboard(): Dashboard {
  let builder = newDashboard({
    uid: FINGERPRINTS_UID,
    title: 'Fingerprint timeline',
    description: 'Which backend (system fingerprint, else response model) answered over time, when it changed, and each behavior rate per fingerprint.',
    from: 'now-7d',
  })
    .annotation(sqlAnnotation('Fingerprint changes', FINGERPRINT_CHANGE_ANNOTATION_SQL, 'orange'))
    .withPanel(stackedCountsPanel('Calls by fingerprint', 'Calls per interval for each fingerprint.', CALLS_BY_FINGERPRINT_SQL, { x: 0, y: 0, w: 24, h: 8 }))
    .withPanel(
      tablePanel(
        'Fingerprints: first and last seen',
        'Every fingerprint active in the range, with first and last minute seen over all history.',
        FINGERPRINT_TIMELINE_SQL,
        { x: 0, y: 8, w: 12, h: 8 },
      ),
    )
    .withPanel(
      tablePanel(
        'Rate per fingerprint',
        'Each behavior per fingerprint over the range with 95% Wilson intervals; non-overlapping intervals mean the fingerprints really differ.',
        FINGERPRINT_COMPARISON_SQL,
        { x: 12, y: 8, w: 12, h: 8 },
        ['rate', 'lower', 'upper'],
      ),
    )
    .withPanel(
      linesPanel('Rate by fingerprint: $behavior', 'One line per fingerprint.', RATE_BY_FINGERPRINT_SQL, { x: 0, y: 16, w: 12, h: 8 }, 'percentunit')
        .repeat('behavior')
        .repeatDirection('h')
        .maxPerRow(2),
    );
  for (const variable of sliceVariables()) builder = builder.withVariable(variable);
  return numberPanels(builder.build());
}
