import { loadTokens } from '../auth.ts';
import { ConfigError, resolveConfig } from '../config.ts';
import { startServer } from '../server.ts';
import { durationOption, integerOption, parseOptions, UsageError, type Command } from './command.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the sidecar: OTLP receiver, per-minute rates, API',
  usage: `behavior-rate serve [options]

  --data-dir DIR          embedded chDB data directory (default ./data)
  --clickhouse-url URL    use a ClickHouse server instead, e.g. http://127.0.0.1:8123
  --clickhouse-user U     server user (default "default"; env CLICKHOUSE_USER)
  --clickhouse-password P server password (env CLICKHOUSE_PASSWORD preferred: flags show in ps)
  --database NAME         database (default "default", the collector exporter's)
  --host ADDR             bind address for both ports (default 127.0.0.1)
  --port N                API port (default 8080)
  --otlp-port N           OTLP/HTTP receiver port (default 4318)
  --behaviors FILE        behaviors file (default ./behaviors.yaml if present)
  --cluster NAME          ClickHouse cluster: DDL runs ON CLUSTER with Replicated engines (server only)
  --api-token-file FILE   require a bearer token (one per line) on /api/* and /metrics; env BEHAVIOR_RATE_API_TOKENS (comma-separated)
  --otlp-token-file FILE  require a bearer token on OTLP ingest; env BEHAVIOR_RATE_OTLP_TOKENS
  --content-retention N   days captured content (prompts, outputs) is kept; metadata stays (default 7)
  --metrics-refresh D     recompute /metrics counters from ClickHouse at most this often (default 10s)
  --canaries FILE         run this canary set (canaries.yaml) against --canary-endpoint
  --canary-endpoint URL   OpenAI-compatible base URL incl. /v1 (key: env BEHAVIOR_RATE_CANARY_API_KEY or OPENAI_API_KEY)
  --canary-interval D     time between canary runs (default 60s)
  --canary-concurrency N  canary cases in flight at once (default 8)
  --canary-timeout D      longest wait for one canary answer (default 30s, at most 80% of the interval)`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      'data-dir': { type: 'string' },
      'clickhouse-url': { type: 'string' },
      'clickhouse-user': { type: 'string' },
      'clickhouse-password': { type: 'string' },
      database: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'otlp-port': { type: 'string' },
      behaviors: { type: 'string' },
      cluster: { type: 'string' },
      'api-token-file': { type: 'string' },
      'otlp-token-file': { type: 'string' },
      'metrics-refresh': { type: 'string' },
      'content-retention': { type: 'string' },
      canaries: { type: 'string' },
      'canary-endpoint': { type: 'string' },
      'canary-interval': { type: 'string' },
      'canary-concurrency': { type: 'string' },
      'canary-timeout': { type: 'string' },
    });
    let config;
    try {
      const apiTokens = loadTokens(process.env.BEHAVIOR_RATE_API_TOKENS, values['api-token-file']);
      const otlpTokens = loadTokens(process.env.BEHAVIOR_RATE_OTLP_TOKENS, values['otlp-token-file']);
      config = resolveConfig({
        apiTokens,
        otlpTokens,
        dataDir: values['data-dir'],
        clickhouseUrl: values['clickhouse-url'] ?? process.env.CLICKHOUSE_URL,
        user: values['clickhouse-user'] ?? process.env.CLICKHOUSE_USER,
        password: values['clickhouse-password'] ?? process.env.CLICKHOUSE_PASSWORD,
        database: values.database,
        host: values.host,
        port: integerOption('port', values.port, 8080, 0, 65535),
        otlpPort: integerOption('otlp-port', values['otlp-port'], 4318, 0, 65535),
        behaviorsFile: values.behaviors,
        behaviorsFileRequired: values.behaviors !== undefined,
        cluster: values.cluster,
        contentRetentionDays: integerOption('content-retention', values['content-retention'], 7, 1, 36_500),
        metricsRefreshMs: values['metrics-refresh'] === undefined ? undefined : durationOption('metrics-refresh', values['metrics-refresh']),
        canariesFile: values.canaries,
        canaryEndpoint: values['canary-endpoint'],
        canaryIntervalMs: values['canary-interval'] === undefined ? undefined : durationOption('canary-interval', values['canary-interval']),
        canaryConcurrency: integerOption('canary-concurrency', values['canary-concurrency'], 8, 1, 256),
        canaryTimeoutMs: values['canary-timeout'] === undefined ? undefined : durationOption('canary-timeout', values['canary-timeout']),
      });
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const log = (line: string) => console.log(`[behavior-rate] ${line}`);
    const store = config.clickhouseUrl === undefined ? `embedded chDB at ${config.dataDir}` : `ClickHouse at ${withoutCredentials(config.clickhouseUrl)} (database ${config.database})`;
    log(`opening ${store}`);
    const server = await startServer(config, log);
    log(`API     ${server.apiUrl}  (GET /api/v1/rates, /api/v1/behaviors, /api/v1/shift, /metrics, /readyz)`);
    log(`Web UI  ${server.apiUrl}/`);
    log(`OTLP    ${server.otlpUrl}/v1/traces  (protobuf or JSON)`);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: finishing in-flight writes and closing`);
      server.close().then(() => process.exit(0), (error: unknown) => {
        console.error(error);
        process.exit(1);
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  },
};

/** The URL as it may be logged: a user or password written into it (http://user:secret@host) is masked. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '***';
  parsed.password = '';
  return parsed.toString();
}
