import type { FastifyInstance } from 'fastify';
import { queryRate, RATE_DIMENSIONS, RATE_SOURCES, RATE_STEPS, type RateDimension, type RateSource, type RateStep } from '../rates/query.ts';
import { listBehaviors } from './behaviors.ts';
import { BadRequestError, parseTimestamp } from './context.ts';

interface RatesQuerystring {
  behavior: string;
  from: string;
  to: string;
  by?: RateDimension;
  step?: RateStep;
  source?: RateSource;
  confidence?: number;
  interval?: 'wilson' | 'jeffreys';
}

/** Ranges longer than this are refused: at 1-minute steps the answer would be unreadably large. */
const MAX_POINTS = 50_000;

export async function rateRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: RatesQuerystring }>(
    '/api/v1/rates',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['behavior', 'from', 'to'],
          additionalProperties: false,
          properties: {
            behavior: { type: 'string', minLength: 1, maxLength: 128 },
            from: { type: 'string' },
            to: { type: 'string' },
            by: { type: 'string', enum: Object.keys(RATE_DIMENSIONS) },
            step: { type: 'string', enum: Object.keys(RATE_STEPS) },
            source: { type: 'string', enum: [...RATE_SOURCES] },
            confidence: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
            interval: { type: 'string', enum: ['wilson', 'jeffreys'] },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const from = parseTimestamp('from', q.from);
      const to = parseTimestamp('to', q.to);
      if (to <= from) throw new BadRequestError(`to: must be after from (${from.toISOString()})`);
      if (q.step !== undefined && (to.getTime() - from.getTime()) / 1000 / RATE_STEPS[q.step] > MAX_POINTS) {
        throw new BadRequestError(`step: ${q.step} over this range gives more than ${MAX_POINTS} points; use a larger step`);
      }
      const known = await listBehaviors(app);
      if (!known.some((behavior) => behavior.name === q.behavior)) {
        throw new BadRequestError(`behavior: unknown behavior ${JSON.stringify(q.behavior)}; known: ${known.map((b) => b.name).join(', ')}`);
      }
      return queryRate(app.ctx.store, {
        behavior: q.behavior,
        from,
        to,
        ...(q.by === undefined ? {} : { by: q.by }),
        ...(q.step === undefined ? {} : { step: q.step }),
        ...(q.source === undefined ? {} : { source: q.source }),
        ...(q.confidence === undefined ? {} : { confidence: q.confidence }),
        ...(q.interval === undefined ? {} : { interval: q.interval }),
      });
    },
  );
}
