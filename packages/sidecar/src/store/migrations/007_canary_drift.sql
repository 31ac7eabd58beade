-- Canary drift, fingerprint timeline and traffic mix: the inputs nobody controls,
-- counted per minute so a postmortem can say what moved before the incident.

-- One row per canary case run, from the runner's `canary.case` spans (the GenAI call
-- inside it is an ordinary span and lands in genai_calls with source 'canary').
CREATE TABLE IF NOT EXISTS canary_runs
(
    timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    service LowCardinality(String),
    run_id String CODEC(ZSTD(1)),
    case_id LowCardinality(String),
    request_model LowCardinality(String),
    response_model LowCardinality(String),
    system_fingerprint LowCardinality(String),
    -- answer: the provider answered; error: it did not (error_type says how), so there is no outcome.
    kind LowCardinality(String),
    -- The output after the case's normaliser: the class whose distribution drift compares.
    outcome String CODEC(ZSTD(1)),
    flags Array(LowCardinality(String)),
    -- pass or fail against the case's expected outcome; none when it declares none; error.
    expectation LowCardinality(String),
    failed_checks Array(LowCardinality(String)),
    error_type LowCardinality(String),
    duration_ns UInt64 CODEC(T64, ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (case_id, timestamp)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS canary_runs_mv TO canary_runs
AS SELECT
    Timestamp AS timestamp,
    TraceId AS trace_id,
    SpanId AS span_id,
    ServiceName AS service,
    SpanAttributes['canary.run_id'] AS run_id,
    SpanAttributes['canary.case_id'] AS case_id,
    SpanAttributes['canary.request_model'] AS request_model,
    SpanAttributes['canary.response_model'] AS response_model,
    SpanAttributes['canary.system_fingerprint'] AS system_fingerprint,
    if(StatusCode = 'Error', 'error', 'answer') AS kind,
    SpanAttributes['canary.outcome'] AS outcome,
    if(isValidJSON(SpanAttributes['canary.flags']), JSONExtract(SpanAttributes['canary.flags'], 'Array(String)'), []) AS flags,
    if(StatusCode = 'Error', 'error', if(SpanAttributes['canary.expectation'] != '', SpanAttributes['canary.expectation'], 'none')) AS expectation,
    if(isValidJSON(SpanAttributes['canary.failed_checks']), JSONExtract(SpanAttributes['canary.failed_checks'], 'Array(String)'), []) AS failed_checks,
    if(SpanAttributes['error.type'] != '', SpanAttributes['error.type'], if(StatusCode = 'Error', 'error', '')) AS error_type,
    Duration AS duration_ns
FROM otel_traces
WHERE SpanName = 'canary.case' AND SpanAttributes['canary.case_id'] != '';

-- Per-minute outcome counts per case: what the drift score compares, window against baseline.
CREATE TABLE IF NOT EXISTS canary_outcomes_by_minute
(
    minute DateTime CODEC(Delta, ZSTD(1)),
    request_model LowCardinality(String),
    case_id LowCardinality(String),
    kind LowCardinality(String),
    -- The outcome with the behavior flags it showed, e.g. "7 days [truncated]"; for errors, the error type.
    outcome_key String,
    expectation LowCardinality(String),
    runs UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toDate(minute)
ORDER BY (minute, request_model, case_id, kind, outcome_key, expectation)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS canary_outcomes_by_minute_mv TO canary_outcomes_by_minute
AS SELECT
    toStartOfMinute(timestamp) AS minute,
    request_model,
    case_id,
    kind,
    if(kind = 'error', error_type,
       concat(outcome, if(empty(flags), '', concat(' [', arrayStringConcat(arraySort(flags), ','), ']')))) AS outcome_key,
    expectation,
    count() AS runs
FROM canary_runs
GROUP BY minute, request_model, case_id, kind, outcome_key, expectation;

-- Drift per case at each point of a range: the outcome distribution in the window
-- ending with the point's minute against a baseline, as a Jensen–Shannon divergence
-- (bits) and a distance with the small-sample bias removed (see docs/canary-drift.md).
--   point_start, point_end  first point's minute and the end of the points (Unix seconds)
--   step, window            seconds; the window of point t is [t + 60 - window, t + 60)
--   baseline                trailing baseline in seconds before the window; 0 pins it
--   pinned_from, pinned_to  the pinned baseline [pinned_from, pinned_to), when baseline = 0
--   model                   request model, or '' for all
-- Counts are turned into running totals once, and each point reads four of them
-- (ASOF joins), so a day of points costs about as much as one.
CREATE OR REPLACE VIEW canary_case_drift AS
WITH
    {point_start:UInt32} AS p_start,
    {point_end:UInt32} AS p_end,
    {step:UInt32} AS p_step,
    {window:UInt32} AS p_window,
    {baseline:UInt32} AS p_baseline,
    {pinned_from:UInt32} AS p_pinned_from,
    {pinned_to:UInt32} AS p_pinned_to,
    {model:String} AS p_model,
    counts AS (
        -- Outcomes of answered runs, plus three tallies under keys no outcome can have.
        SELECT case_id, multiIf(kind = 'error', '\0error', outcome_key) AS key, toUInt32(minute) AS m, sum(runs) AS n
        FROM canary_outcomes_by_minute
        WHERE minute >= toDateTime(least(p_start + 60 - p_window - p_baseline, if(p_baseline = 0, p_pinned_from, p_start)))
          AND minute < toDateTime(greatest(p_end + 60, if(p_baseline = 0, p_pinned_to, 0)))
          AND (p_model = '' OR request_model = p_model)
        GROUP BY case_id, key, m
        UNION ALL
        SELECT case_id, if(expectation = 'fail', '\0fail', '\0checked') AS key, toUInt32(minute) AS m, sum(runs) AS n
        FROM canary_outcomes_by_minute
        WHERE expectation IN ('pass', 'fail')
          AND minute >= toDateTime(least(p_start + 60 - p_window - p_baseline, if(p_baseline = 0, p_pinned_from, p_start)))
          AND minute < toDateTime(greatest(p_end + 60, if(p_baseline = 0, p_pinned_to, 0)))
          AND (p_model = '' OR request_model = p_model)
        GROUP BY case_id, key, m
    ),
    running AS (
        SELECT case_id, key, m, sum(n) OVER (PARTITION BY case_id, key ORDER BY m ROWS UNBOUNDED PRECEDING) AS total
        FROM (SELECT case_id, key, m, sum(n) AS n FROM counts GROUP BY case_id, key, m)
    ),
    grid AS (
        SELECT t, case_id, key,
            t + 60 AS window_end,
            t + 60 - p_window AS window_start,
            if(p_baseline = 0, p_pinned_to, t + 60 - p_window) AS baseline_end,
            if(p_baseline = 0, p_pinned_from, t + 60 - p_window - p_baseline) AS baseline_start
        FROM (SELECT arrayJoin(range(p_start, p_end, p_step)) AS t) AS points
        CROSS JOIN (SELECT DISTINCT case_id, key FROM counts) AS pairs
    ),
    at_window_end AS (
        SELECT g.*, r.total AS total_window_end FROM grid AS g
        ASOF LEFT JOIN running AS r ON g.case_id = r.case_id AND g.key = r.key AND g.window_end > r.m
    ),
    at_window_start AS (
        SELECT g.*, r.total AS total_window_start FROM at_window_end AS g
        ASOF LEFT JOIN running AS r ON g.case_id = r.case_id AND g.key = r.key AND g.window_start > r.m
    ),
    at_baseline_end AS (
        SELECT g.*, r.total AS total_baseline_end FROM at_window_start AS g
        ASOF LEFT JOIN running AS r ON g.case_id = r.case_id AND g.key = r.key AND g.baseline_end > r.m
    ),
    per_key AS (
        SELECT g.t AS t, g.case_id AS case_id, g.key AS key,
            g.total_window_end - g.total_window_start AS in_window,
            g.total_baseline_end - r.total AS in_baseline
        FROM at_baseline_end AS g
        ASOF LEFT JOIN running AS r ON g.case_id = r.case_id AND g.key = r.key AND g.baseline_start > r.m
    ),
    per_case AS (
        SELECT t, case_id,
            groupArrayIf(in_window, NOT startsWith(key, '\0')) AS window_counts,
            groupArrayIf(in_baseline, NOT startsWith(key, '\0')) AS baseline_counts,
            arraySum(window_counts) AS runs,
            arraySum(baseline_counts) AS baseline_runs,
            arrayCount((w, b) -> w + b > 0, window_counts, baseline_counts) AS outcomes,
            if(runs = 0 OR baseline_runs = 0, nan,
               greatest(0, arraySum((w, b) ->
                   (if(w > 0, w / runs * log2(2 * (w / runs) / (w / runs + b / baseline_runs)), 0)
                  + if(b > 0, b / baseline_runs * log2(2 * (b / baseline_runs) / (w / runs + b / baseline_runs)), 0)) / 2,
                 window_counts, baseline_counts))) AS divergence,
            if(outcomes <= 1 OR runs = 0 OR baseline_runs = 0, 0, (outcomes - 1) * (1 / runs + 1 / baseline_runs) / (8 * ln(2))) AS null_divergence,
            sumIf(in_window, key = '\0error') AS errors,
            sumIf(in_window, key = '\0fail') AS failed,
            sumIf(in_window, key IN ('\0fail', '\0checked')) AS checked
        FROM per_key
        GROUP BY t, case_id
    )
SELECT
    t, case_id, runs, baseline_runs, outcomes, divergence, null_divergence,
    sqrt(divergence) AS raw_distance,
    sqrt(greatest(0, divergence - null_divergence)) AS distance,
    errors, failed, checked
FROM per_case;

-- Which backend answered each model, per minute (calls that were answered): the fingerprint timeline reads this.
CREATE TABLE IF NOT EXISTS fingerprints_by_minute
(
    minute DateTime CODEC(Delta, ZSTD(1)),
    request_model LowCardinality(String),
    system_fingerprint LowCardinality(String),
    response_model LowCardinality(String),
    service LowCardinality(String),
    source LowCardinality(String),
    calls UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toDate(minute)
ORDER BY (request_model, minute, system_fingerprint, response_model, service, source)
SETTINGS non_replicated_deduplication_window = 10000;

-- Both views below read the raw spans, not genai_calls: these counts do not depend on
-- behavior definitions, so re-evaluating genai_calls (which re-inserts whole days there)
-- must not count them twice. The expressions are those of CALL_COLUMNS_SQL in
-- behaviors/calls-view.ts; test/fingerprints-traffic-mix.test.ts holds the two together.
CREATE MATERIALIZED VIEW IF NOT EXISTS fingerprints_by_minute_mv TO fingerprints_by_minute
AS SELECT
    toStartOfMinute(Timestamp) AS minute,
    SpanAttributes['gen_ai.request.model'] AS request_model,
    if(SpanAttributes['openai.response.system_fingerprint'] != '', SpanAttributes['openai.response.system_fingerprint'],
       SpanAttributes['gen_ai.openai.response.system_fingerprint']) AS system_fingerprint,
    SpanAttributes['gen_ai.response.model'] AS response_model,
    ServiceName AS service,
    multiIf(SpanAttributes['canary.case_id'] != '', 'canary', SpanAttributes['replay.of'] != '', 'replay', 'live') AS source,
    count() AS calls
FROM otel_traces
-- A call that got no response (an error) says nothing about which backend serves the model.
WHERE SpanAttributes['gen_ai.operation.name'] != '' AND (system_fingerprint != '' OR response_model != '')
GROUP BY minute, request_model, system_fingerprint, response_model, service, source;

-- What the traffic was made of, per minute: the traffic-mix divergence reads this.
CREATE TABLE IF NOT EXISTS traffic_mix_by_minute
(
    minute DateTime CODEC(Delta, ZSTD(1)),
    service LowCardinality(String),
    request_model LowCardinality(String),
    source LowCardinality(String),
    traffic_class LowCardinality(String),
    operation LowCardinality(String),
    prompt_template_hash LowCardinality(String),
    calls UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toDate(minute)
ORDER BY (minute, service, request_model, source, traffic_class, operation, prompt_template_hash)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS traffic_mix_by_minute_mv TO traffic_mix_by_minute
AS SELECT
    toStartOfMinute(Timestamp) AS minute,
    ServiceName AS service,
    SpanAttributes['gen_ai.request.model'] AS request_model,
    multiIf(SpanAttributes['canary.case_id'] != '', 'canary', SpanAttributes['replay.of'] != '', 'replay', 'live') AS source,
    SpanAttributes['traffic.class'] AS traffic_class,
    SpanAttributes['gen_ai.operation.name'] AS operation,
    SpanAttributes['prompt.template.hash'] AS prompt_template_hash,
    count() AS calls
FROM otel_traces
WHERE SpanAttributes['gen_ai.operation.name'] != ''
GROUP BY minute, service, request_model, source, traffic_class, operation, prompt_template_hash;

-- Traffic-mix divergence at each point of a range, per dimension: traffic class,
-- operation, prompt template, and all three jointly. Same parameters and window
-- arithmetic as canary_case_drift, plus service and source filters ('' / 'all' for any).
CREATE OR REPLACE VIEW traffic_mix_divergence AS
WITH
    {point_start:UInt32} AS p_start,
    {point_end:UInt32} AS p_end,
    {step:UInt32} AS p_step,
    {window:UInt32} AS p_window,
    {baseline:UInt32} AS p_baseline,
    {pinned_from:UInt32} AS p_pinned_from,
    {pinned_to:UInt32} AS p_pinned_to,
    {model:String} AS p_model,
    {service:String} AS p_service,
    {source:String} AS p_source,
    counts AS (
        SELECT dimension, key, toUInt32(minute) AS m, sum(calls) AS n
        FROM traffic_mix_by_minute
        ARRAY JOIN
            ['traffic_class', 'operation', 'prompt_template', 'joint'] AS dimension,
            [traffic_class, operation, prompt_template_hash, concat(traffic_class, '\0', operation, '\0', prompt_template_hash)] AS key
        WHERE minute >= toDateTime(least(p_start + 60 - p_window - p_baseline, if(p_baseline = 0, p_pinned_from, p_start)))
          AND minute < toDateTime(greatest(p_end + 60, if(p_baseline = 0, p_pinned_to, 0)))
          AND (p_model = '' OR request_model = p_model)
          AND (p_service = '' OR service = p_service)
          AND (p_source = 'all' OR source = p_source)
        GROUP BY dimension, key, m
    ),
    running AS (
        SELECT dimension, key, m, sum(n) OVER (PARTITION BY dimension, key ORDER BY m ROWS UNBOUNDED PRECEDING) AS total
        FROM counts
    ),
    grid AS (
        SELECT t, dimension, key,
            t + 60 AS window_end,
            t + 60 - p_window AS window_start,
            if(p_baseline = 0, p_pinned_to, t + 60 - p_window) AS baseline_end,
            if(p_baseline = 0, p_pinned_from, t + 60 - p_window - p_baseline) AS baseline_start
        FROM (SELECT arrayJoin(range(p_start, p_end, p_step)) AS t) AS points
        CROSS JOIN (SELECT DISTINCT dimension, key FROM counts) AS pairs
    ),
    at_window_end AS (
        SELECT g.*, r.total AS total_window_end FROM grid AS g
        ASOF LEFT JOIN running AS r ON g.dimension = r.dimension AND g.key = r.key AND g.window_end > r.m
    ),
    at_window_start AS (
        SELECT g.*, r.total AS total_window_start FROM at_window_end AS g
        ASOF LEFT JOIN running AS r ON g.dimension = r.dimension AND g.key = r.key AND g.window_start > r.m
    ),
    at_baseline_end AS (
        SELECT g.*, r.total AS total_baseline_end FROM at_window_start AS g
        ASOF LEFT JOIN running AS r ON g.dimension = r.dimension AND g.key = r.key AND g.baseline_end > r.m
    ),
    per_key AS (
        SELECT g.t AS t, g.dimension AS dimension, g.key AS key,
            g.total_window_end - g.total_window_start AS in_window,
            g.total_baseline_end - r.total AS in_baseline
        FROM at_baseline_end AS g
        ASOF LEFT JOIN running AS r ON g.dimension = r.dimension AND g.key = r.key AND g.baseline_start > r.m
    ),
    per_dimension AS (
        SELECT t, dimension,
            groupArray(in_window) AS window_counts,
            groupArray(in_baseline) AS baseline_counts,
            arraySum(window_counts) AS calls,
            arraySum(baseline_counts) AS baseline_calls,
            arrayCount((w, b) -> w + b > 0, window_counts, baseline_counts) AS categories,
            if(calls = 0 OR baseline_calls = 0, nan,
               greatest(0, arraySum((w, b) ->
                   (if(w > 0, w / calls * log2(2 * (w / calls) / (w / calls + b / baseline_calls)), 0)
                  + if(b > 0, b / baseline_calls * log2(2 * (b / baseline_calls) / (w / calls + b / baseline_calls)), 0)) / 2,
                 window_counts, baseline_counts))) AS divergence,
            if(categories <= 1 OR calls = 0 OR baseline_calls = 0, 0, (categories - 1) * (1 / calls + 1 / baseline_calls) / (8 * ln(2))) AS null_divergence
        FROM per_key
        GROUP BY t, dimension
    )
SELECT
    t, dimension, calls, baseline_calls, categories, divergence, null_divergence,
    sqrt(divergence) AS raw_distance,
    sqrt(greatest(0, divergence - null_divergence)) AS distance
FROM per_dimension;

-- Canary leadership when several sidecars share one database: each candidate writes a
-- heartbeat every interval; the live candidate that started first runs the canary.
-- Times come from the server's clock (now64), so replica clock skew does not matter.
CREATE TABLE IF NOT EXISTS canary_heartbeats
(
    holder String,
    started_at DateTime64(3),
    at DateTime64(3) DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY at
TTL toDateTime(at) + INTERVAL 1 DAY;
