-- Per-minute counts: calls, and calls that showed each behavior, on the same keys, so a
-- rate for any slice over any range sums a few thousand rows instead of scanning spans.
CREATE TABLE IF NOT EXISTS calls_by_minute
(
    minute DateTime CODEC(Delta, ZSTD(1)),
    service LowCardinality(String),
    request_model LowCardinality(String),
    fingerprint LowCardinality(String),
    traffic_class LowCardinality(String),
    index_version LowCardinality(String),
    tool_schema_hash LowCardinality(String),
    source LowCardinality(String),
    calls UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toDate(minute)
ORDER BY (minute, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS calls_by_minute_mv TO calls_by_minute
AS SELECT
    toStartOfMinute(timestamp) AS minute,
    service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source,
    count() AS calls
FROM genai_calls
GROUP BY minute, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source;

CREATE TABLE IF NOT EXISTS behavior_hits_by_minute
(
    behavior LowCardinality(String),
    minute DateTime CODEC(Delta, ZSTD(1)),
    service LowCardinality(String),
    request_model LowCardinality(String),
    fingerprint LowCardinality(String),
    traffic_class LowCardinality(String),
    index_version LowCardinality(String),
    tool_schema_hash LowCardinality(String),
    source LowCardinality(String),
    hits UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toDate(minute)
ORDER BY (behavior, minute, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS behavior_hits_by_minute_mv TO behavior_hits_by_minute
AS SELECT
    arrayJoin(behaviors) AS behavior,
    toStartOfMinute(timestamp) AS minute,
    service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source,
    count() AS hits
FROM genai_calls
GROUP BY behavior, minute, service, request_model, fingerprint, traffic_class, index_version, tool_schema_hash, source;

-- Which behavior configuration produced genai_calls_mv, so a changed behaviors file is
-- noticed at start and the view re-rendered.
CREATE TABLE IF NOT EXISTS behavior_config
(
    applied_at DateTime64(3) DEFAULT now64(3),
    config_hash String,
    config_yaml String
)
ENGINE = MergeTree
ORDER BY applied_at;
