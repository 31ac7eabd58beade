-- One typed row per GenAI call. Filled by the materialized view genai_calls_mv, which
-- the sidecar renders at start from the behaviors configuration (SQL behaviors are
-- evaluated there), so it is not part of this static migration.
CREATE TABLE IF NOT EXISTS genai_calls
(
    timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    service LowCardinality(String),
    operation LowCardinality(String),
    provider LowCardinality(String),
    request_model LowCardinality(String),
    response_model LowCardinality(String),
    system_fingerprint LowCardinality(String),
    -- What identifies the backend that answered: the system fingerprint when the
    -- provider reports one, else the response model.
    fingerprint LowCardinality(String),
    finish_reasons Array(LowCardinality(String)),
    input_tokens Nullable(UInt32),
    output_tokens Nullable(UInt32),
    cache_read_tokens Nullable(UInt32),
    duration_ns UInt64 CODEC(T64, ZSTD(1)),
    status LowCardinality(String),
    error_type LowCardinality(String),
    seed Nullable(Int64),
    temperature Nullable(Float64),
    conversation_id String CODEC(ZSTD(1)),
    -- The inputs nobody controls.
    index_version LowCardinality(String),
    freshness_lag_ms Nullable(Int64),
    tool_schema_hash LowCardinality(String),
    prompt_template_hash LowCardinality(String),
    traffic_class LowCardinality(String),
    canary_case_id LowCardinality(String),
    replay_of String CODEC(ZSTD(1)),
    replay_run_id String CODEC(ZSTD(1)),
    -- live, canary or replay: canary and replay traffic never mixes into live rates.
    source LowCardinality(String),
    -- Content, present only when the application enabled capture.
    input_messages String CODEC(ZSTD(3)),
    system_instructions String CODEC(ZSTD(3)),
    output_messages String CODEC(ZSTD(3)),
    output_text String CODEC(ZSTD(3)),
    -- Set semantics: a behavior name appears at most once per call, whatever produced it.
    behaviors Array(LowCardinality(String)),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_span_id span_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (service, request_model, timestamp)
SETTINGS non_replicated_deduplication_window = 10000;
