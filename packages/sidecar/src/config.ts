import type { StoreOptions } from './store/store.ts';

/** Everything `behavior-rate serve` can be told; validated once at start. */
export interface ServeConfig extends StoreOptions {
  /** Address both listeners bind to. Default `127.0.0.1`: nothing is exposed unless asked. */
  host: string;
  /** API, UI and /metrics port. Default 8080. */
  port: number;
  /** OTLP/HTTP receiver port. Default 4318, the OTLP/HTTP standard port. */
  otlpPort: number;
  /** Behaviors file. Default `behaviors.yaml` in the working directory; absent means built-ins and flags only. */
  behaviorsFile: string;
  /** True when the behaviors file was named explicitly, so its absence is an error. */
  behaviorsFileRequired: boolean;
  /** Largest OTLP request body accepted, compressed or not, in bytes. Default 16 MiB. */
  otlpMaxBodyBytes: number;
  /** Largest API request body (JSON), bytes. Default 1 MiB: the biggest legitimate one is a replay's request body. */
  apiMaxBodyBytes: number;
  /** Largest total size of a request's headers on both ports, bytes (Node's `maxHeaderSize`; larger → 431). Default 16 KiB, Node's own. */
  maxHeaderBytes: number;
  /** Captured content (prompts, outputs) is blanked after this many days, while the call's metadata stays. Default 7. */
  contentRetentionDays: number;
  /** OTLP batches written to the store at once. Default 4: chDB gains little from more, a server a bit. */
  otlpMaxConcurrentWrites: number;
  /** Batches allowed to wait for a write slot before the receiver answers 429. Default 64. */
  otlpMaxQueuedWrites: number;
  /** ClickHouse cluster name: migrations and views are created ON CLUSTER with Replicated engines. Default unset (one node). */
  cluster?: string;
  /** Bearer tokens for /api/* and /metrics. Default none (open; the default bind address is loopback). */
  apiTokens?: string[];
  /** Bearer tokens for OTLP ingest. Default none (open). */
  otlpTokens?: string[];
  /** Spans starting further ahead of this clock are refused (partial success). Default 15 minutes. */
  otlpMaxFutureSkewMs: number;
  /** Spans starting longer ago are refused (partial success); backfills write to otel_traces directly. Default 30 days. */
  otlpMaxAgeMs: number;
  /** Shift detectors run every this many ms. Default 60000 (each minute, just after it completes); 0 evaluates on demand only. */
  shiftIntervalMs: number;
  /** /metrics recomputes its counters from ClickHouse at most this often, ms. Default 10000. */
  metricsRefreshMs: number;
  /** Fingerprints per model with their own /metrics label (the newest); older ones fold into "other". Default 5. */
  metricsFingerprintsPerModel: number;
  /** Canary set (canaries.yaml). Unset: this sidecar runs no canary. */
  canariesFile?: string;
  /** OpenAI-compatible base URL the canary calls, including /v1. Required with canariesFile; key from BEHAVIOR_RATE_CANARY_API_KEY or OPENAI_API_KEY. */
  canaryEndpoint?: string;
  /** Time between canary runs, ms. Default 60000: one run per case per minute; at least 1000. */
  canaryIntervalMs: number;
  /** Canary cases in flight at once. Default 8. */
  canaryConcurrency: number;
  /** Longest wait for one canary answer, ms. Default 30000, capped at 80% of the interval. */
  canaryTimeoutMs: number;
}

export const DEFAULTS: ServeConfig = {
  host: '127.0.0.1',
  port: 8080,
  otlpPort: 4318,
  dataDir: './data',
  database: 'default',
  behaviorsFile: 'behaviors.yaml',
  behaviorsFileRequired: false,
  otlpMaxBodyBytes: 16 * 1024 * 1024,
  apiMaxBodyBytes: 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  contentRetentionDays: 7,
  otlpMaxConcurrentWrites: 4,
  otlpMaxQueuedWrites: 64,
  otlpMaxFutureSkewMs: 15 * 60_000,
  otlpMaxAgeMs: 30 * 86_400_000,
  shiftIntervalMs: 60_000,
  metricsRefreshMs: 10_000,
  metricsFingerprintsPerModel: 5,
  canaryIntervalMs: 60_000,
  canaryConcurrency: 8,
  canaryTimeoutMs: 30_000,
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Fills defaults and checks bounds; every message names the option. */
export function resolveConfig(partial: Partial<ServeConfig>): ServeConfig {
  const config: ServeConfig = { ...DEFAULTS, ...stripUndefined(partial) };
  for (const key of ['port', 'otlpPort'] as const) {
    // Port 0 asks the OS for a free port; tests use it.
    if (!Number.isInteger(config[key]) || config[key] < 0 || config[key] > 65535) {
      throw new ConfigError(`${key}: expected a port number 0-65535, got ${String(config[key])}`);
    }
  }
  for (const key of ['otlpMaxBodyBytes', 'apiMaxBodyBytes', 'maxHeaderBytes', 'contentRetentionDays', 'otlpMaxConcurrentWrites', 'otlpMaxQueuedWrites', 'otlpMaxFutureSkewMs', 'otlpMaxAgeMs', 'metricsFingerprintsPerModel'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new ConfigError(`${key}: expected a positive integer, got ${String(config[key])}`);
  }
  for (const key of ['shiftIntervalMs', 'metricsRefreshMs'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 0) throw new ConfigError(`${key}: expected a non-negative integer (ms), got ${String(config[key])}`);
  }
  for (const key of ['canaryIntervalMs', 'canaryConcurrency', 'canaryTimeoutMs'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) throw new ConfigError(`${key}: expected a positive integer, got ${String(config[key])}`);
  }
  if (config.canaryIntervalMs < 1000) throw new ConfigError(`canaryIntervalMs: expected at least 1000 ms, got ${config.canaryIntervalMs}`);
  if (config.canariesFile !== undefined) {
    if (config.canaryEndpoint === undefined) throw new ConfigError('canaryEndpoint: required with canariesFile (the OpenAI-compatible base URL, e.g. https://api.openai.com/v1)');
    if (!/^https?:\/\/[^\s]+$/.test(config.canaryEndpoint)) throw new ConfigError(`canaryEndpoint: expected an http(s) URL, got ${config.canaryEndpoint}`);
  }
  if (config.clickhouseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(config.clickhouseUrl);
    } catch {
      throw new ConfigError(`clickhouseUrl: not a URL: ${config.clickhouseUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`clickhouseUrl: expected http(s)://host:port, got ${url.protocol}`);
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(config.database ?? '')) throw new ConfigError(`database: expected an identifier, got ${String(config.database)}`);
  return config;
}

function stripUndefined<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
