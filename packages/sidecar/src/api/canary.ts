import type { FastifyInstance } from 'fastify';
import type { CanarySlot } from '../canary/service.ts';

/**
 * GET /api/v1/canary: whether this sidecar runs the canary, whether it leads, and how
 * its last run went (answers, expectation failures, errors by type).
 */
export function canaryRoutes(slot: CanarySlot | undefined) {
  return async function canary(app: FastifyInstance): Promise<void> {
    app.get('/api/v1/canary', async () => slot?.status() ?? { configured: false });
  };
}
