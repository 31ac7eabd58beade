/**
 * SQL pieces the panels and alert rules share. Everything here reads the per-minute
 * SummingMergeTree tables, whose parts may not be merged yet: counts are always
 * `sum()`med, never read row by row.
 */

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

const wilsonParts = (hits: string, calls: string, z: number): { centre: string; half: string } => {
  const z2 = z * z;
  return {
    centre: `(${hits} + ${z2 / 2}) / (${calls} + ${z2})`,
    half: `${z} / (${calls} + ${z2}) * sqrt(${hits} * (${calls} - ${hits}) / ${calls} + ${z2 / 4})`,
  };
};

/** Lower Wilson bound (SPECS §5) of `hits` of `calls` (Float64 expressions, calls > 0). Default z: 95%. */
export function wilsonLower(hits: string, calls: string, z: number = Z95): string {
  const { centre, half } = wilsonParts(hits, calls, z);
  // Exactly 0 at 0 hits: the floating-point formula leaves a residue of ~1e-17 there.
  return `if(${hits} = 0, 0, greatest(0, ${centre} - ${half}))`;
}

/** Upper Wilson bound of `hits` of `calls`. Default z: 95%. */
export function wilsonUpper(hits: string, calls: string, z: number = Z95): string {
  const { centre, half } = wilsonParts(hits, calls, z);
  return `if(${hits} = ${calls}, 1, least(1, ${centre} + ${half}))`;
}

/**
 * Wilson score interval for `hits` of `calls`, both Float64 columns with calls > 0,
 * as `rate`, `lower`, `upper`. Wilson rather than the normal approximation because
 * per-bucket counts are small and rates near 0.
 */
export function wilsonColumns(hits: string, calls: string, z: number = Z95): string {
  return `${hits} / ${calls} AS rate,
  ${wilsonLower(hits, calls, z)} AS lower,
  ${wilsonUpper(hits, calls, z)} AS upper`;
}

/**
 * The dashboard filters, each dropped by `$__conditionalAll` when All is selected.
 * Source is never All-by-default: live only, unless the viewer asks for canary or replay.
 */
export const SLICE_FILTERS = [
  '$__conditionalAll(service IN (${service:singlequote}), $service)',
  '$__conditionalAll(request_model IN (${model:singlequote}), $model)',
  '$__conditionalAll(fingerprint IN (${fingerprint:singlequote}), $fingerprint)',
  '$__conditionalAll(traffic_class IN (${traffic_class:singlequote}), $traffic_class)',
  'source IN (${source:singlequote})',
].join('\n    AND ');

/**
 * Per-bucket hits and calls of one behavior as Float64 `hits`, `calls`: calls and hits
 * come from their own tables on the same keys, so a UNION ALL with a kind tag sums
 * both in one pass instead of joining two grouped results.
 */
export function hitsAndCallsByInterval(behaviorSql: string): string {
  return `SELECT $__timeInterval(minute) AS time,
      toFloat64(sumIf(n, kind = 'hit')) AS hits,
      toFloat64(sumIf(n, kind = 'call')) AS calls
  FROM (
    SELECT minute, 'call' AS kind, calls AS n FROM calls_by_minute
    WHERE $__timeFilter(minute)
    AND ${SLICE_FILTERS}
    UNION ALL
    SELECT minute, 'hit' AS kind, hits AS n FROM behavior_hits_by_minute
    WHERE behavior = ${behaviorSql} AND $__timeFilter(minute)
    AND ${SLICE_FILTERS}
  )
  GROUP BY time`;
}

/**
 * Fingerprint changes as annotation events: the minute a fingerprint was first seen
 * for a model, unless it is that model's first fingerprint ever (a new model is not a
 * change). First-seen is taken over all history up to the range end, not just the
 * range, or every fingerprint would look new at the left edge.
 */
export const FINGERPRINT_CHANGE_ANNOTATION_SQL = `SELECT time, text, tags
FROM (
  SELECT first_seen AS time,
    concat('fingerprint ', fingerprint, ' first seen for ', request_model) AS text,
    concat('fingerprint,', request_model) AS tags,
    first_seen = min(first_seen) OVER (PARTITION BY request_model) AS is_first
  FROM (
    SELECT request_model, fingerprint, min(minute) AS first_seen
    FROM calls_by_minute
    WHERE minute <= $__toTime AND source = 'live'
      AND $__conditionalAll(request_model IN (\${model:singlequote}), $model)
    GROUP BY request_model, fingerprint
  )
)
WHERE NOT is_first AND time >= $__fromTime
ORDER BY time`;

/**
 * Hits and calls over the whole range per selected behavior and slice (`keys`), as
 * Float64 `hit_count`, `call_count`. Calls are grouped per slice first (a few thousand
 * rows), then repeated once per selected behavior and joined with the grouped hits, so
 * a slice where a behavior never occurred still shows with 0 hits and its calls.
 */
export function hitsAndCallsBySlice(keys: readonly string[]): string {
  const list = keys.join(', ');
  return `SELECT c.behavior AS behavior, ${keys.map((k) => `c.${k} AS ${k}`).join(', ')},
    toFloat64(h.hits) AS hit_count, toFloat64(c.calls) AS call_count
  FROM (
    SELECT arrayJoin([\${behavior:singlequote}]) AS behavior, ${list}, calls
    FROM (
      SELECT ${list}, sum(calls) AS calls
      FROM calls_by_minute
      WHERE $__timeFilter(minute)
      AND ${SLICE_FILTERS}
      GROUP BY ${list}
    )
  ) AS c
  LEFT JOIN (
    SELECT toString(behavior) AS behavior, ${list}, sum(hits) AS hits
    FROM behavior_hits_by_minute
    WHERE behavior IN (\${behavior:singlequote}) AND $__timeFilter(minute)
    AND ${SLICE_FILTERS}
    GROUP BY behavior, ${list}
  ) AS h USING (behavior, ${list})`;
}
