import { QueryVariableBuilder, VariableRefresh, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { datasource, newDashboard, sqlAnnotation } from '../common.ts';
import { FINGERPRINT_CHANGE_ANNOTATION_SQL } from '../sql.ts';
import { linesPanel, numberPanels, stackedCountsPanel, tablePanel } from './panels.ts';

export const CANARY_DRIFT_UID = 'br-canary-drift';

/** Drift window: the outcome distribution of the last hour… */
export const DRIFT_WINDOW_SECONDS = 3600;
/** …against the 24 hours before it (a trailing baseline). */
export const DRIFT_BASELINE_SECONDS = 86_400;

/**
 * Arguments of the `canary_case_drift` parameterized view (migration 007) for the
 * dashboard range: one point per interval (whole minutes, the table's resolution).
 */
const driftArguments = (model: string): string => `point_start = intDiv(toUInt32($__fromTime), 60) * 60,
  point_end = toUInt32($__toTime),
  step = greatest(60, intDiv($__interval_s, 60) * 60),
  window = ${DRIFT_WINDOW_SECONDS},
  baseline = ${DRIFT_BASELINE_SECONDS},
  pinned_from = 0,
  pinned_to = 0,
  model = ${model}`;

/** Drift distance per canary case over time (Jensen–Shannon distance, small-sample bias removed). */
export const DRIFT_BY_CASE_SQL = `SELECT toDateTime(t) AS time, case_id, distance
FROM canary_case_drift(${driftArguments("'${canary_model}'")})
WHERE runs > 0 AND baseline_runs > 0
ORDER BY time, case_id`;

/*
 * The model variable is single-valued and inserted raw inside quotes ('${canary_model}'),
 * not with :singlequote, because its All value '' must reach the SQL as '' too.
 */

/** Canary runs per interval by outcome class: answers that passed, failed, had no expectation, errors. */
export const CANARY_RUNS_SQL = `SELECT $__timeInterval(minute) AS time, if(kind = 'error', 'error', expectation) AS result, sum(runs) AS runs
FROM canary_outcomes_by_minute
WHERE $__timeFilter(minute) AND ('\${canary_model}' = '' OR request_model = '\${canary_model}')
GROUP BY time, result
ORDER BY time, result`;

/** Each case's outcome distribution over the range. */
export const CANARY_OUTCOMES_SQL = `SELECT case_id, outcome_key, sum(runs) AS runs,
  round(runs / sum(runs) OVER (PARTITION BY case_id), 4) AS share
FROM canary_outcomes_by_minute
WHERE $__timeFilter(minute) AND ('\${canary_model}' = '' OR request_model = '\${canary_model}')
GROUP BY case_id, outcome_key
ORDER BY case_id, runs DESC, outcome_key`;

/** What live traffic was made of: calls per traffic class and prompt template. */
export const TRAFFIC_MIX_BY_TEMPLATE_SQL = `SELECT $__timeInterval(minute) AS time,
  concat(if(traffic_class = '', '(unset)', traffic_class), ' / ', if(prompt_template_hash = '', '(no template)', prompt_template_hash)) AS mix,
  sum(calls) AS calls
FROM traffic_mix_by_minute
WHERE $__timeFilter(minute) AND source = 'live'
  AND ('\${canary_model}' = '' OR request_model = '\${canary_model}')
GROUP BY time, mix
ORDER BY time, mix`;

/** Canary drift and traffic mix: did the model's answers move while nothing of ours changed? */
export function canaryDriftDashboard(): Dashboard {
  const model = new QueryVariableBuilder('canary_model')
    .label('Model')
    .datasource(datasource)
    .query('SELECT DISTINCT request_model FROM canary_outcomes_by_minute WHERE $__timeFilter(minute) ORDER BY request_model')
    .definition('SELECT DISTINCT request_model FROM canary_outcomes_by_minute WHERE $__timeFilter(minute) ORDER BY request_model')
    .includeAll(true)
    // The view takes '' for all models; Grafana inserts a custom All value verbatim.
    .allValue('')
    .current({ text: 'All', value: '$__all' })
    .refresh(VariableRefresh.OnTimeRangeChanged);
  const builder = newDashboard({
    uid: CANARY_DRIFT_UID,
    title: 'Canary drift and traffic mix',
    description: `Fixed canary cases run every minute; drift compares each case's outcome distribution in the last ${DRIFT_WINDOW_SECONDS / 60} minutes with the ${DRIFT_BASELINE_SECONDS / 3600} hours before. Drift with an unchanged traffic mix points at the provider.`,
  })
    .annotation(sqlAnnotation('Fingerprint changes', FINGERPRINT_CHANGE_ANNOTATION_SQL, 'orange'))
    .withVariable(model)
    .withPanel(
      linesPanel('Drift by case', 'Jensen–Shannon distance (bits, small-sample bias removed) of each case: 0 is unchanged, 1 is disjoint outcomes.', DRIFT_BY_CASE_SQL, { x: 0, y: 0, w: 24, h: 8 }, 'none')
        // Each point recomputes a window against its baseline; a few hundred points draw the curve.
        .maxDataPoints(300),
    )
    .withPanel(stackedCountsPanel('Canary runs by result', 'Canary runs per interval: passed, failed, no expectation, error.', CANARY_RUNS_SQL, { x: 0, y: 8, w: 12, h: 8 }))
    .withPanel(tablePanel('Outcomes per case', 'Each case’s outcome classes over the range.', CANARY_OUTCOMES_SQL, { x: 12, y: 8, w: 12, h: 8 }))
    .withPanel(
      stackedCountsPanel('Traffic mix by class and prompt template', 'Live calls per interval by traffic class and prompt-template hash.', TRAFFIC_MIX_BY_TEMPLATE_SQL, { x: 0, y: 16, w: 24, h: 8 }),
    );
  return numberPanels(builder.build());
}
