import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERTING_BEHAVIORS, minuteAgo, parseExposition, sendMinutes } from './alerting-helpers.ts';
import { waitFor } from './alerting-processes.ts';

const BIN = new URL('../bin/behavior-rate.js', import.meta.url).pathname;

interface Sidecar {
  child: ChildProcess;
  apiUrl: string;
  otlpUrl: string;
}

/** `behavior-rate serve` as its own process (a real restart), on free ports. */
async function serve(dataDir: string, behaviorsFile: string): Promise<Sidecar> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--otlp-port', '0', '--behaviors', behaviorsFile, '--metrics-refresh', '1s'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const urls = await waitFor('the sidecar to listen', async () => {
    const api = /API\s+(http:\/\/\S+)/.exec(output)?.[1];
    const otlp = /OTLP\s+(http:\/\/\S+)\/v1\/traces/.exec(output)?.[1];
    if (child.exitCode !== null) throw new Error(`serve exited: ${output}`);
    return api !== undefined && otlp !== undefined ? { api, otlp } : undefined;
  }, 30_000, 100);
  return { child, apiUrl: urls.api, otlpUrl: urls.otlp };
}

async function stop(sidecar: Sidecar | undefined): Promise<void> {
  if (sidecar === undefined || sidecar.child.exitCode !== null) return;
  const exited = new Promise((resolve) => sidecar.child.once('exit', resolve));
  sidecar.child.kill('SIGTERM');
  const timer = setTimeout(() => sidecar.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const counters = async (sidecar: Sidecar): Promise<Map<string, number>> => {
  const all = parseExposition(await (await fetch(`${sidecar.apiUrl}/metrics`)).text());
  return new Map([...all].filter(([key]) => /^behavior_rate_(calls|behavior_hits)_total\{/.test(key)));
};
const total = (values: Map<string, number>, prefix: string) => [...values].filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);

describe('/metrics counters across a sidecar restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'behavior-rate-restart-'));
  const behaviorsFile = join(dir, 'behaviors.yaml');
  writeFileSync(behaviorsFile, ALERTING_BEHAVIORS);
  let sidecar: Sidecar | undefined;
  afterAll(async () => {
    await stop(sidecar);
    rmSync(dir, { recursive: true, force: true });
  });

  it('carry on from the same values after a restart and only grow', async () => {
    const data = join(dir, 'data');
    sidecar = await serve(data, behaviorsFile);
    await sendMinutes(sidecar.otlpUrl, [
      { minute: minuteAgo(5), calls: 40, hits: 2, fingerprint: 'fp_a' },
      { minute: minuteAgo(4), calls: 30, hits: 1, fingerprint: 'fp_b', malformed: 3 },
    ]);
    const before = await counters(sidecar);
    expect(total(before, 'behavior_rate_calls_total')).toBe(70);

    await stop(sidecar);
    sidecar = await serve(data, behaviorsFile);
    const after = await counters(sidecar);
    expect(after).toEqual(before);

    await sendMinutes(sidecar.otlpUrl, [{ minute: minuteAgo(3), calls: 20, hits: 4, fingerprint: 'fp_a' }]);
    // Counters are recomputed at most every --metrics-refresh (1 s here).
    const grown = await waitFor('the new minute in /metrics', async () => {
      const values = await counters(sidecar!);
      return total(values, 'behavior_rate_calls_total') > 70 ? values : undefined;
    }, 20_000, 500);
    for (const [key, value] of before) expect(grown.get(key)).toBeGreaterThanOrEqual(value);
    expect(total(grown, 'behavior_rate_calls_total')).toBe(90);
    expect(total(grown, 'behavior_rate_behavior_hits_total{behavior="wrong_sla"')).toBe(7);
  });
});
