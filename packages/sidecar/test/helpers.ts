import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, type ServeConfig } from '../src/config.ts';
import { startServer, type RunningServer } from '../src/server.ts';

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Closes the server and removes its data directory. */
  dispose(): Promise<void>;
}

/** A sidecar on embedded chDB in a fresh temp directory, listening on free loopback ports. */
export async function startTestServer(options: { behaviorsYaml?: string; dataDir?: string; config?: Partial<ServeConfig> } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'behavior-rate-test-'));
  const behaviorsFile = join(dataDir, '..', `${dataDir.split('/').pop()}-behaviors.yaml`);
  if (options.behaviorsYaml !== undefined) writeFileSync(behaviorsFile, options.behaviorsYaml);
  const server = await startServer(
    resolveConfig({ dataDir, port: 0, otlpPort: 0, behaviorsFile, behaviorsFileRequired: options.behaviorsYaml !== undefined, ...options.config }),
  );
  return {
    ...server,
    dataDir,
    async dispose() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(behaviorsFile, { force: true });
    },
  };
}

/** GETs an API path and returns status and parsed body. */
export async function getApi<T = Record<string, unknown>>(server: RunningServer, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.apiUrl}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}
