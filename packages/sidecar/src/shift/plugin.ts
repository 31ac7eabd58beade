import type { FastifyInstance } from 'fastify';
import { shiftRoutes } from '../api/shift.ts';
import { MetricsExporter, type MetricsOptions } from '../metrics/exporter.ts';
import { metricsRoutes } from '../metrics/route.ts';
import { ShiftRunner, type ShiftRunnerOptions } from './runner.ts';

/** Options of the alerting routes: the shift runner's and the /metrics exporter's. */
export interface AlertingOptions {
  /**
   * Shift runner options. Default here: no timer, evaluations on demand (apps built in
   * tests); `serve` passes `intervalMs: 60000`, every minute (see {@link ShiftRunnerOptions}).
   */
  shift?: ShiftRunnerOptions;
  metrics?: MetricsOptions;
}

/**
 * Registers GET /metrics and GET /api/v1/shift and owns the shift runner: started
 * when the app is ready, stopped (waiting for a running evaluation) before the store
 * closes.
 */
export function alertingRoutes(options: AlertingOptions = {}) {
  return async function alerting(app: FastifyInstance): Promise<void> {
    const runner = new ShiftRunner(app.ctx.store, app.ctx.behaviors, {
      // An app built without options (tests using inject) evaluates on demand only.
      intervalMs: 0,
      ...options.shift,
      onError: (error) => {
        app.log.error({ err: error }, 'shift detector evaluation failed');
        options.shift?.onError?.(error);
      },
    });
    const exporter = new MetricsExporter(app.ctx.store, app.ctx.behaviors, runner, options.metrics);
    app.addHook('onReady', async () => runner.start());
    app.addHook('onClose', async () => runner.stop());
    await app.register(metricsRoutes(exporter));
    await app.register(shiftRoutes(runner));
  };
}
