-- Replay runs and incidents. Each row is rewritten as the run or incident moves on
-- (running → done); ReplacingMergeTree keeps the highest `version`, and reads use FINAL.
-- The replays themselves are GenAI spans like any other: they live in otel_traces and
-- genai_calls (source 'replay', replay_run_id), beside production.
CREATE TABLE IF NOT EXISTS replay_runs
(
    run_id String,
    version UInt64,
    state LowCardinality(String),
    created_at DateTime64(3),
    finished_at Nullable(DateTime64(3)),
    -- Span id of the call replayed (or 'request:<hash>' for a request file).
    replay_of String,
    trace_id String,
    endpoint String,
    requested UInt32,
    concurrency UInt32,
    completed UInt32,
    failed UInt32,
    retries UInt32,
    -- JSON object: failure reason → count.
    failures String,
    missing_fields Array(String),
    request_body String CODEC(ZSTD(3)),
    wall_ms UInt64,
    error String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY run_id;

CREATE TABLE IF NOT EXISTS incidents
(
    incident_id String,
    version UInt64,
    state LowCardinality(String),
    created_at DateTime64(3),
    trace_id String,
    span_id String,
    behavior String,
    window_minutes UInt32,
    baseline_minutes UInt32,
    replay_run_id String,
    -- Why no replay ran (content not captured, replays: 0), in words for the postmortem.
    replay_note String
)
ENGINE = ReplacingMergeTree(version)
ORDER BY incident_id;
