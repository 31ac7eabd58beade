import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { Dashboard, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { filterVariable, newDashboard, sourceVariable, sqlAnnotation } from '../common.ts';
import { FINGERPRINT_CHANGE_ANNOTATION_SQL, SLICE_FILTERS, hitsAndCallsByInterval, hitsAndCallsBySlice, wilsonColumns } from '../sql.ts';
import { numberPanels, rateBandPanel, stackedCountsPanel, statPanel, tablePanel } from './panels.ts';

/** Stable uid: alert rules and the incident view link here. */
export const BEHAVIOR_RATES_UID = 'br-behavior-rates';

/** Variables shared by the rate dashboards: every slice key of the per-minute tables. */
export function sliceVariables(): cog.Builder<VariableModel>[] {
  const distinct = (column: string): string =>
    `SELECT DISTINCT ${column} FROM calls_by_minute WHERE $__timeFilter(minute) ORDER BY ${column}`;
  return [
    filterVariable('behavior', 'Behavior', 'SELECT DISTINCT behavior FROM behavior_hits_by_minute WHERE $__timeFilter(minute) ORDER BY behavior'),
    filterVariable('service', 'Service', distinct('service')),
    filterVariable('model', 'Model', distinct('request_model')),
    filterVariable('fingerprint', 'Fingerprint', distinct('fingerprint')),
    filterVariable('traffic_class', 'Traffic class', distinct('traffic_class')),
    sourceVariable(),
  ];
}

/** Rate of one behavior per interval with its Wilson band; the panel repeats per selected behavior. */
export const BEHAVIOR_RATE_SQL = `SELECT time, ${wilsonColumns('hits', 'calls')}
FROM (
  ${hitsAndCallsByInterval('${behavior:singlequote}')}
)
WHERE calls > 0
ORDER BY time`;

/**
 * Where each behavior is worst: hits and calls over the whole range per behavior ×
 * model × fingerprint × service × traffic class, with the interval.
 */
export const RATE_BREAKDOWN_SQL = `SELECT behavior, request_model, fingerprint, service, traffic_class,
  hit_count AS hits, call_count AS calls, ${wilsonColumns('hit_count', 'call_count')}
FROM (
  ${hitsAndCallsBySlice(['request_model', 'fingerprint', 'service', 'traffic_class'])}
)
WHERE call_count > 0
ORDER BY lower DESC, behavior, request_model, fingerprint, service, traffic_class
LIMIT 500`;

export const CALLS_IN_RANGE_SQL = `SELECT sum(calls) AS calls
FROM calls_by_minute
WHERE $__timeFilter(minute)
  AND ${SLICE_FILTERS}`;

/** Traffic mix: calls per traffic class and source, whatever the source filter says. */
export const TRAFFIC_MIX_SQL = `SELECT $__timeInterval(minute) AS time,
  concat(source, ' / ', if(traffic_class = '', '(unset)', traffic_class)) AS traffic,
  sum(calls) AS calls
FROM calls_by_minute
WHERE $__timeFilter(minute)
  AND $__conditionalAll(service IN (\${service:singlequote}), $service)
  AND $__conditionalAll(request_model IN (\${model:singlequote}), $model)
GROUP BY time, traffic
ORDER BY time, traffic`;

/** Behavior rates with intervals, sliceable by every key of the per-minute tables. */
export function behaviorRatesDashboard(): Dashboard {
  let builder = newDashboard({
    uid: BEHAVIOR_RATES_UID,
    title: 'Behavior rates',
    description: 'Per-behavior rates with 95% Wilson intervals from the per-minute call and behavior counts. Vertical markers are fingerprint changes.',
  })
    .annotation(sqlAnnotation('Fingerprint changes', FINGERPRINT_CHANGE_ANNOTATION_SQL, 'orange'))
    .withPanel(statPanel('Calls in range', 'Calls matching the filters in the time range.', CALLS_IN_RANGE_SQL, { x: 0, y: 0, w: 6, h: 4 }))
    .withPanel(
      stackedCountsPanel('Traffic mix', 'Calls per interval by source and traffic class (ignores the source filter).', TRAFFIC_MIX_SQL, { x: 6, y: 0, w: 18, h: 4 }),
    )
    .withPanel(
      rateBandPanel(
        'Rate: $behavior',
        'Share of calls that showed the behavior per interval; the band is the 95% Wilson interval, wide where there were few calls.',
        BEHAVIOR_RATE_SQL,
        { x: 0, y: 4, w: 12, h: 8 },
      )
        .repeat('behavior')
        .repeatDirection('h')
        .maxPerRow(2),
    )
    .withPanel(
      tablePanel(
        'Where each behavior is worst',
        'Hits and calls over the whole range per slice, ordered by the interval lower bound: the top rows are the slices where the rate is surely highest.',
        RATE_BREAKDOWN_SQL,
        { x: 0, y: 12, w: 24, h: 10 },
        ['rate', 'lower', 'upper'],
      ),
    );
  for (const variable of sliceVariables()) builder = builder.withVariable(variable);
  return numberPanels(builder.build());
}
