import type { FastifyInstance } from 'fastify';
import { MIX_SOURCES, queryTrafficMix, type MixSource } from '../traffic/mix.ts';
import { parseWindowQuery, WINDOW_PROPERTIES, type WindowQuerystring } from './window-params.ts';

interface TrafficMixQuerystring extends WindowQuerystring {
  service?: string;
  source?: MixSource;
  threshold?: number;
}

/** GET /api/v1/traffic-mix: how far the mix of traffic classes, operations and prompt templates moved from its baseline. */
export async function trafficMixRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: TrafficMixQuerystring }>(
    '/api/v1/traffic-mix',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: {
            ...WINDOW_PROPERTIES,
            service: { type: 'string', minLength: 1, maxLength: 256 },
            source: { type: 'string', enum: [...MIX_SOURCES] },
            threshold: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const window = parseWindowQuery(q, '5m');
      return queryTrafficMix(app.ctx.store, {
        from: window.from,
        to: window.to,
        step: window.step,
        ...(window.windowMinutes === undefined ? {} : { windowMinutes: window.windowMinutes }),
        ...(window.baseline === undefined ? {} : { baseline: window.baseline }),
        ...(q.model === undefined ? {} : { model: q.model }),
        ...(q.service === undefined ? {} : { service: q.service }),
        ...(q.source === undefined ? {} : { source: q.source }),
        ...(q.threshold === undefined ? {} : { threshold: q.threshold }),
      });
    },
  );
}
