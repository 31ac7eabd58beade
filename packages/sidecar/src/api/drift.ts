import type { FastifyInstance } from 'fastify';
import { DRIFT_DEFAULTS, queryDrift } from '../drift/query.ts';
import { parseWindowQuery, WINDOW_PROPERTIES, type WindowQuerystring } from './window-params.ts';

interface DriftQuerystring extends WindowQuerystring {
  threshold?: number;
  min_runs?: number;
  min_baseline_runs?: number;
}

/** GET /api/v1/drift: the canary drift score per point, and each case at the end of the range. */
export async function driftRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: DriftQuerystring }>(
    '/api/v1/drift',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: {
            ...WINDOW_PROPERTIES,
            threshold: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
            min_runs: { type: 'integer', minimum: 1, maximum: 100_000 },
            min_baseline_runs: { type: 'integer', minimum: 1, maximum: 10_000_000 },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const window = parseWindowQuery(q, '1m');
      return queryDrift(app.ctx.store, {
        from: window.from,
        to: window.to,
        step: window.step,
        windowMinutes: window.windowMinutes ?? DRIFT_DEFAULTS.windowMinutes,
        ...(window.baseline === undefined ? {} : { baseline: window.baseline }),
        ...(q.model === undefined ? {} : { model: q.model }),
        ...(q.threshold === undefined ? {} : { threshold: q.threshold }),
        ...(q.min_runs === undefined ? {} : { minRuns: q.min_runs }),
        ...(q.min_baseline_runs === undefined ? {} : { minBaselineRuns: q.min_baseline_runs }),
      });
    },
  );
}
