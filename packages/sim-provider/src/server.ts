import { buildSimApp } from './app.ts';
import type { SimProvider, SimProviderConfig } from './types.ts';

/** Starts the simulated provider over real HTTP (127.0.0.1, any free port by default). */
export async function startSimProvider(config: SimProviderConfig = {}): Promise<SimProvider> {
  const { app, requests, minute } = buildSimApp(config);
  await app.listen({ host: config.host ?? '127.0.0.1', port: config.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('sim-provider: server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    requests,
    minute,
    close: async () => {
      await app.close();
    },
  };
}
