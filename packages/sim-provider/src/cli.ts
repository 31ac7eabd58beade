import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startSimProvider } from './server.ts';
import { parseScenarioYaml } from './yaml-scenario.ts';

const usage = `sim-provider: a simulated OpenAI/Anthropic-compatible provider

  --port <n>                 port (default 0: any free port)
  --host <h>                 host (default 127.0.0.1)
  --seed <n>                 generator seed (default 1)
  --scenario <file.yaml>     scenario (default: the support-bot refund scenario)
  --compression <x>          simulated minutes per real minute (default 1)
  --latency-ms <n>           fixed latency per answer (default 0)
  --rate-limit-rate <p>      probability of a 429 (default 0)
  --server-error-rate <p>    probability of a 500 (default 0)
  --timeout-rate <p>         probability of a hung request (default 0)
`;

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number, got ${value}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      scenario: { type: 'string' },
      compression: { type: 'string' },
      'latency-ms': { type: 'string' },
      'rate-limit-rate': { type: 'string' },
      'server-error-rate': { type: 'string' },
      'timeout-rate': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    process.stdout.write(usage);
    return;
  }
  const scenario = values.scenario === undefined ? undefined : parseScenarioYaml(await readFile(values.scenario, 'utf8'));
  const provider = await startSimProvider({
    scenario,
    host: values.host,
    port: number(values.port, 'port'),
    seed: number(values.seed, 'seed'),
    clock: { compression: number(values.compression, 'compression') },
    latency: { baseMs: number(values['latency-ms'], 'latency-ms') },
    faults: {
      rateLimitRate: number(values['rate-limit-rate'], 'rate-limit-rate'),
      serverErrorRate: number(values['server-error-rate'], 'server-error-rate'),
      timeoutRate: number(values['timeout-rate'], 'timeout-rate'),
    },
    recordRequests: false,
  });
  process.stdout.write(`sim-provider listening on ${provider.url} (OpenAI base URL ${provider.url}/v1)\n`);
  const stop = (): void => {
    void provider.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`sim-provider: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exit(1);
});
