import type { FastifyInstance } from 'fastify';

/** Liveness answers without touching anything; readiness proves the store answers a query. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (await app.ctx.store.ping()) return { status: 'ready' };
    reply.header('retry-after', '5');
    return reply.code(503).send({ status: 'unavailable', message: 'the store does not answer' });
  });
}
