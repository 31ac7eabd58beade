import type { FastifyInstance } from 'fastify';
import { FINGERPRINT_SOURCES, queryFingerprints, type FingerprintSource } from '../fingerprints/timeline.ts';
import { BadRequestError, parseTimestamp } from './context.ts';
import { parseMinutes } from './window-params.ts';

interface FingerprintsQuerystring {
  from: string;
  to: string;
  model?: string;
  service?: string;
  source?: FingerprintSource;
  quiet?: string;
}

/** GET /api/v1/fingerprints: per model, when each backend was first and last seen, and the changes as events. */
export async function fingerprintRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: FingerprintsQuerystring }>(
    '/api/v1/fingerprints',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            model: { type: 'string', minLength: 1, maxLength: 256 },
            service: { type: 'string', minLength: 1, maxLength: 256 },
            source: { type: 'string', enum: [...FINGERPRINT_SOURCES] },
            quiet: { type: 'string' },
          },
        },
      },
    },
    async (request) => {
      const q = request.query;
      const from = parseTimestamp('from', q.from);
      const to = parseTimestamp('to', q.to);
      if (to <= from) throw new BadRequestError(`to: must be after from (${from.toISOString()})`);
      return queryFingerprints(app.ctx.store, {
        from,
        to,
        ...(q.model === undefined ? {} : { model: q.model }),
        ...(q.service === undefined ? {} : { service: q.service }),
        ...(q.source === undefined ? {} : { source: q.source }),
        ...(q.quiet === undefined ? {} : { quietMinutes: parseMinutes('quiet', q.quiet) }),
      });
    },
  );
}
