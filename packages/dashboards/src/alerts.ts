import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import * as expr from '@grafana/grafana-foundation-sdk/expr';
import { DATASOURCE_UID, FOLDER, sql } from './common.ts';
import { FORMAT_TABLE } from './query.ts';
import { DRIFT_BASELINE_SECONDS, DRIFT_WINDOW_SECONDS } from './dashboards/canary-drift.ts';
import { wilsonLower, wilsonUpper } from './sql.ts';

/** Tuning of the rate-shift rule. */
export interface RateShiftOptions {
  /** Recent window compared with the rest of the range, minutes. Default 60. */
  recentMinutes?: number;
  /**
   * Fewest recent calls before the rule may fire. Default 200: below that one bad call
   * in a quiet hour would page (the low-traffic weakness SPECS §4 describes).
   */
  minRecentCalls?: number;
  /** Fewest baseline calls for a usable baseline. Default 1000. */
  minBaselineCalls?: number;
}

/**
 * Result columns become alert labels: `behavior` and `model`, the label names the
 * Prometheus rules and deploy/alertmanager/alertmanager.yml route on.
 *
 * Rate shift per behavior and model: the recent window's Wilson lower bound over the
 * baseline's Wilson upper bound. Above 1 the intervals do not overlap, so the rate
 * surely rose; the ratio says by how much at least. Zero below the traffic gates.
 * Backend macros only: alert queries get no template variables.
 */
export function rateShiftSql(options: RateShiftOptions = {}): string {
  const recent = options.recentMinutes ?? 60;
  const minRecent = options.minRecentCalls ?? 200;
  const minBaseline = options.minBaselineCalls ?? 1000;
  const isRecent = `minute >= $__toTime - INTERVAL ${recent} MINUTE`;
  return `SELECT behavior, request_model AS model,
  if(recent_calls >= ${minRecent} AND baseline_calls >= ${minBaseline},
    ${wilsonLower('recent_hits', 'recent_calls')} / greatest(${wilsonUpper('baseline_hits', 'baseline_calls')}, 1e-12),
    0) AS shift
FROM (
  SELECT behavior, request_model,
    toFloat64(sumIf(n, kind = 'hit' AND recent)) AS recent_hits,
    toFloat64(sumIf(n, kind = 'call' AND recent)) AS recent_calls,
    toFloat64(sumIf(n, kind = 'hit' AND NOT recent)) AS baseline_hits,
    toFloat64(sumIf(n, kind = 'call' AND NOT recent)) AS baseline_calls
  FROM (
    SELECT arrayJoin((SELECT groupUniqArray(behavior) FROM behavior_hits_by_minute WHERE $__timeFilter(minute) AND source = 'live')) AS behavior,
      request_model, 'call' AS kind, calls AS n, ${isRecent} AS recent
    FROM calls_by_minute
    WHERE $__timeFilter(minute) AND source = 'live'
    UNION ALL
    SELECT behavior, request_model, 'hit' AS kind, hits AS n, ${isRecent} AS recent
    FROM behavior_hits_by_minute
    WHERE $__timeFilter(minute) AND source = 'live'
  )
  GROUP BY behavior, request_model
)
ORDER BY behavior, model`;
}

/** Tuning of the fingerprint-change rule. */
export interface FingerprintChangeOptions {
  /** A fingerprint first seen this recently is a change, minutes. Default 15 (> the rule interval, so none is missed). */
  recentMinutes?: number;
  /** How far back "seen before" looks, days. Default 30. */
  lookbackDays?: number;
}

/**
 * A fingerprint first seen for a model within the recent window, when the model had
 * another fingerprint before it in the lookback: the provider changed the backend.
 */
export function fingerprintChangeSql(options: FingerprintChangeOptions = {}): string {
  const recent = options.recentMinutes ?? 15;
  return `SELECT request_model AS model, fingerprint, 1 AS new_fingerprint
FROM (
  SELECT request_model, fingerprint, min(minute) AS first_seen,
    min(min(minute)) OVER (PARTITION BY request_model) AS model_first_seen
  FROM calls_by_minute
  WHERE $__timeFilter(minute) AND source = 'live'
  GROUP BY request_model, fingerprint
)
WHERE first_seen >= $__toTime - INTERVAL ${recent} MINUTE AND first_seen > model_first_seen
ORDER BY model, fingerprint`;
}

/** Tuning of the canary drift rule. */
export interface CanaryDriftOptions {
  /** Fewest runs of a case in the window before its drift counts. Default 20: fewer make the distance noise. */
  minRuns?: number;
}

/**
 * Drift per canary case at the last complete minute, from the `canary_case_drift`
 * view (migration 007): the last hour's outcome distribution against the 24 hours
 * before. `distance` is the bias-corrected Jensen–Shannon distance in bits.
 */
export function canaryDriftSql(options: CanaryDriftOptions = {}): string {
  const minRuns = options.minRuns ?? 20;
  return `SELECT case_id, distance
FROM canary_case_drift(
  point_start = intDiv(toUInt32($__toTime), 60) * 60 - 60,
  point_end = intDiv(toUInt32($__toTime), 60) * 60,
  step = 60,
  window = ${DRIFT_WINDOW_SECONDS},
  baseline = ${DRIFT_BASELINE_SECONDS},
  pinned_from = 0,
  pinned_to = 0,
  model = '')
WHERE runs >= ${minRuns} AND baseline_runs >= ${minRuns} AND NOT isNaN(distance)
ORDER BY case_id`;
}

/**
 * Drift threshold: Evidently's 0.1 Jensen–Shannon distance (natural log, SPECS §5)
 * in bits is 0.1 / sqrt(ln 2) ≈ 0.12.
 */
export const DRIFT_DISTANCE_THRESHOLD = 0.12;

/** What a provisioned rule needs beyond its SQL. */
interface RuleSpec {
  uid: string;
  title: string;
  rawSql: string;
  /** Relative range the query sees, seconds before now. */
  rangeSeconds: number;
  /** The value must exceed this to fire. */
  threshold: number;
  forDuration: string;
  labels: Record<string, string>;
  summary: string;
  description: string;
}

const GROUP = 'behavior-rate';

function rule(spec: RuleSpec): alerting.RuleBuilder {
  const query = new alerting.QueryBuilder('A')
    .datasourceUid(DATASOURCE_UID)
    .relativeTimeRange({ from: spec.rangeSeconds, to: 0 })
    .model(sql(spec.rawSql, FORMAT_TABLE, 'A').intervalMs(60_000).maxDataPoints(43_200));
  const threshold = new alerting.QueryBuilder('B')
    .datasourceUid('__expr__')
    .model(
      new expr.TypeThresholdBuilder()
        .refId('B')
        .datasource({ type: '__expr__', uid: '__expr__' })
        .expression('A')
        .conditions([{ evaluator: { type: 'gt', params: [spec.threshold] } }]),
    );
  return new alerting.RuleBuilder(spec.title)
    .uid(spec.uid)
    .ruleGroup(GROUP)
    .folderUID(FOLDER)
    .orgID(1)
    .condition('B')
    .queries([query, threshold])
    // No rows means nothing shifted and nothing changed: that is OK, not NoData.
    .noDataState('OK')
    .execErrState('Error')
    .forDuration(spec.forDuration)
    .labels(spec.labels)
    .annotations({ summary: spec.summary, description: spec.description });
}

/** The rules, as SDK builders (the API shape). */
export function alertRules(): alerting.RuleBuilder[] {
  // The rate-shift baseline: the rule's range minus the recent hour.
  const baselineHours = 168;
  return [
    rule({
      uid: 'br-rate-shift',
      title: 'Behavior rate shift',
      rawSql: rateShiftSql(),
      rangeSeconds: baselineHours * 3600 + 3600,
      threshold: 1,
      forDuration: '5m',
      labels: { severity: 'page', source: 'behavior-rate' },
      summary: 'Behavior {{ $labels.behavior }} on {{ $labels.model }}: the last hour is above the 7-day baseline beyond both 95% intervals.',
      description: 'Lower Wilson bound of the last hour over the upper Wilson bound of the previous 7 days is {{ $values.A.Value }} (> 1 means the intervals do not overlap).',
    }),
    rule({
      uid: 'br-canary-drift',
      title: 'Canary drift',
      rawSql: canaryDriftSql(),
      rangeSeconds: DRIFT_WINDOW_SECONDS + DRIFT_BASELINE_SECONDS + 120,
      threshold: DRIFT_DISTANCE_THRESHOLD,
      forDuration: '10m',
      labels: { severity: 'ticket', source: 'behavior-rate' },
      summary: 'Canary case {{ $labels.case_id }} drifted: its answers moved against the previous 24 hours.',
      description: 'Jensen–Shannon distance {{ $values.A.Value }} (bits, bias-corrected) between the last hour and the 24 hours before. Check the traffic mix and fingerprint changes on the Canary drift dashboard.',
    }),
    rule({
      uid: 'br-fingerprint-change',
      title: 'Fingerprint change',
      rawSql: fingerprintChangeSql(),
      rangeSeconds: 30 * 86_400,
      threshold: 0,
      forDuration: '0s',
      // Same severity as the Prometheus fingerprint rule: deploy/alertmanager routes `notice` to a channel, once.
      labels: { severity: 'notice', source: 'behavior-rate' },
      summary: 'New backend fingerprint {{ $labels.fingerprint }} for {{ $labels.model }}.',
      description: 'Live traffic to {{ $labels.model }} is answered by a fingerprint not seen in the previous 30 days. Compare rates per fingerprint on the Fingerprint timeline dashboard.',
    }),
  ];
}

/** Grafana's file-provisioning shape for alert rules (`apiVersion: 1`, `groups[]`). */
export function alertRulesProvisioning(): object {
  const rules = alertRules().map((builder) => builder.build());
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: GROUP,
        folder: FOLDER,
        // Matches the per-minute resolution of the tables the rules read.
        interval: '1m',
        rules: rules.map((r) => ({
          uid: r.uid,
          title: r.title,
          condition: r.condition,
          data: r.data.map((q) => ({
            refId: q.refId,
            ...(q.relativeTimeRange === undefined ? {} : { relativeTimeRange: q.relativeTimeRange }),
            datasourceUid: q.datasourceUid,
            model: q.model,
          })),
          noDataState: r.noDataState,
          execErrState: r.execErrState,
          for: r.for,
          labels: r.labels,
          annotations: r.annotations,
          isPaused: false,
        })),
      },
    ],
  };
}
