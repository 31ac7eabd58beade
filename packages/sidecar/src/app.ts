import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { behaviorRoutes } from './api/behaviors.ts';
import { callRoutes } from './api/calls.ts';
import { canaryRoutes } from './api/canary.ts';
import { driftRoutes } from './api/drift.ts';
import { fingerprintRoutes } from './api/fingerprints.ts';
import { trafficMixRoutes } from './api/traffic-mix.ts';
import type { CanarySlot } from './canary/service.ts';
import { BadRequestError, type ApiContext } from './api/context.ts';
import { healthRoutes } from './api/health.ts';
import { incidentRoutes } from './api/incidents.ts';
import { rateRoutes } from './api/rates.ts';
import { uiRoutes } from './api/ui.ts';
import { alertingRoutes, type AlertingOptions } from './shift/plugin.ts';
import { requireBearerToken } from './auth.ts';
import { StoreUnavailableError } from './store/store.ts';

export interface ApiOptions {
  /** Fastify logger: true in `serve`, off in tests. */
  logger?: boolean;
  /** Shift runner and /metrics options. Default: shift detectors evaluated on demand only (no timer). */
  alerting?: AlertingOptions;
  /** The sidecar's canary runner, for GET /api/v1/canary. Default: none configured. */
  canary?: CanarySlot;
  /** Bearer tokens for /api/* and /metrics. Default none: open, which is why the server binds to 127.0.0.1. */
  apiTokens?: readonly string[];
  /** Largest request body, bytes (larger → 413). Default 1 MiB. */
  bodyLimit?: number;
  /** Largest total request header size, bytes (larger → 431). Default 16 KiB. */
  maxHeaderBytes?: number;
}

/** Probes and the UI's static files hold no data and stay reachable without a token. */
const isPublicPath = (path: string): boolean => path === '/healthz' || path === '/readyz' || !(path.startsWith('/api/') || path === '/metrics');

/**
 * The API on the main port. Routes are plugins that read the store and behaviors
 * from `app.ctx`; tests build this without listening and call `app.inject`.
 */
export function buildApi(ctx: ApiContext, options: ApiOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    http: { maxHeaderSize: options.maxHeaderBytes ?? 16 * 1024 },
    // Unknown query parameters are refused rather than silently dropped: a typo must not change the answer.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    // Validation messages name the parameter ("by: must be equal to one of the allowed values: …").
    schemaErrorFormatter: (errors, dataVar) => {
      const [first] = errors;
      const name = first?.instancePath.replace(/^\//, '') || (first?.params as { missingProperty?: string; additionalProperty?: string } | undefined)?.missingProperty
        || (first?.params as { additionalProperty?: string } | undefined)?.additionalProperty || dataVar;
      const allowed = (first?.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
      const detail = first?.keyword === 'additionalProperties' ? 'unknown parameter' : first?.keyword === 'required' ? 'required' : first?.message ?? 'invalid';
      return new Error(`${name}: ${detail}${allowed === undefined ? '' : `: ${allowed.join(', ')}`}`);
    },
  });
  app.decorate('ctx', ctx);
  // Schema coercion turns "1e309" into Infinity, which passes minimum/maximum checks; no parameter is meaningfully infinite.
  app.addHook('preHandler', async (request) => {
    for (const part of [request.query, request.body]) {
      if (part === null || typeof part !== 'object') continue;
      for (const [name, value] of Object.entries(part)) {
        if (typeof value === 'number' && !Number.isFinite(value)) throw new BadRequestError(`${name}: must be a finite number`);
      }
    }
  });
  if (options.apiTokens !== undefined && options.apiTokens.length > 0) requireBearerToken(app, options.apiTokens, isPublicPath);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof StoreUnavailableError) {
      reply.header('retry-after', '5');
      return reply.code(503).send({ error: 'Service Unavailable', message: 'the store is unavailable; retry later' });
    }
    const status = error.statusCode ?? 500;
    // Which part of the credentials was wrong is nobody's business: a bare 401.
    if (status === 401) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'Unauthorized' });
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      // 5xx bodies never carry internals: SQL, paths and engine messages stay in the log.
      return reply.code(500).send({ error: 'Internal Server Error', message: 'internal error; see the sidecar log' });
    }
    return reply.code(status).send({ error: status === 400 ? 'Bad Request' : 'Error', message: error.message });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` }));

  app.register(healthRoutes);
  app.register(behaviorRoutes);
  app.register(rateRoutes);
  app.register(driftRoutes);
  app.register(fingerprintRoutes);
  app.register(trafficMixRoutes);
  app.register(canaryRoutes(options.canary));
  app.register(incidentRoutes);
  app.register(callRoutes);
  app.register(alertingRoutes(options.alerting));
  app.register(uiRoutes());
  return app;
}
