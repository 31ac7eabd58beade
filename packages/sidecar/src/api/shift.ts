import type { FastifyInstance } from 'fastify';
import type { ShiftRunner } from '../shift/runner.ts';
import { BadRequestError } from './context.ts';

interface ShiftQuerystring {
  behavior?: string;
  /** A fingerprint, or "all" for the detectors over all traffic only. */
  fingerprint?: string;
}

/**
 * GET /api/v1/shift: the shift detectors after the last complete minute — per
 * behavior (and per busy fingerprint) the CUSUM statistic, its calibrated threshold,
 * the baseline it tests against, whether it is in alarm, and the rate since the
 * estimated change point with its interval.
 */
export function shiftRoutes(runner: ShiftRunner) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: ShiftQuerystring }>(
      '/api/v1/shift',
      {
        schema: {
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              behavior: { type: 'string', minLength: 1, maxLength: 128 },
              fingerprint: { type: 'string', minLength: 1, maxLength: 256 },
            },
          },
        },
      },
      async (request) => {
        const { behavior, fingerprint } = request.query;
        const snapshot = await runner.latest();
        const known = new Set([...snapshot.detectors.map((d) => d.behavior), ...app.ctx.behaviors.behaviors.map((b) => b.name)]);
        if (behavior !== undefined && !known.has(behavior)) {
          throw new BadRequestError(`behavior: no shift detector for ${JSON.stringify(behavior)}; known: ${[...known].sort().join(', ') || '(none yet)'}`);
        }
        const detectors = snapshot.detectors.filter(
          (d) => (behavior === undefined || d.behavior === behavior)
            && (fingerprint === undefined || (fingerprint === 'all' ? d.fingerprint === null : d.fingerprint === fingerprint)),
        );
        return { ...snapshot, detectors };
      },
    );
  };
}
