import type { FastifyInstance } from 'fastify';
import { buildApi } from './app.ts';
import { installCallsView } from './behaviors/calls-view.ts';
import { loadBehaviorConfig } from './behaviors/config.ts';
import { loadCanaryConfig } from './canary/config.ts';
import { CanarySlot, startCanaryService } from './canary/service.ts';
import type { ServeConfig } from './config.ts';
import { buildReceiver } from './otlp/receiver.ts';
import { Ingestor } from './otlp/ingest.ts';
import { migrate } from './store/migrate.ts';
import { Store } from './store/store.ts';
import { applyContentTtl, startContentScrubber } from './store/retention.ts';

export interface RunningServer {
  api: FastifyInstance;
  receiver: FastifyInstance;
  store: Store;
  /** Where the API listens, e.g. http://127.0.0.1:8080. */
  apiUrl: string;
  /** Where the OTLP receiver listens; spans go to `${otlpUrl}/v1/traces`. */
  otlpUrl: string;
  close(): Promise<void>;
}

/**
 * Opens the store, applies migrations and the behaviors view, then starts the API and
 * the OTLP receiver. Nothing listens until the schema is ready, so no span can arrive
 * before the views that count it exist.
 */
export async function startServer(config: ServeConfig, log: (line: string) => void = () => {}): Promise<RunningServer> {
  const behaviors = loadBehaviorConfig(config.behaviorsFile, config.behaviorsFileRequired);
  // A broken canary file stops the start, with the case and field named, before anything opens.
  const canaries = config.canariesFile === undefined ? undefined : loadCanaryConfig(config.canariesFile);
  const canary = new CanarySlot();
  const store = new Store(config);
  try {
    const cluster = config.cluster === undefined ? undefined : { name: config.cluster };
    const applied = await migrate(store, undefined, cluster === undefined ? {} : { cluster });
    if (applied.length > 0) log(`applied migrations ${applied.join(', ')}`);
    const view = await installCallsView(store, behaviors, cluster);
    log(`behaviors: ${behaviors.behaviors.length} declared${behaviors.source ? ` in ${behaviors.source}` : ''} (calls view ${view})`);
    const ttl = await applyContentTtl(store, config.contentRetentionDays, cluster);
    if (ttl.length > 0) log(`captured content expires after ${config.contentRetentionDays} d (genai_calls ${ttl.join(', ')}; otel_traces content keys scrubbed daily)`);
  } catch (error) {
    await store.close();
    throw error;
  }
  const api = buildApi({ store, behaviors }, {
    logger: false,
    bodyLimit: config.apiMaxBodyBytes,
    maxHeaderBytes: config.maxHeaderBytes,
    ...(config.apiTokens === undefined ? {} : { apiTokens: config.apiTokens }),
    canary,
    alerting: {
      shift: { intervalMs: config.shiftIntervalMs, onError: (error) => log(`shift detectors: evaluation failed: ${(error as Error).message}`) },
      metrics: { refreshMs: config.metricsRefreshMs, fingerprintsPerModel: config.metricsFingerprintsPerModel },
    },
  });
  const receiver = buildReceiver({
    ingestor: new Ingestor(store, config.otlpMaxConcurrentWrites, config.otlpMaxQueuedWrites, {
      maxFutureSkewMs: config.otlpMaxFutureSkewMs,
      maxAgeMs: config.otlpMaxAgeMs,
    }),
    maxBodyBytes: config.otlpMaxBodyBytes,
    maxHeaderBytes: config.maxHeaderBytes,
    log,
    ...(config.otlpTokens === undefined ? {} : { tokens: config.otlpTokens }),
  });
  const apiUrl = await api.listen({ host: config.host, port: config.port });
  const otlpUrl = await receiver.listen({ host: config.host, port: config.otlpPort });
  // Replays record their spans through this receiver, like any instrumented app.
  api.ctx.otlpUrl = otlpUrl;
  if (canaries !== undefined && config.canaryEndpoint !== undefined) {
    startCanaryService(canary, {
      config: canaries,
      endpoint: config.canaryEndpoint,
      store,
      otlpUrl,
      intervalMs: config.canaryIntervalMs,
      concurrency: config.canaryConcurrency,
      timeoutMs: config.canaryTimeoutMs,
      log,
    });
    log(`canary: ${canaries.cases.length} cases from ${canaries.source} every ${config.canaryIntervalMs / 1000} s`);
  }
  const scrubber = startContentScrubber(store, config.contentRetentionDays, {
    ...(config.cluster === undefined ? {} : { cluster: { name: config.cluster } }),
    onError: (error) => log(`content retention: scrub failed, retried tomorrow: ${(error as Error).message}`),
  });
  let closed = false;
  return {
    api,
    receiver,
    store,
    apiUrl,
    otlpUrl,
    async close() {
      if (closed) return;
      closed = true;
      // The canary's last spans still go through the receiver, so it stops first.
      await canary.stop();
      // Stop taking spans first, let in-flight writes finish, then close the store.
      await receiver.close();
      await api.close();
      await scrubber.stop();
      await store.close();
    },
  };
}
