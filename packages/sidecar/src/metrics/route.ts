import type { FastifyInstance } from 'fastify';
import type { MetricsExporter } from './exporter.ts';

/** GET /metrics in the Prometheus text format. */
export function metricsRoutes(exporter: MetricsExporter) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/metrics', async (_request, reply) => {
      const text = await exporter.render();
      return reply.type(exporter.contentType).send(text);
    });
  };
}
